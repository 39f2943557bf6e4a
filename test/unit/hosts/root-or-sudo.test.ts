// Privileged commands as the SSH host sends them (the batch's `p` op and the single-command
// wrapper), run by the real sh on this machine: as root (these tests run as root) the program runs
// without sudo; as another user (setpriv to nobody) under `sudo -n`, which refuses, or, with no
// sudo on PATH, the wrapper says so. Either way the words stay words.
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SCRIPT, batchArgv, batchResults } from '../../../electron/core/hosts/batch-script';
import type { BatchOp, ExecResult } from '../../../electron/core/hosts/host';
import { runLocal } from '../../../electron/core/hosts/local';
import { PRIVILEGED_FUNCTION, privilegedArgv, privilegedRemoteResult } from '../../../electron/core/hosts/root-or-sudo';

const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups', '--'];
let noSudoBin: string;

/** Runs argv (sh -c SCRIPT ...) as root, or as nobody with this PATH. */
function run(argv: readonly string[], as: { nobody?: boolean; path?: string } = {}): Promise<ExecResult> {
  const [, ...args] = argv;
  const sh = ['/usr/bin/env', ...(as.path ? [`PATH=${as.path}`] : []), '/bin/sh', ...args];
  return as.nobody ? runLocal('setpriv', [...NOBODY, ...sh]) : runLocal(sh[0]!, sh.slice(1));
}

async function batch(ops: BatchOp[], as: { nobody?: boolean } = {}) {
  const result = await run(batchArgv(ops, []), as);
  return batchResults(ops, result).map((r) => privilegedRemoteResult(r as ExecResult));
}

beforeAll(() => {
  // A PATH with `id` and nothing else: no sudo.
  noSudoBin = mkdtempSync(join(tmpdir(), 'cd-no-sudo-'));
  symlinkSync('/usr/bin/id', join(noSudoBin, 'id'));
});

afterAll(() => {
  rmSync(noSudoBin, { recursive: true, force: true });
});

describe('privileged commands on a node', () => {
  it('are constant text: one line without backslash or "!", no word of a command in it', () => {
    expect(PRIVILEGED_FUNCTION).not.toMatch(/[\\!\n\r]/);
    const argv = privilegedArgv('id', ['-u', '$(touch /tmp/cd-pwned)']);
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).toBe(privilegedArgv('cat', ['/etc/shadow'])[2]);
    expect(argv[2]).not.toMatch(/touch/);
    expect(argv.slice(-3)).toEqual(['id', '-u', '$(touch /tmp/cd-pwned)']);
    expect(batchArgv([{ kind: 'exec', program: 'id', args: ['-u'], sudo: true }], [0]).slice(4)).toEqual(['p', '2', 'id', '-u']);
    expect(BATCH_SCRIPT).toContain(PRIVILEGED_FUNCTION);
  });

  it('run as root without sudo, even where the PATH has no sudo (single command)', async () => {
    const alone = privilegedRemoteResult(await run(privilegedArgv('id', ['-u']), { path: noSudoBin }));
    expect(alone).toMatchObject({ exitCode: 0, stdout: '0\n', notFound: false });
    expect(alone.needsPrivilege).toBeFalsy();
  });

  it('run as root without sudo in a batch; a missing program is notFound, not needsPrivilege; words stay words', async () => {
    const [id, missing, printed] = await batch([
      { kind: 'exec', program: 'id', args: ['-u'], sudo: true },
      { kind: 'exec', program: 'clusterdeck-no-such-program', args: [], sudo: true },
      { kind: 'exec', program: 'printf', args: ['%s', '$(echo pwned) `id` "; exit 3'], sudo: true },
    ]);
    expect(id).toMatchObject({ exitCode: 0, stdout: '0\n' });
    expect(id!.needsPrivilege).toBeFalsy();
    expect(missing).toMatchObject({ exitCode: 127, notFound: true });
    expect(missing!.needsPrivilege).toBeFalsy();
    expect(printed).toMatchObject({ exitCode: 0, stdout: '$(echo pwned) `id` "; exit 3' });
  });

  it('go through sudo -n for another user: refused is needsPrivilege (batch and single command)', async () => {
    const [refused] = await batch([{ kind: 'exec', program: 'id', args: ['-u'], sudo: true }], { nobody: true });
    expect(refused).toMatchObject({ needsPrivilege: true, notFound: false, stdout: '' });
    expect(refused!.stderr).toMatch(/^sudo: a password is required$/m);
    const alone = privilegedRemoteResult(await run(privilegedArgv('id', ['-u']), { nobody: true }));
    expect(alone).toMatchObject({ needsPrivilege: true, notFound: false, stdout: '' });
  });

  it('say "sudo is not installed" (needsPrivilege) for another user where the PATH has no sudo', async () => {
    const alone = privilegedRemoteResult(await run(privilegedArgv('id', ['-u']), { nobody: true, path: noSudoBin }));
    expect(alone).toMatchObject({ exitCode: 127, needsPrivilege: true, notFound: false, stdout: '', stderr: 'sudo is not installed' });
  });
});
