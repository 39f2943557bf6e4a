/**
 * How a probe reads a node: a generator that yields the host operations of one round and gets
 * their results back, so a probe needing a second look (files an Include names, a folder's
 * listing, a read retried with sudo) stays one straight function. The runner steps every probe
 * of a node together: one Host.batch per round, a few rounds in all.
 */
import type { BatchOp, ExecResult, ReadResult, StatResult } from '../../hosts/host';

/** Yields the ops of a round, receives their results (same order), returns the fact. */
export type ProbeProgram<T> = Generator<readonly BatchOp[], T, readonly unknown[]>;

/** No probe takes more rounds than this (nested sshd Includes are the deepest). */
export const MAX_PROBE_ROUNDS = 10;

/** Runs several programs side by side: each round holds all their ops; the results are split back. */
export function* parallel<T>(programs: readonly ProbeProgram<T>[]): ProbeProgram<T[]> {
  const results: T[] = new Array<T>(programs.length);
  let pending: { index: number; ops: readonly BatchOp[] }[] = [];
  programs.forEach((program, index) => {
    const step = program.next([]);
    if (step.done) results[index] = step.value;
    else pending.push({ index, ops: step.value });
  });
  while (pending.length > 0) {
    const all = yield pending.flatMap((p) => p.ops);
    const next: typeof pending = [];
    let offset = 0;
    for (const p of pending) {
      const mine = all.slice(offset, offset + p.ops.length);
      offset += p.ops.length;
      const step = programs[p.index]!.next(mine);
      if (step.done) results[p.index] = step.value;
      else next.push({ index: p.index, ops: step.value });
    }
    pending = next;
  }
  return results;
}

/** A program of one round: these ops, then `parse` of their results. */
export function* oneRound<T>(ops: readonly BatchOp[], parse: (results: readonly unknown[]) => T): ProbeProgram<T> {
  const results = yield ops;
  return parse(results);
}

// ---- results, read defensively (they come from a node) ----------------------------------------

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export function asRead(result: unknown): ReadResult {
  if (isObject(result) && result.kind === 'ok' && typeof result.text === 'string')
    return { kind: 'ok', text: result.text, truncated: result.truncated === true };
  if (isObject(result) && (result.kind === 'missing' || result.kind === 'denied')) return { kind: result.kind };
  return { kind: 'error', message: isObject(result) && typeof result.message === 'string' ? result.message : 'no result' };
}

export function asStat(result: unknown): StatResult {
  if (isObject(result) && result.kind === 'ok' && typeof result.mode === 'number') return result as StatResult;
  if (isObject(result) && (result.kind === 'missing' || result.kind === 'denied')) return { kind: result.kind };
  return { kind: 'error', message: isObject(result) && typeof result.message === 'string' ? result.message : 'no result' };
}

export function asExec(result: unknown): ExecResult {
  const r = isObject(result) ? result : {};
  return {
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    notFound: r.notFound === true,
    timedOut: r.timedOut === true,
    truncated: r.truncated === true,
    durationMs: typeof r.durationMs === 'number' ? r.durationMs : 0,
    needsPrivilege: r.needsPrivilege === true,
  };
}

export const NEEDS_PRIVILEGE = 'needs privilege';

/**
 * Why a command's output cannot be used, or null when it ran (whatever its exit code): sudo's
 * refusal is "needs privilege", never a verdict.
 */
/** The program is not on the node: the shell's 127, or sudo's own "command not found" (exit 1). */
export function notInstalled(result: ExecResult): boolean {
  return result.notFound || (result.exitCode === 1 && /^sudo: .{1,300}: command not found$/m.test(result.stderr));
}

export function execProblem(result: ExecResult, program: string): string | null {
  if (result.needsPrivilege) return NEEDS_PRIVILEGE;
  if (notInstalled(result)) return `${program} is not installed`;
  if (result.timedOut) return `${program} timed out`;
  if (result.exitCode === null) return `${program} did not run`;
  return null;
}

export function readProblem(result: ReadResult, path: string): string | null {
  if (result.kind === 'ok') return null;
  if (result.kind === 'missing') return `${path} does not exist`;
  if (result.kind === 'denied') return NEEDS_PRIVILEGE;
  return `${path}: ${result.message.slice(0, 200)}`;
}
