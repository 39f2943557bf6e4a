import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COLLECTOR_POLICY } from '../../../electron/core/collectors/command-specs';
import { absolutePath, ExecPolicy, pathUnder, pattern } from '../../../electron/core/hosts/exec-policy';
import { privilegedResult, type ExecResult } from '../../../electron/core/hosts/host';
import { LocalHost, runLocal } from '../../../electron/core/hosts/local';

describe('LocalHost and the policy', () => {
  it('refuses a command or file outside the policy before starting anything', async () => {
    const host = new LocalHost(COLLECTOR_POLICY, 'test');
    await expect(host.exec('rm', ['-rf', '/'])).rejects.toThrow(/not on the allowlist/);
    await expect(host.readFile('/etc/shadow')).rejects.toThrow(/not on the allowlist/);
    await expect(host.read('/etc/shadow')).rejects.toThrow(/not on the allowlist/);
    await expect(host.stat('/etc/shadow')).rejects.toThrow(/not on the allowlist/);
    await expect(
      host.batch([
        { kind: 'read', path: '/proc/stat' },
        { kind: 'exec', program: 'rm', args: ['-rf', '/'] },
      ]),
    ).rejects.toThrow(/not on the allowlist/);
    await expect(new LocalHost(ExecPolicy.none, 'test').exec('nvidia-smi', ['-q', '-x'])).rejects.toThrow(/not on the allowlist/);
  });

  it('reads procfs files, whose size reads as 0', async () => {
    expect(await new LocalHost(COLLECTOR_POLICY, 'test').readFile('/proc/loadavg')).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+\/\d+ \d+\n$/);
    expect(await new LocalHost(COLLECTOR_POLICY, 'test').read('/proc/loadavg')).toMatchObject({
      kind: 'ok',
      truncated: false,
      text: expect.stringMatching(/^\d+\.\d+ /),
    });
  });
});

describe('LocalHost read and stat', () => {
  let dir: string;
  let host: LocalHost;
  const isRoot = process.getuid?.() === 0;

  /**
   * Runs `fn` as an unprivileged user: as root, the effective ids of this (forked) test process
   * switch to nobody and back, so that permissions count; otherwise the test already runs as one.
   */
  async function unprivileged<T>(fn: () => Promise<T>): Promise<T> {
    if (!isRoot) return fn();
    process.setegid!(65534);
    process.seteuid!(65534);
    try {
      return await fn();
    } finally {
      process.seteuid!(0);
      process.setegid!(0);
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cd-localhost-'));
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'plain'), 'line one\nline two\n');
    writeFileSync(join(dir, 'no-newline'), 'ümlaut, no newline');
    writeFileSync(join(dir, 'secret'), 'only the owner\n', { mode: 0o600 });
    chmodSync(join(dir, 'secret'), isRoot ? 0o600 : 0o000);
    mkdirSync(join(dir, 'closed'));
    writeFileSync(join(dir, 'closed', 'inside'), 'x');
    chmodSync(join(dir, 'closed'), isRoot ? 0o700 : 0o000);
    symlinkSync('plain', join(dir, 'link'));
    host = new LocalHost(ExecPolicy.of({ commands: [], paths: [{ id: 't.dir', path: pathUnder([dir]), description: 'test files' }] }), 'test');
  });

  afterAll(() => {
    chmodSync(join(dir, 'closed'), 0o700);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads a file whole, or its first maxBytes and says it was cut', async () => {
    expect(await host.read(join(dir, 'plain'))).toEqual({ kind: 'ok', text: 'line one\nline two\n', truncated: false });
    expect(await host.read(join(dir, 'no-newline'))).toEqual({ kind: 'ok', text: 'ümlaut, no newline', truncated: false });
    expect(await host.read(join(dir, 'plain'), { maxBytes: 8 })).toEqual({ kind: 'ok', text: 'line one', truncated: true });
    expect(await host.read(join(dir, 'plain'), { maxBytes: 18 })).toEqual({ kind: 'ok', text: 'line one\nline two\n', truncated: false });
    await expect(host.read(join(dir, 'plain'), { maxBytes: -1 })).rejects.toThrow(RangeError);
  });

  it('tells a missing file from one the user may not read', async () => {
    expect(await host.read(join(dir, 'nothing-here'))).toEqual({ kind: 'missing' });
    expect(await host.read(join(dir, 'plain', 'below-a-file'))).toEqual({ kind: 'missing' });
    expect(await host.stat(join(dir, 'nothing-here'))).toEqual({ kind: 'missing' });
    expect(await unprivileged(() => host.read(join(dir, 'secret')))).toEqual({ kind: 'denied' });
    expect(await unprivileged(() => host.read(join(dir, 'closed', 'inside')))).toEqual({ kind: 'denied' });
    expect(await unprivileged(() => host.stat(join(dir, 'closed', 'inside')))).toEqual({ kind: 'denied' });
    expect(await host.read(join(dir, 'closed'))).toMatchObject({ kind: 'error', message: expect.stringMatching(/EISDIR/) });
  });

  it('stats files, folders and links with mode, owner and size', async () => {
    const uid = process.getuid!();
    expect(await host.stat(join(dir, 'plain'))).toMatchObject({ kind: 'ok', type: 'file', mode: 0o644 & ~process.umask(), uid, size: 18 });
    expect(await host.stat(join(dir, 'secret'))).toMatchObject({ kind: 'ok', type: 'file', mode: isRoot ? 0o600 : 0, uid });
    expect(await host.stat(join(dir, 'closed'))).toMatchObject({ kind: 'ok', type: 'dir', mode: isRoot ? 0o700 : 0 });
    expect(await host.stat(join(dir, 'link'))).toMatchObject({ kind: 'ok', type: 'link' });
    const root = await new LocalHost(ExecPolicy.of({ commands: [], paths: [{ id: 't.root', path: absolutePath(), description: '' }] }), 'test').stat(
      '/etc/passwd',
    );
    expect(root).toMatchObject({ kind: 'ok', type: 'file', uid: 0, gid: 0, owner: 'root', group: 'root' });
  });

  it('does a batch as its ops in order', async () => {
    const both = new LocalHost(
      ExecPolicy.of({
        commands: [{ id: 't.printf', program: 'printf', args: ['%s', pattern('text', /[^]*/, 100)], description: '' }],
        paths: [{ id: 't.dir', path: pathUnder([dir]), description: '' }],
      }),
      'test',
    );
    const [read, stat, exec] = await both.batch([
      { kind: 'read', path: join(dir, 'plain'), maxBytes: 4 },
      { kind: 'stat', path: join(dir, 'nothing-here') },
      { kind: 'exec', program: 'printf', args: ['%s', '$(id)'] },
    ]);
    expect(read).toEqual({ kind: 'ok', text: 'line', truncated: true });
    expect(stat).toEqual({ kind: 'missing' });
    expect(exec).toMatchObject({ exitCode: 0, stdout: '$(id)' });
  });
});

