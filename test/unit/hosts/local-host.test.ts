import { describe, expect, it } from 'vitest';
import { assertAllowedCommand, assertReadablePath } from '../../../electron/core/hosts/allowlist';
import { LocalHost, runLocal } from '../../../electron/core/hosts/local';

describe('Host allowlist', () => {
  it('allows only the exact argument lists of allowlisted programs', () => {
    expect(() => assertAllowedCommand('nvidia-smi', ['-q', '-x'])).not.toThrow();
    expect(() => assertAllowedCommand('nvidia-smi', ['-q', '-x', '-f', '/etc/passwd'])).toThrow(/not on the allowlist/);
    expect(() => assertAllowedCommand('nvidia-smi', ['-r'])).toThrow(/not on the allowlist/);
    expect(() => assertAllowedCommand('sh', ['-c', 'id'])).toThrow(/not on the allowlist/);
    expect(() => assertAllowedCommand('__proto__', [])).toThrow(/not on the allowlist/);
  });

  it('reads only the listed system files', () => {
    expect(() => assertReadablePath('/proc/stat')).not.toThrow();
    expect(() => assertReadablePath('/proc/../etc/shadow')).toThrow(/not on the allowlist/);
    expect(() => assertReadablePath('/etc/shadow')).toThrow(/not on the allowlist/);
  });

  it('LocalHost refuses a command outside the list before starting anything', async () => {
    const host = new LocalHost('test');
    await expect(host.exec('rm' as never, ['-rf', '/'])).rejects.toThrow(/not on the allowlist/);
    await expect(host.readFile('/etc/shadow')).rejects.toThrow(/not on the allowlist/);
  });

  it('LocalHost reads procfs files, whose size reads as 0', async () => {
    expect(await new LocalHost('test').readFile('/proc/loadavg')).toMatch(/^\d+\.\d+ \d+\.\d+ \d+\.\d+ \d+\/\d+ \d+\n$/);
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
