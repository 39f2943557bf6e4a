// The kernel log watcher reading real OpenSSH servers (the SSH lab) through SshHost, logged in as
// the lab's non-root user: a fake journalctl (there is no NVIDIA GPU here) serves real Xid
// captures and honours the cursor, and each event is recorded once; a node whose user may read
// no kernel log has that as its capability; a node whose journalctl hangs delays no other.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredKernelEvent } from '../../electron/core/alerts/types';
import { FAILURE_POLICY } from '../../electron/core/failures/command-specs';
import { KernelEventStore } from '../../electron/core/failures/kernel-event-store';
import { KernelLogWatcher } from '../../electron/core/failures/kernel-log-watcher';
import type { Host } from '../../electron/core/hosts/host';
import type { HostRegistry } from '../../electron/core/hosts/registry';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshHost } from '../../electron/core/hosts/ssh/ssh-host';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { openDatabase } from '../../electron/core/store/db';
import { FakeJournal, asJournalLines, fakeJournalctlScript, replayScript } from '../helpers/fake-kernel-log';
import { fixturePath, readFixture } from '../helpers/fixtures';
import { SshLab } from '../helpers/ssh-lab';

const START = Date.UTC(2025, 1, 23, 16, 24, 18);
const xidCapture = (name: string) => readFixture('nvidia-smi', 'errors', name);

let lab: SshLab;
let dir: string;
let journal: FakeJournal;
let calls: string;
let pool: SshPool;
let db: Db;
const hosts = new Map<string, Host>();

/** A copy readable by the lab's user wherever the checkout lives. */
function shared(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, readFileSync(source));
  chmodSync(path, 0o644);
  return path;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cd-kernel-log-ssh-'));
  chmodSync(dir, 0o755);
  journal = new FakeJournal(join(dir, 'journal'));
  journal.append(asJournalLines(xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'), 'gpu-01', START));
  calls = join(dir, 'calls');
  writeFileSync(calls, '');
  chmodSync(calls, 0o666);
  const deniedJournal = shared('journal-denied', fixturePath('kernel-log', 'journalctl-k-insufficient-permissions.systemd252.stderr.txt'));
  const deniedDmesg = shared('dmesg-denied', fixturePath('kernel-log', 'dmesg-time-format-iso-not-permitted.util-linux-2.38.stderr.txt'));
  lab = await SshLab.create({
    hosts: [
      { name: 'gpu-01', fakePrograms: { journalctl: fakeJournalctlScript(journal.path, calls) } },
      {
        name: 'gpu-02',
        fakePrograms: {
          journalctl: replayScript({ stderrPath: deniedJournal, exitCode: 1 }),
          dmesg: replayScript({ stderrPath: deniedDmesg, exitCode: 1 }),
        },
      },
      { name: 'gpu-03', fakePrograms: { journalctl: 'exec sleep 600' } },
    ],
  });
  pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  for (const name of ['gpu-01', 'gpu-02', 'gpu-03']) {
    const h = lab.host(name);
    const connection = pool.connection({ endpoint: { host: h.address, port: h.port, user: h.user }, identityFiles: [h.privateKeyPath], useAgent: false });
    hosts.set(name, new SshHost(name, connection, FAILURE_POLICY));
  }
  db = openDatabase(join(dir, 'cd.db'));
}, 120_000);

afterAll(async () => {
  db?.close();
  pool?.closeAll();
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('KernelLogWatcher over SSH', () => {
  it('records each event once, reads on from the cursor, and keeps each node to itself', async () => {
    const registry: HostRegistry = { get: (id) => hosts.get(id), ids: () => [...hosts.keys()] };
    const seen: Array<[string, StoredKernelEvent[]]> = [];
    const warnings: string[] = [];
    const watcher = new KernelLogWatcher({
      hosts: registry,
      store: new KernelEventStore(db),
      intervalMs: 60_000,
      clock: { now: () => START },
      log: { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onEvents: (nodeId, events) => seen.push([nodeId, events]),
      concurrency: 2,
      read: { timeoutMs: 3000 },
    });

    await watcher.pollNow();
    expect(seen.map(([node, events]) => [node, events.map((e) => e.xid)])).toEqual([['gpu-01', [48, 63, 94, 94, 94, 94, 94, 94, 94, 94, 94]]]);
    expect(seen[0]![1][0]).toMatchObject({ nodeId: 'gpu-01', kind: 'xid', pciId: '00000000:19:00.0', atMs: Date.parse('2024-11-15T12:02:03.470Z') });
    expect(watcher.capability('gpu-01')).toBeNull();
    expect(watcher.capability('gpu-02')).toBe(
      `cannot read the kernel log as ${lab.user}: add ${lab.user} to the adm or systemd-journal group (or set kernel.dmesg_restrict=0)`,
    );
    expect(warnings.filter((w) => w.startsWith('kernel log of gpu-03: '))).toEqual(['kernel log of gpu-03: journalctl did not finish within 3 s']);

    // Every node again: nothing new is recorded, and nothing already said is logged again.
    await watcher.pollNow();
    expect(seen).toHaveLength(1);

    journal.append(asJournalLines(xidCapture('xid-79-fallen-off-bus.kernel.txt'), 'gpu-01', START + 3_600_000));
    await watcher.pollNow('gpu-01');
    expect(seen.slice(1).map(([node, events]) => [node, events.map((e) => [e.kind, e.xid, e.pciId, e.raw.length])])).toEqual([
      ['gpu-01', [['fallen-off-bus', 79, '00000000:06:00.0', 2]]],
    ]);
    const args = readFileSync(calls, 'utf8').trim().split('\n');
    expect(args[0]).toBe('-k -o short-iso-precise --no-pager --show-cursor -b 0 -n 20000');
    expect(args.slice(1).every((a) => /^-k -o short-iso-precise --no-pager --show-cursor --after-cursor=s=[0-9a-f]{32};i=[0-9a-f]+;/.test(a))).toBe(true);
    expect(warnings.filter((w) => w.startsWith('kernel log of gpu-02: '))).toHaveLength(1);
    expect(warnings.filter((w) => w.startsWith('kernel log of gpu-03: '))).toHaveLength(1);
    await watcher.stop();
  });
});
