// The batch script run by real shells on this machine (dash as sh, and bash), its output read back
// as the SSH host reads it: exact bytes, cuts, framing that hostile output cannot forge.
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_SCRIPT, batchArgv, batchResults } from '../../../electron/core/hosts/batch-script';
import type { BatchOp, ExecResult } from '../../../electron/core/hosts/host';
import { runLocal } from '../../../electron/core/hosts/local';

let dir: string;

/** Runs a batch through `shell` the way the SSH host does, without the SSH. */
async function runBatch(ops: BatchOp[], shell = 'sh', limits = ops.map((op) => (op.kind === 'read' ? (op.maxBytes ?? 4096) : 0))) {
  const [, ...args] = batchArgv(ops, limits);
  const run: ExecResult = await runLocal(shell, args);
  return { run, results: batchResults(ops, run) };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-batch-'));
  writeFileSync(join(dir, 'lines'), 'one\ntwo\n');
  writeFileSync(join(dir, 'bare'), 'no newline');
  writeFileSync(join(dir, 'empty'), '');
  writeFileSync(join(dir, 'blank-lines'), '\n\n\n');
  writeFileSync(join(dir, 'forged'), '@@clusterdeck:end:o0:ok@@\n@@clusterdeck:begin:e0@@\n@@clusterdeck:end:e0:0@@\n@@clusterdeck:done@@\n');
  writeFileSync(join(dir, 'mode-4750'), 'x');
  chmodSync(join(dir, 'mode-4750'), 0o4750);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('the batch script', () => {
  it('is one line without backslash or "!", so any login shell passes it on unchanged', () => {
    expect(BATCH_SCRIPT).not.toMatch(/[\\!\n\r]/);
  });

  for (const shell of ['sh', 'bash']) {
    it(`reads files byte for byte under ${shell}, with or without a last newline`, async () => {
      const names = ['lines', 'bare', 'empty', 'blank-lines', 'forged'];
      const { results } = await runBatch(
        names.map((n) => ({ kind: 'read', path: join(dir, n) })),
        shell,
      );
      expect(results).toEqual([
        { kind: 'ok', text: 'one\ntwo\n', truncated: false },
        { kind: 'ok', text: 'no newline', truncated: false },
        { kind: 'ok', text: '', truncated: false },
        { kind: 'ok', text: '\n\n\n', truncated: false },
        { kind: 'ok', text: '@@clusterdeck:end:o0:ok@@\n@@clusterdeck:begin:e0@@\n@@clusterdeck:end:e0:0@@\n@@clusterdeck:done@@\n', truncated: false },
      ]);
    });
  }

  it('cuts a read at maxBytes exactly, and says so only when the file is longer', async () => {
    const cases: Array<[string, number, string, boolean]> = [
      ['lines', 3, 'one', true],
      ['lines', 4, 'one\n', true],
      ['lines', 5, 'one\nt', true],
      ['lines', 7, 'one\ntwo', true],
      ['lines', 8, 'one\ntwo\n', false],
      ['bare', 10, 'no newline', false],
      ['bare', 9, 'no newlin', true],
      ['bare', 0, '', true],
      ['empty', 0, '', false],
      ['blank-lines', 2, '\n\n', true],
    ];
    const ops: BatchOp[] = cases.map(([name, maxBytes]) => ({ kind: 'read', path: join(dir, name), maxBytes }));
    const { results } = await runBatch(ops);
    expect(results).toEqual(cases.map(([, , text, truncated]) => ({ kind: 'ok', text, truncated })));
  });

  it('stats with type, mode bits, ids, names and size', async () => {
    const { results } = await runBatch([
      { kind: 'stat', path: join(dir, 'mode-4750') },
      { kind: 'stat', path: dir },
      { kind: 'stat', path: join(dir, 'nothing') },
      { kind: 'read', path: join(dir, 'nothing') },
      { kind: 'read', path: join(dir, 'lines', 'below-a-file') },
    ]);
    expect(results[0]).toMatchObject({ kind: 'ok', type: 'file', mode: 0o4750, uid: process.getuid!(), size: 1 });
    expect(results[1]).toMatchObject({ kind: 'ok', type: 'dir' });
    expect(results.slice(2)).toEqual([{ kind: 'missing' }, { kind: 'missing' }, { kind: 'missing' }]);
  });

  it('runs commands with their words as they are, keeping stdout, stderr and status apart', async () => {
    const hostile = `$(touch ${dir}/pwned) \`id\` '"; exit 0 \\ @@clusterdeck:done@@`;
    const { results } = await runBatch([
      { kind: 'exec', program: 'printf', args: ['%s', hostile] },
      { kind: 'exec', program: 'sh', args: ['-c', 'echo out; echo err >&2; exit 3'] },
      { kind: 'exec', program: 'clusterdeck-no-such-program', args: [] },
      { kind: 'exec', program: 'printf', args: ['%s\\n', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11'] },
    ]);
    expect(results[0]).toMatchObject({ exitCode: 0, stdout: hostile, stderr: '' });
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(results[1]).toMatchObject({ exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(results[2]).toMatchObject({ exitCode: 127, notFound: true });
    // Ten and more words: "${10}", not "$1" followed by 0.
    expect(results[3]).toMatchObject({ exitCode: 0, stdout: '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n' });
  });

  it('keeps a flood of stderr to its cap and still reports the status', async () => {
    const { results } = await runBatch([{ kind: 'exec', program: 'sh', args: ['-c', 'yes flood | head -c 1000000 >&2; exit 5'] }]);
    const [flood] = results as [ExecResult];
    expect(flood.exitCode).toBe(5);
    expect(flood.stderr.length).toBeLessThanOrEqual(4096);
    expect(flood.stderr.startsWith('flood\nflood\n')).toBe(true);
  });

  it('turns ops whose output did not come back into errors, not into wrong answers', async () => {
    const ops: BatchOp[] = [
      { kind: 'read', path: join(dir, 'lines') },
      { kind: 'stat', path: join(dir, 'lines') },
      { kind: 'exec', program: 'true', args: [] },
    ];
    const { run } = await runBatch(ops);
    const cut = { ...run, stdout: run.stdout.slice(0, run.stdout.indexOf('@@clusterdeck:begin:o1@@')), timedOut: true, exitCode: null };
    const results = batchResults(ops, cut);
    expect(results[0]).toEqual({ kind: 'ok', text: 'one\ntwo\n', truncated: false });
    expect(results[1]).toEqual({ kind: 'error', message: 'the batch timed out' });
    expect(results[2]).toMatchObject({ exitCode: null, timedOut: true });
  });
});
