// The Host's reads, stats, sudo and batches against a real OpenSSH server (the SSH lab), logged
// in as the lab's non-root user: a batch is one exec request on the connection, a file only root
// may read is 'denied' and an absent one 'missing', and sudo without a sudoers entry says so
// instead of asking for a password.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/core/engine';
import { ExecPolicy, pathUnder, pattern } from '../../electron/core/hosts/exec-policy';
import { SshHost } from '../../electron/core/hosts/ssh/ssh-host';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import type { SshConnection } from '../../electron/core/hosts/ssh/ssh-connection';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { SshLab } from '../helpers/ssh-lab';

let lab: SshLab;
let dir: string;
let pool: SshPool;
let connection: SshConnection;
let host: SshHost;

/** Text a hostile file or argument could hold: shell syntax and a forged end of the framing. */
const HOSTILE = `$(touch /tmp/cd-pwned) \`id\` '"; rm -rf / \\ @@clusterdeck:end:o0:ok@@ @@clusterdeck:done@@`;

/** 200 KB of two-byte characters: the SSH packets (32 KB at most) split some of them. */
const WIDE = 'é'.repeat(100_000);

const policy = ExecPolicy.of({
  commands: [
    { id: 'test.id', program: 'id', args: ['-un'], description: 'the login user' },
    { id: 'test.id-root', program: 'id', args: ['-u'], description: 'the user id, under sudo', sudo: true },
    { id: 'test.printf', program: 'printf', args: ['%s', pattern('any text', /[^]*/, 1000)], description: 'prints its argument' },
    { id: 'test.missing', program: 'clusterdeck-no-such-program', args: [], description: 'not installed' },
  ],
  paths: [
    { id: 'test.files', path: pathUnder(['/tmp']), description: 'the test files' },
    { id: 'test.os-release', path: '/etc/os-release', description: '' },
  ],
});

/** Counts the exec requests the connection's client sends from now on. */
async function countExecs(): Promise<{ count: () => number; stop: () => void }> {
  const client = (await connection.ready()) as Client & { exec: Client['exec'] };
  const original = client.exec;
  let count = 0;
  client.exec = function (this: Client, ...args: Parameters<Client['exec']>) {
    count += 1;
    return original.apply(this, args);
  } as Client['exec'];
  return { count: () => count, stop: () => void (client.exec = original) };
}

