/**
 * A check's verdict (pass / fail / error / not-applicable / manual and one line an auditor
 * reads) and how verdicts combine:
 *   all:  fail if any fails, else error if any errors, else pass
 *   any:  pass if any passes, else error if any errors, else fail
 *   none: fail if any passes, else error if any errors, else pass
 * A not-applicable child is left out of its branch; a branch of only such children is itself
 * not applicable.
 */
import type { CheckStatus } from './types';
import type { ProbeFact } from './probes/facts';

export interface Verdict {
  status: CheckStatus;
  detail: string;
}

const DETAIL_CHARS = 400;
export const pass = (detail: string): Verdict => ({ status: 'pass', detail });
export const fail = (detail: string): Verdict => ({ status: 'fail', detail });
export const error = (detail: string): Verdict => ({ status: 'error', detail });
export const notApplicable = (detail: string): Verdict => ({ status: 'not-applicable', detail });

function bounded(text: string): string {
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 1)}…` : text;
}

/** A fact that could not be read: an error saying why. */
export function unknown(fact: ProbeFact, what: string): Verdict {
  return error(`${what}: ${fact.problem ?? 'could not be read'}`);
}

/** all / any / none over verdicts, by the rules at the top of this file. */
export function combine(kind: 'all' | 'any' | 'none', verdicts: readonly Verdict[]): Verdict {
  const counted = verdicts.filter((v) => v.status !== 'not-applicable');
  if (counted.length === 0) return notApplicable(bounded(verdicts.map((v) => v.detail).join('; ') || 'nothing to check'));
  const by = (status: CheckStatus) => counted.filter((v) => v.status === status);
  const details = (list: Verdict[]) => bounded(list.map((v) => v.detail).join('; '));
  const passes = by('pass');
  const fails = by('fail');
  const errors = by('error');
  if (kind === 'all') {
    if (fails.length) return fail(details(fails));
    if (errors.length) return error(details(errors));
    return pass(details(passes));
  }
  if (kind === 'any') {
    if (passes.length) return pass(details(passes));
    if (errors.length) return error(details(errors));
    return fail(details(fails));
  }
  if (passes.length) return fail(`must not hold: ${details(passes)}`);
  if (errors.length) return error(details(errors));
  return pass(`none holds: ${details(fails)}`);
}
