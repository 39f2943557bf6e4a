// The kernel log reader over the real LocalHost, with fake journalctl and dmesg first on PATH
// (no NVIDIA GPU here): they replay real Xid captures (test/fixtures/nvidia-smi/errors) and the
// real words of systemd 252 and util-linux 2.38 for no journal and no permission
// (test/fixtures/kernel-log). The watcher over a real SQLite file records each event once.
import { readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAILURE_POLICY, journalAfterArgs, journalBootArgs, MAX_DMESG_TAIL_BYTES, MIN_DMESG_TAIL_BYTES } from '../../../electron/core/failures/command-specs';
import { KernelEventStore } from '../../../electron/core/failures/kernel-event-store';
import { readKernelLog } from '../../../electron/core/failures/kernel-log-reader';
import { KernelLogWatcher } from '../../../electron/core/failures/kernel-log-watcher';
import { parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { parseXidEvents } from '../../../electron/core/failures/xid';
import { LocalHost } from '../../../electron/core/hosts/local';
import type { HostRegistry } from '../../../electron/core/hosts/registry';
import { openDatabase } from '../../../electron/core/store/db';
import type { StoredKernelEvent } from '../../../electron/core/alerts/types';
import { FakeJournal, asJournalLines, fakeJournalctlScript, fakeProgramDir, replayScript } from '../../helpers/fake-kernel-log';
import { fixturePath, readFixture } from '../../helpers/fixtures';
import { tempDir } from '../../helpers/tmp';

const BOOT_ID = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const START = Date.UTC(2025, 1, 23, 16, 24, 18);
const xidCapture = (name: string) => readFixture('nvidia-smi', 'errors', name);
const kernelLogFixture = (name: string) => fixturePath('kernel-log', name);
const xidsOf = (records: Parameters<typeof parseXidEvents>[0]) => parseXidEvents(records).events.map((e) => e.xid);

const savedPath = process.env.PATH;
let dir: string;
let calls: string;
beforeEach(() => {
  dir = tempDir('cd-kernel-log-');
  calls = join(dir, 'calls');
});
afterEach(() => {
  process.env.PATH = savedPath;
});

/** journalctl on a node that keeps no journal (systemd 252's words). */
const noJournal = (): string =>
  replayScript({ stdoutText: '-- No entries --', stderrPath: kernelLogFixture('journalctl-k-no-journal-files.systemd252.stderr.txt'), exitCode: 1 });

/** journalctl and dmesg as given (absent: a fake that fails the test loudly) first on PATH. */
function install(programs: { journalctl?: string; dmesg?: string }): void {
  const refuse = (name: string) => `echo "the test did not expect ${name} $*" >&2; exit 99`;
  process.env.PATH = fakeProgramDir({ journalctl: programs.journalctl ?? refuse('journalctl'), dmesg: programs.dmesg ?? refuse('dmesg') }).path;
}

function callLog(): string[] {
  try {
    return readFileSync(calls, 'utf8').trim().split('\n');
  } catch {
    return [];
  }
}

const host = new LocalHost(FAILURE_POLICY, 'gpu-01');
const user = (): string => userInfo().username;

describe('the kernel log commands', () => {
  it('allow a real journald cursor and nothing else after --after-cursor, and bounded line counts', () => {
    const cursor = readFixture('kernel-log', 'journalctl-k-b0-n3.systemd252.stdout.txt').match(/^-- cursor: (.*)$/m)![1]!;
    expect(() => FAILURE_POLICY.check('journalctl', journalAfterArgs(cursor, 20_000))).not.toThrow();
    expect(() => FAILURE_POLICY.check('journalctl', journalBootArgs(20_000))).not.toThrow();
    for (const bad of [`${cursor}' --file=/etc/shadow`, `${cursor};z=1`, cursor.toUpperCase(), `${cursor} `, '']) {
      expect(() => FAILURE_POLICY.check('journalctl', journalAfterArgs(bad, 10))).toThrow(/not on the allowlist/);
    }
    expect(() => FAILURE_POLICY.check('journalctl', journalBootArgs(20_001))).toThrow(/not on the allowlist/);
    expect(() => FAILURE_POLICY.check('journalctl', journalBootArgs(0))).toThrow(/not on the allowlist/);
  });
});

describe('readKernelLog', () => {
  it('reads the current boot first, then only the lines after the cursor', async () => {
    const journal = new FakeJournal(join(dir, 'journal'));
    journal.append(asJournalLines(xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'), 'gpu-01', START));
    install({ journalctl: fakeJournalctlScript(journal.path, calls) });

    const first = await readKernelLog(host, null);
    expect(first).toMatchObject({ bootId: BOOT_ID, source: 'journal', capability: null, warnings: [] });
    expect(first.cursor).toMatch(/^s=[0-9a-f]{32};i=[0-9a-f]+;b=/);
    expect(xidsOf(first.records)).toEqual([48, 63, 94, 94, 94, 94, 94, 94, 94, 94, 94]);

    journal.append(asJournalLines(xidCapture('xid-79-fallen-off-bus.kernel.txt'), 'gpu-01', START + 3_600_000));
    const second = await readKernelLog(host, { bootId: first.bootId, source: 'journal', cursor: first.cursor });
    expect(second.records.map((r) => r.message)).toEqual(xidCapture('xid-79-fallen-off-bus.kernel.txt').trim().split('\n'));
    expect(xidsOf(second.records)).toEqual([79]);
    expect(second.cursor).not.toBe(first.cursor);

    const third = await readKernelLog(host, { bootId: second.bootId, source: 'journal', cursor: second.cursor });
    expect(third).toMatchObject({ source: 'journal', cursor: second.cursor, records: [] });
    expect(callLog()).toEqual([
      '-k -o short-iso-precise --no-pager --show-cursor -b 0 -n 20000',
      `-k -o short-iso-precise --no-pager --show-cursor --after-cursor=${first.cursor} -n 20000`,
      `-k -o short-iso-precise --no-pager --show-cursor --after-cursor=${second.cursor} -n 20000`,
    ]);
  });

  it("reads the current boot again when the cursor is another boot's", async () => {
    const journal = new FakeJournal(join(dir, 'journal'));
    journal.append(asJournalLines(xidCapture('xid-79-fallen-off-bus.kernel.txt'), 'gpu-01', START));
    install({ journalctl: fakeJournalctlScript(journal.path, calls) });
    const cursor = readFixture('kernel-log', 'journalctl-k-b0-n3.systemd252.stdout.txt').match(/^-- cursor: (.*)$/m)![1]!;
    const read = await readKernelLog(host, { bootId: '0b6b7808-c002-f593-ac86-cd8e57757b94', source: 'journal', cursor });
    expect(read.bootId).toBe(BOOT_ID);
    expect(xidsOf(read.records)).toEqual([79]);
    expect(callLog().map((args) => args.split(' ').slice(5).join(' '))).toEqual([`--after-cursor=${cursor} -n 20000`, '-b 0 -n 20000']);
  });

  it('reads dmesg where the node keeps no journal', async () => {
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stdoutPath: fixturePath('nvidia-smi', 'errors', 'xid-13-43-sm-exception.dmesg-decode-iso.log'), exitCode: 0, callsPath: calls }),
    });
    const read = await readKernelLog(host, null);
    expect(read).toMatchObject({ bootId: BOOT_ID, source: 'dmesg', cursor: null, capability: null });
    expect(new Set(xidsOf(read.records))).toEqual(new Set([13, 43]));
    expect(callLog()).toEqual(['--time-format iso']);
  });

  it('parses only what dmesg printed since the last read of the same boot, and says when its buffer wrapped in between', async () => {
    const lines = xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log')
      .split('\n')
      .filter((l) => l !== '');
    const log = join(dir, 'dmesg.log');
    const print = (from: number, to: number) => writeFileSync(log, `${lines.slice(from, to).join('\n')}\n`);
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stdoutPath: log, exitCode: 0 }),
    });
    const previous = { bootId: BOOT_ID, source: 'dmesg' as const, cursor: null };
    print(0, 20);
    const first = await readKernelLog(host, null);
    expect(first.records).toHaveLength(20);
    expect(first.dmesgMark).toMatchObject({ bootId: BOOT_ID, timeMs: first.records[19]!.timeMs });
    print(0, 41);
    // Parsed: the lines after the last one read; before them the driver lines of the minute up to it, kept with the mark.
    const second = await readKernelLog(host, previous, {}, first.dmesgMark);
    expect(second.records.map((r) => r.raw)).toEqual(lines.slice(10));
    expect(second.warnings).toEqual([]);
    // Another boot's mark is not looked for.
    expect((await readKernelLog(host, previous, {}, { ...first.dmesgMark!, bootId: 'another' })).records).toHaveLength(41);
    // Read up to 05:39, then the buffer holds only what came after: every line is parsed, and the gap is said.
    print(0, 10);
    const early = await readKernelLog(host, previous, {}, null);
    print(10, 41);
    const wrapped = await readKernelLog(host, previous, {}, early.dmesgMark);
    expect(wrapped.records).toHaveLength(31);
    expect(wrapped.warnings).toEqual([expect.stringMatching(/dmesg's buffer no longer holds the last line read .*lines logged in between were missed/)]);
  });

  it("reads only the buffer's end after the first read, as much as the last read showed is needed, and the whole buffer when the last line read is not in it", async () => {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ',$1000+00:00');
    // Hours of filler before the capture (160 KB), then the capture (Xids at 12:02), then filler after it.
    const filler = (fromMs: number, n: number) =>
      Array.from({ length: n }, (_, i) => `${stamp(fromMs + i * 1000)} filler line ${i} of the ring buffer, long enough to be like the kernel's own`);
    const capture = xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log')
      .split('\n')
      .filter((l) => l !== '');
    const before = filler(Date.UTC(2024, 10, 15, 4, 0, 0), 2000);
    const after = filler(Date.UTC(2024, 10, 15, 13, 0, 0), 1000);
    const log = join(dir, 'dmesg.log');
    const journalCalls = join(dir, 'journal-calls');
    install({
      journalctl: replayScript({
        stdoutText: '-- No entries --',
        stderrPath: kernelLogFixture('journalctl-k-no-journal-files.systemd252.stderr.txt'),
        exitCode: 1,
        callsPath: journalCalls,
      }),
      dmesg: replayScript({ stdoutPath: log, exitCode: 0, callsPath: calls }),
    });
    const journalAsked = () => readFileSync(journalCalls, 'utf8').trim().split('\n').length;
    const previous = { bootId: BOOT_ID, source: 'dmesg' as const, cursor: null };
    writeFileSync(log, `${[...before, ...capture].join('\n')}\n`);
    const first = await readKernelLog(host, null);
    expect(first.records).toHaveLength(2041);
    expect(callLog()).toHaveLength(1);
    expect(journalAsked()).toBe(1);
    // Nothing new: one run of dmesg through the tail script. The driver lines of the minute before
    // the last line come from the mark; of the text, only what follows the first of the identical
    // peermem lines within the clock's slack of the last one is parsed again.
    const kept = capture.slice(10, 21);
    const second = await readKernelLog(host, previous, {}, first.dmesgMark);
    expect(callLog()).toHaveLength(2);
    expect(first.dmesgMark!.context.map((r) => r.raw)).toEqual(kept);
    expect(second.records.map((r) => r.raw)).toEqual([...kept, ...capture.slice(22)]);
    // That read needed ~3 KB of the buffer's end: the next asks for the least, 8 KiB.
    expect(second.dmesgMark!.tailBytes).toBe(MIN_DMESG_TAIL_BYTES);
    // More new lines than the tail holds: the tail, then the whole buffer.
    writeFileSync(log, `${[...before, ...capture, ...after].join('\n')}\n`);
    const third = await readKernelLog(host, previous, {}, second.dmesgMark);
    expect(callLog()).toHaveLength(4);
    expect(third.records.map((r) => r.raw)).toEqual([...kept, ...capture.slice(22), ...after]);
    expect(third.warnings).toEqual([]);
    // The node has no journal in this boot: it was asked once, on the first read, not on the later ones.
    expect(journalAsked()).toBe(1);
    // That read needed the 1,000 new lines (~100 KB): the next asks for the most.
    expect(third.dmesgMark!.tailBytes).toBe(MAX_DMESG_TAIL_BYTES);
    // The kept driver lines are more than a minute older than the newest line now: dropped.
    expect(third.dmesgMark!.context).toEqual([]);
    // 50 more lines (~5 KB): one run, the tail, and only those lines parsed.
    const more = filler(Date.UTC(2024, 10, 15, 13, 0, 0) + 1000 * 1000, 50);
    writeFileSync(log, `${[...before, ...capture, ...after, ...more].join('\n')}\n`);
    const fourth = await readKernelLog(host, previous, {}, third.dmesgMark);
    expect(callLog()).toHaveLength(5);
    expect(fourth.records.map((r) => r.raw)).toEqual(more);
    expect(fourth.warnings).toEqual([]);
    expect(fourth.dmesgMark!.tailBytes).toBe(16_384);
    // Another boot (the mark's is no longer the node's): the journal is asked first again, then the whole buffer.
    const rebooted = await readKernelLog(
      host,
      { ...previous, bootId: 'aaaaaaaa-0000-0000-0000-000000000000' },
      {},
      { ...fourth.dmesgMark!, bootId: 'aaaaaaaa-0000-0000-0000-000000000000' },
    );
    expect(journalAsked()).toBe(2);
    expect(rebooted.records).toHaveLength(before.length + capture.length + after.length + more.length);
  });

  it('says once, as a capability, that the login user may read neither the journal nor dmesg', async () => {
    install({
      journalctl: replayScript({ stderrPath: kernelLogFixture('journalctl-k-insufficient-permissions.systemd252.stderr.txt'), exitCode: 1 }),
      dmesg: replayScript({ stderrPath: kernelLogFixture('dmesg-time-format-iso-not-permitted.util-linux-2.38.stderr.txt'), exitCode: 1 }),
    });
    const read = await readKernelLog(host, null);
    expect(read.records).toEqual([]);
    expect(read.capability).toBe(`cannot read the kernel log as ${user()}: add ${user()} to the adm or systemd-journal group (or set kernel.dmesg_restrict=0)`);
  });

  it('says what to change where there is no journal and dmesg is restricted', async () => {
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stderrPath: kernelLogFixture('dmesg-time-format-iso-not-permitted.util-linux-2.38.stderr.txt'), exitCode: 1 }),
    });
    expect((await readKernelLog(host, null)).capability).toMatch(/keeps no journal and restricts dmesg; set kernel\.dmesg_restrict=0/);
  });

  it("keeps reading only the buffer's end through a storm: a minute of more lines than the largest tail holds", async () => {
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ',$1000+00:00');
    // 2,000 lines of ~100 bytes in 40 s (200 KB, over three times MAX_DMESG_TAIL_BYTES), an Xid among them.
    const T = Date.UTC(2024, 10, 15, 12, 0, 0);
    const storm = Array.from({ length: 2000 }, (_, i) =>
      i === 1000
        ? `${stamp(T + i * 20)} NVRM: Xid (PCI:0000:06:00): 79, pid=1, name=x, GPU has fallen off the bus.`
        : `${stamp(T + i * 20)} pcieport 0000:00:01.0: AER: Corrected error message received from 0000:06:00.0 (${i})`,
    );
    expect(Buffer.byteLength(storm.join('\n'))).toBeGreaterThan(3 * MAX_DMESG_TAIL_BYTES);
    const log = join(dir, 'dmesg.log');
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stdoutPath: log, exitCode: 0, callsPath: calls }),
    });
    const previous = { bootId: BOOT_ID, source: 'dmesg' as const, cursor: null };
    writeFileSync(log, `${storm.join('\n')}\n`);
    const first = await readKernelLog(host, null);
    expect(first.records).toHaveLength(2000);
    let mark = first.dmesgMark;
    // The storm goes on: each read runs dmesg once (the tail; a tail that fell short would be followed by a whole read), and parses only the new lines.
    for (let round = 1; round <= 3; round += 1) {
      const more = Array.from({ length: 20 }, (_, i) => `${stamp(T + 40_000 + round * 1000 + i * 20)} NVRM: GPU 0000:06:00.0: GPU has fallen off the bus.`);
      storm.push(...more);
      writeFileSync(log, `${storm.join('\n')}\n`);
      const read = await readKernelLog(host, previous, {}, mark);
      expect(callLog()).toHaveLength(1 + round);
      // After the Xid 79 kept with the mark (and the lines of the same failure kept since), the new lines.
      expect(read.records.slice(-20).map((r) => r.raw)).toEqual(more);
      expect(read.records[0]!.raw).toBe(storm[1000]);
      // They join the Xid 79 (within a minute of it): one failure, as a whole read finds.
      expect(xidsOf(read.records)).toEqual([79]);
      mark = read.dmesgMark;
    }
  });

  it('fails a read that hangs, within its limit', async () => {
    install({ journalctl: 'exec sleep 60' });
    await expect(readKernelLog(host, null, { timeoutMs: 300 })).rejects.toThrow(/journalctl did not finish within/);
  });
});

