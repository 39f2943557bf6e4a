/**
 * Runs a probe's rounds against captured files: each op is answered from a table of real
 * captures (a read or stat by path, a command by its argv), as a host would, so the probes'
 * parsing is tested over real output without a node.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchOp, ExecResult, ReadResult, StatResult } from '../../../../electron/core/hosts/host';
import { planProbe, type ProbeRound } from '../../../../electron/core/compliance/probes/index';
import type { Probe } from '../../../../electron/core/compliance/types';
import type { ProbeProgram } from '../../../../electron/core/compliance/probes/program';

export const capture = (dir: 'linux-audit' | 'linux', name: string): string => readFileSync(join(__dirname, '../../../fixtures', dir, name), 'utf8');

export function exec(stdout: string, exitCode = 0, extra: Partial<ExecResult> = {}): ExecResult {
  return { exitCode, stdout, stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 1, ...extra };
}
export const notInstalled: ExecResult = exec('', 127, { exitCode: null, notFound: true });
export const sudoRefused: ExecResult = exec('', 1, { stderr: 'sudo: a password is required\n', needsPrivilege: true });
export const ok = (text: string): ReadResult => ({ kind: 'ok', text, truncated: false });
export const missing = { kind: 'missing' } as const;
export const denied = { kind: 'denied' } as const;

export type Answers = {
  read?: Record<string, ReadResult>;
  stat?: Record<string, StatResult>;
  /** argv joined by spaces, with `sudo ` in front when under sudo. */
  exec?: Record<string, ExecResult>;
};

export function answer(answers: Answers, op: BatchOp): unknown {
  if (op.kind === 'read') return answers.read?.[op.path] ?? missing;
  if (op.kind === 'stat') return answers.stat?.[op.path] ?? missing;
  const line = `${op.sudo ? 'sudo ' : ''}${[op.program, ...op.args].join(' ')}`;
  if (answers.exec?.[line]) return answers.exec[line];
  if (op.program === 'ls') return exec('', 2, { stderr: `ls: cannot access '${op.args.at(-1)}': No such file or directory\n` });
  return notInstalled;
}

/** The probe's fact, and every op it asked for. */
export function runProbe(probe: Probe, answers: Answers): { fact: unknown; ops: BatchOp[] } {
  const ops: BatchOp[] = [];
  let round: ProbeRound = planProbe(probe);
  for (let i = 0; i < 20; i += 1) {
    ops.push(...round.ops);
    const outcome = round.parse(round.ops.map((op) => answer(answers, op)));
    if (outcome.done) return { fact: outcome.fact, ops };
    round = outcome.next;
  }
  throw new Error('too many rounds');
}

/** A sub-program (e.g. readSshdConfigTree) run the same way. */
export function runProgram<T>(program: ProbeProgram<T>, answers: Answers): T {
  let step = program.next([]);
  while (!step.done) step = program.next(step.value.map((op) => answer(answers, op)));
  return step.value;
}