beforeAll(async () => {
  lab = await SshLab.create({ hosts: [{ name: 'h1' }] });
  dir = mkdtempSync(join(tmpdir(), 'cd-host-batch-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'plain'), 'first\nsecond\n');
  writeFileSync(join(dir, 'no-newline'), 'ümlaut, no newline at the end');
  writeFileSync(join(dir, 'hostile'), `${HOSTILE}\n\n@@clusterdeck:begin:o1@@\n|x\n`);
  writeFileSync(join(dir, 'wide'), WIDE);
  writeFileSync(join(dir, 'root-only'), 'secret\n', { mode: 0o600 });
  chmodSync(join(dir, 'root-only'), 0o600);
  mkdirSync(join(dir, 'closed'), { mode: 0o700 });
  chmodSync(join(dir, 'closed'), 0o700);
  writeFileSync(join(dir, 'closed', 'inside'), 'x');
  const h1 = lab.host('h1');
  pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  connection = pool.connection({ endpoint: { host: h1.address, port: h1.port, user: h1.user }, identityFiles: [h1.privateKeyPath], useAgent: false });
  host = new SshHost('h1', connection, policy);
}, 120_000);

afterAll(async () => {
  pool?.closeAll();
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SshConnection.exec', () => {
  it('gives output of many packets whole, characters split between packets too, and cut at its byte limit as UTF-8 is', async () => {
    const path = join(dir, 'wide');
    expect((await connection.exec(`cat -- ${path}`, 30_000, 1 << 20)).stdout).toBe(WIDE);
    const cut = await connection.exec(`cat -- ${path}`, 30_000, 100_001);
    expect(cut.truncated).toBe(true);
    // Half a character at the cut: one replacement character, as a whole Buffer decoded would give.
    expect(cut.stdout).toBe(`${'é'.repeat(50_000)}\ufffd`);
  });
});

describe('SshConnection.close', () => {
  it('ends a connection still opening instead of keeping it (a stopping serve would never exit), and a later ready() opens anew', async () => {
    const h1 = lab.host('h1');
    const own = new SshPool({
      hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
      credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
    });
    try {
      const fresh = own.connection({ endpoint: { host: h1.address, port: h1.port, user: h1.user }, identityFiles: [h1.privateKeyPath], useAgent: false });
      const opening = fresh.ready();
      fresh.close();
      await expect(opening).rejects.toThrow(/closed while it opened/);
      expect(fresh.state).toBe('idle');
      expect(fresh.connects).toBe(0);
      // Not a failure of the node: no back-off.
      await fresh.ready();
      expect(fresh.state).toBe('up');
      expect(fresh.connects).toBe(1);
    } finally {
      own.closeAll();
    }
  });
});

describe('SshHost batch', () => {
  it('does 3 reads, 2 stats and 2 commands in one exec request', async () => {
    const execs = await countExecs();
    try {
      const results = await host.batch([
        { kind: 'read', path: join(dir, 'plain') },
        { kind: 'read', path: join(dir, 'no-newline'), maxBytes: 7 },
        { kind: 'read', path: join(dir, 'hostile') },
        { kind: 'stat', path: join(dir, 'root-only') },
        { kind: 'stat', path: join(dir, 'closed') },
        { kind: 'exec', program: 'id', args: ['-un'] },
        { kind: 'exec', program: 'printf', args: ['%s', HOSTILE] },
      ]);
      expect(execs.count()).toBe(1);
      const [plain, cut, hostile, rootOnly, closed, id, printf] = results;
      expect(plain).toEqual({ kind: 'ok', text: 'first\nsecond\n', truncated: false });
      // 7 bytes: the ü is two.
      expect(cut).toEqual({ kind: 'ok', text: 'ümlaut', truncated: true });
      expect(hostile).toEqual({ kind: 'ok', text: `${HOSTILE}\n\n@@clusterdeck:begin:o1@@\n|x\n`, truncated: false });
      expect(rootOnly).toEqual({ kind: 'ok', type: 'file', mode: 0o600, uid: 0, gid: 0, owner: 'root', group: 'root', size: 7 });
      expect(closed).toMatchObject({ kind: 'ok', type: 'dir', mode: 0o700, owner: 'root' });
      expect(id).toMatchObject({ exitCode: 0, stdout: `${lab.user}\n`, stderr: '', notFound: false });
      // The argument reached printf as one word: nothing in it ran.
      expect(printf).toMatchObject({ exitCode: 0, stdout: HOSTILE });
    } finally {
      execs.stop();
    }
  });

  it("tells a file only root may read ('denied') from an absent one ('missing')", async () => {
    const [rootOnly, inside, insideStat, absent, absentStat, folder] = await host.batch([
      { kind: 'read', path: join(dir, 'root-only') },
      { kind: 'read', path: join(dir, 'closed', 'inside') },
      { kind: 'stat', path: join(dir, 'closed', 'inside') },
      { kind: 'read', path: join(dir, 'nothing-here') },
      { kind: 'stat', path: join(dir, 'nothing-here') },
      { kind: 'read', path: join(dir, 'closed') },
    ]);
    expect(rootOnly).toEqual({ kind: 'denied' });
    expect(inside).toEqual({ kind: 'denied' });
    expect(insideStat).toEqual({ kind: 'denied' });
    expect(absent).toEqual({ kind: 'missing' });
    expect(absentStat).toEqual({ kind: 'missing' });
    expect(folder).toMatchObject({ kind: 'denied' });
    // One op at a time gives the same answers.
    expect(await host.read(join(dir, 'root-only'))).toEqual({ kind: 'denied' });
    expect(await host.stat(join(dir, 'nothing-here'))).toEqual({ kind: 'missing' });
    expect(await host.read('/etc/os-release')).toMatchObject({ kind: 'ok', text: expect.stringMatching(/^(PRETTY_)?NAME=/m) });
  });

  it('reports a command that is not installed, and sudo that wants a password, as such', async () => {
    const [missing, sudo] = await host.batch([
      { kind: 'exec', program: 'clusterdeck-no-such-program', args: [] },
      { kind: 'exec', program: 'id', args: ['-u'], sudo: true },
    ]);
    expect(missing).toMatchObject({ exitCode: 127, notFound: true });
    expect(sudo).toMatchObject({ needsPrivilege: true, notFound: false });
    expect(sudo.stdout).toBe('');
    // A real sudo (npm test installs it): it would have asked for a password.
    expect(sudo.stderr).toMatch(/^sudo: a password is required$/m);
    const alone = await host.exec('id', ['-u'], { sudo: true });
    expect(alone).toMatchObject({ needsPrivilege: true, notFound: false });
    expect(alone.stdout).toBe('');
  });

  it('refuses the whole batch before sending anything when one op is outside the policy', async () => {
    const execs = await countExecs();
    try {
      await expect(
        host.batch([
          { kind: 'read', path: join(dir, 'plain') },
          { kind: 'exec', program: 'id', args: ['-un'], sudo: true },
        ]),
      ).rejects.toThrow(/under sudo/);
      await expect(
        host.batch([
          { kind: 'read', path: join(dir, 'plain') },
          { kind: 'exec', program: 'id', args: ['-g'] },
        ]),
      ).rejects.toThrow(/not on the allowlist/);
      await expect(host.batch([{ kind: 'read', path: '/etc/shadow' }])).rejects.toThrow(/not on the allowlist/);
      await expect(host.batch([{ kind: 'read', path: `${dir}/../../etc/shadow` }])).rejects.toThrow(/not on the allowlist/);
      await expect(host.batch([{ kind: 'exec', program: 'printf', args: ['%s', 'two\nlines'] }])).rejects.toThrow(/line break/);
      expect(execs.count()).toBe(0);
    } finally {
      execs.stop();
    }
  });
});

describe("the engine's host registry", () => {
  it('hands out the Host of each collected node, and forgets a removed one', async () => {
    const h1 = lab.host('h1');
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 1000, nvidiaSmiTimeoutMs: 5000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log: silentLogger,
      includeLocal: false,
      knownHostsFile: lab.knownHostsPath,
      userKnownHostsFiles: [],
    });
    try {
      expect(engine.hosts.ids()).toEqual([]);
      await engine.handlers['nodes:add']({
        node: { id: 'h1', host: h1.address, port: h1.port, user: h1.user, identityFiles: [h1.privateKeyPath], useAgent: false, proxyJump: [], labels: [] },
      });
      expect(engine.hosts.ids()).toEqual(['h1']);
      expect(engine.hosts.get('nope')).toBeUndefined();
      const node = engine.hosts.get('h1')!;
      expect(node.kind).toBe('ssh');
      // The engine's policy: what the collectors declared, and nothing more.
      expect(await node.read('/etc/os-release')).toMatchObject({ kind: 'ok' });
      await expect(node.read(join(dir, 'plain'))).rejects.toThrow(/not on the allowlist/);
      expect((await engine.collectOnce()).map((s) => s.id)).toEqual(['h1']);
      await engine.handlers['nodes:remove']({ nodeId: 'h1' });
      expect(engine.hosts.get('h1')).toBeUndefined();
      expect(engine.hosts.ids()).toEqual([]);
    } finally {
      engine.close();
    }
  });
});
