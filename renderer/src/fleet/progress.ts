/** The top bar's fleet summary: how many nodes connect, are up, or fail. */
import type { NodeState, NodeStatus } from '../../../shared/model/inventory';
import { statusWord, type StatusTone } from './status';

export interface FleetCounts {
  total: number;
  byStatus: Record<NodeStatus, number>;
}

export function countStatuses(states: readonly Pick<NodeState, 'status'>[]): FleetCounts {
  const byStatus: Record<NodeStatus, number> = {
    up: 0,
    degraded: 0,
    connecting: 0,
    unreachable: 0,
    'auth-failed': 0,
    'host-key-unknown': 0,
    'host-key-mismatch': 0,
  };
  for (const state of states) byStatus[state.status] += 1;
  return { total: states.length, byStatus };
}

/**
 * The status bar line: "connecting 37 of 500 · 460 up · 3 unreachable", or "500 nodes · 500 up"
 * once settled; "· 2 not current" when `stale` nodes' values are older than two intervals.
 */
export function progressText(counts: FleetCounts, stale = 0): string {
  const { total, byStatus } = counts;
  if (total === 0) return 'no nodes';
  const head = byStatus.connecting > 0 ? `connecting ${byStatus.connecting} of ${total}` : `${total} node${total === 1 ? '' : 's'}`;
  const parts = [head];
  const order: NodeStatus[] = ['up', 'degraded', 'unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch'];
  for (const status of order) {
    const n = byStatus[status];
    if (n > 0 || status === 'up') parts.push(`${n} ${statusWord(status)}`);
  }
  if (stale > 0) parts.push(`${stale} not current`);
  return parts.join(' · ');
}

/** The worst tone among the counts, for the summary's dot; never green while some values are stale. */
export function progressTone(counts: FleetCounts, stale = 0): StatusTone {
  const { byStatus } = counts;
  if (stale > 0 && byStatus.unreachable + byStatus['auth-failed'] + byStatus['host-key-mismatch'] === 0) return 'warn';
  if (byStatus.unreachable + byStatus['auth-failed'] + byStatus['host-key-mismatch'] > 0) return 'error';
  if (byStatus.degraded + byStatus['host-key-unknown'] > 0) return 'warn';
  if (byStatus.connecting > 0) return 'neutral';
  return 'ok';
}