describe('KernelLogWatcher over the local host', () => {
  const open: Db[] = [];
  afterEach(() => {
    for (const db of open.splice(0)) db.close();
  });
  function watcherOver(path: string, seen: StoredKernelEvent[][], warnings: string[] = []): KernelLogWatcher {
    const db = openDatabase(path);
    open.push(db);
    const hosts: HostRegistry = { get: (id) => (id === 'gpu-01' ? host : undefined), ids: () => ['gpu-01'] };
    return new KernelLogWatcher({
      hosts,
      store: new KernelEventStore(db),
      intervalMs: 60_000,
      clock: { now: () => START },
      log: { info: () => {}, warn: (m) => warnings.push(m), error: (m) => warnings.push(m) },
      onEvents: (_, events) => seen.push(events),
    });
  }

  it('records each journal event once, across a restart (a new store over the same file)', async () => {
    const path = join(dir, 'cd.db');
    const journal = new FakeJournal(join(dir, 'journal'));
    journal.append(asJournalLines(xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'), 'gpu-01', START));
    install({ journalctl: fakeJournalctlScript(journal.path, calls) });
    const seen: StoredKernelEvent[][] = [];
    const first = watcherOver(path, seen);
    await first.pollNow();
    await first.pollNow();
    expect(seen.map((batch) => batch.map((e) => e.xid))).toEqual([[48, 63, 94, 94, 94, 94, 94, 94, 94, 94, 94]]);
    for (const db of open.splice(0)) db.close();

    // After the restart it goes on from the stored cursor: only the new failure is new.
    journal.append(asJournalLines(xidCapture('xid-79-fallen-off-bus.kernel.txt'), 'gpu-01', START + 3_600_000));
    const restarted = watcherOver(path, seen);
    await restarted.pollNow('gpu-01');
    expect(seen.slice(1).map((batch) => batch.map((e) => [e.kind, e.xid, e.pciId]))).toEqual([[['fallen-off-bus', 79, '00000000:06:00.0']]]);
    expect(callLog()[2]).toMatch(/--after-cursor=s=/);
  });

  it('records each dmesg event once though dmesg has no cursor, across a restart', async () => {
    const path = join(dir, 'cd.db');
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stdoutPath: fixturePath('nvidia-smi', 'errors', 'xid-48-63-94-dbe-row-remap.dmesg-iso.log'), exitCode: 0 }),
    });
    const seen: StoredKernelEvent[][] = [];
    const first = watcherOver(path, seen);
    await first.pollNow();
    await first.pollNow();
    for (const db of open.splice(0)) db.close();
    await watcherOver(path, seen).pollNow();
    expect(seen.map((batch) => batch.length)).toEqual([11]);
  });

  it('records the events of a growing dmesg once each, as whole reads would', async () => {
    const lines = xidCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log')
      .split('\n')
      .filter((l) => l !== '');
    const log = join(dir, 'dmesg.log');
    install({
      journalctl: noJournal(),
      dmesg: replayScript({ stdoutPath: log, exitCode: 0 }),
    });
    const seen: StoredKernelEvent[][] = [];
    const watcher = watcherOver(join(dir, 'cd.db'), seen);
    for (const end of [12, 20, 41, 41]) {
      writeFileSync(log, `${lines.slice(0, end).join('\n')}\n`);
      await watcher.pollNow();
    }
    const whole = parseXidEvents(parseKernelLog(lines.join('\n')).records).events;
    expect(seen.flat().map((e) => [e.atMs, e.xid, e.raw.length])).toEqual(whole.map((e) => [e.timeMs, e.xid, e.raw.length]));
    expect(seen.map((batch) => batch.length)).toEqual([2, 8, 1]);
  });

  it('never reads a node twice at once: a poll during a read runs once that read is done', async () => {
    const journal = new FakeJournal(join(dir, 'journal'));
    journal.append(asJournalLines(xidCapture('xid-79-fallen-off-bus.kernel.txt'), 'gpu-01', START));
    // A read that finds another one running says so in the call log.
    const lock = join(dir, 'reading');
    install({
      journalctl: [`mkdir '${lock}' 2>/dev/null || echo OVERLAP >> '${calls}'`, 'sleep 0.2', fakeJournalctlScript(journal.path, calls), `rmdir '${lock}'`].join(
        '\n',
      ),
    });
    const seen: StoredKernelEvent[][] = [];
    const watcher = watcherOver(join(dir, 'cd.db'), seen);
    watcher.start();
    await Promise.all([watcher.pollNow(), watcher.pollNow('gpu-01'), watcher.pollNow()]);
    await watcher.stop();
    const log = callLog();
    expect(log).not.toContain('OVERLAP');
    // The timer's read, then one more for the polls that came while it ran.
    expect(log.map((args) => args.split(' ').slice(5, 6)[0]!.replace(/=.*/, ''))).toEqual(['-b', '--after-cursor']);
    expect(seen.map((batch) => batch.map((e) => e.xid))).toEqual([[79]]);
  });

  it('keeps the capability per node and logs it once, not per read', async () => {
    install({
      journalctl: replayScript({ stderrPath: kernelLogFixture('journalctl-k-insufficient-permissions.systemd252.stderr.txt'), exitCode: 1 }),
      dmesg: replayScript({ stderrPath: kernelLogFixture('dmesg-time-format-iso-not-permitted.util-linux-2.38.stderr.txt'), exitCode: 1 }),
    });
    const warnings: string[] = [];
    const watcher = watcherOver(join(dir, 'cd.db'), [], warnings);
    expect(watcher.capability('gpu-01')).toBeNull();
    await watcher.pollNow();
    await watcher.pollNow();
    expect(watcher.capability('gpu-01')).toMatch(/^cannot read the kernel log as /);
    expect(warnings).toEqual([`kernel log of gpu-01: ${watcher.capability('gpu-01')}`]);
  });
});