describe('sudo results', () => {
  const base: ExecResult = { exitCode: 1, stdout: '', stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 1 };

  it('reads sudo refusing, sudo missing and the program missing apart from the program failing', () => {
    expect(privilegedResult({ ...base, stderr: 'sudo: a password is required\n' }).needsPrivilege).toBe(true);
    expect(
      privilegedResult({
        ...base,
        stderr: 'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n',
      }).needsPrivilege,
    ).toBe(true);
    expect(
      privilegedResult({ ...base, stderr: "Sorry, user cdtest is not allowed to execute '/usr/bin/id' as root on h1.\nsudo: cdtest is not allowed to execute" })
        .needsPrivilege,
    ).toBe(true);
    expect(privilegedResult({ ...base, exitCode: 127, notFound: true, stderr: 'sh: 1: sudo: not found\n' })).toMatchObject({
      needsPrivilege: true,
      notFound: false,
    });
    expect(privilegedResult({ ...base, stderr: 'sudo: frobnicate: command not found\n' })).toMatchObject({ notFound: true });
    expect(privilegedResult({ ...base, stderr: 'id: invalid option\n' }).needsPrivilege).toBeUndefined();
    expect(privilegedResult({ ...base, exitCode: 0, stdout: '0\n' }).needsPrivilege).toBeUndefined();
  });
});

describe('runLocal', () => {
  it('hands arguments to the program as they are, never to a shell', async () => {
    const hostile = `$(touch /tmp/cd-pwned); echo 'x' "; rm -rf /`;
    const result = await runLocal('printf', ['%s', hostile]);
    expect(result).toMatchObject({ exitCode: 0, stdout: hostile, notFound: false, timedOut: false });
  });

  it('reports a missing program as notFound', async () => {
    const result = await runLocal('clusterdeck-no-such-program', []);
    expect(result).toMatchObject({ exitCode: null, notFound: true, timedOut: false });
  });

  it('gives up on a hung program at the timeout and kills it', async () => {
    const started = performance.now();
    const result = await runLocal('sleep', ['30'], { timeoutMs: 200 });
    expect(result).toMatchObject({ exitCode: null, timedOut: true });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('caps a flood of output and says it was cut', async () => {
    const result = await runLocal('yes', ['flood'], { maxOutputBytes: 64 * 1024, timeoutMs: 5000 });
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(64 * 1024);
    expect(result.timedOut).toBe(false);
  });

  it('keeps exit status and stderr of a failing program', async () => {
    const result = await runLocal('ls', ['/clusterdeck-does-not-exist']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/No such file/);
  });
});
