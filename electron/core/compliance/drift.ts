/**
 * What changed between two runs of one policy, per node and check: newly failing (was not a
 * failure, now fails), fixed (failed, now passes), any other change of status, and checks (or
 * nodes) present in only one of the runs.
 */
import type { CheckStatus } from './types';

export interface DriftEntry {
  nodeId: string;
  checkId: string;
  before: CheckStatus | null;
  after: CheckStatus | null;
  /** The later run's detail (or the earlier one's for a removed check). */
  detail: string;
}

export interface Drift {
  newlyFailing: DriftEntry[];
  fixed: DriftEntry[];
  /** Other status changes (e.g. pass -> error, error -> fail is newly failing). */
  changed: DriftEntry[];
  added: DriftEntry[];
  removed: DriftEntry[];
}

interface RunResults {
  policyId: string;
  results: readonly { nodeId: string; checkId: string; status: CheckStatus; detail: string }[];
}

export function computeDrift(before: RunResults, after: RunResults): Drift {
  if (before.policyId !== after.policyId) throw new Error(`drift compares runs of one policy, not ${before.policyId} and ${after.policyId}`);
  const key = (r: { nodeId: string; checkId: string }) => `${r.nodeId}\u0000${r.checkId}`;
  const earlier = new Map(before.results.map((r) => [key(r), r]));
  const later = new Set(after.results.map(key));
  const drift: Drift = { newlyFailing: [], fixed: [], changed: [], added: [], removed: [] };
  for (const now of after.results) {
    const then = earlier.get(key(now));
    const entry: DriftEntry = { nodeId: now.nodeId, checkId: now.checkId, before: then?.status ?? null, after: now.status, detail: now.detail };
    if (!then) drift.added.push(entry);
    else if (then.status === now.status) continue;
    else if (now.status === 'fail') drift.newlyFailing.push(entry);
    else if (then.status === 'fail' && now.status === 'pass') drift.fixed.push(entry);
    else drift.changed.push(entry);
  }
  for (const then of before.results) {
    if (!later.has(key(then))) drift.removed.push({ nodeId: then.nodeId, checkId: then.checkId, before: then.status, after: null, detail: then.detail });
  }
  return drift;
}
