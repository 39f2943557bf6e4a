/** The open alerts as the status bar, fleet and GPU views show them: counts and the worst severity. */
import type { AlertSeverity, AlertSummary } from '../../../shared/model/alerts';
import { SEVERITY_RANK } from '../../../shared/model/alerts';
import type { StoredAlert } from './alert-store';

function worse(a: AlertSeverity | null, b: AlertSeverity): AlertSeverity {
  return a === null || SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

/** Firing alerts by severity, node and GPU; the worst of those nobody acknowledged, silenced, suppressed or snoozed. */
export function alertSummary(open: Iterable<StoredAlert>, now: number): AlertSummary {
  const summary: AlertSummary = { firing: { critical: 0, warning: 0, info: 0 }, pending: 0, worst: null, nodes: {}, gpus: {} };
  for (const alert of open) {
    if (alert.state === 'pending') {
      summary.pending += 1;
      continue;
    }
    summary.firing[alert.severity] += 1;
    const quiet = alert.ack !== null || alert.silencedBy !== null || alert.suppressedBy !== null || (alert.snoozedUntilMs ?? 0) > now;
    if (!quiet) summary.worst = worse(summary.worst, alert.severity);
    const node = summary.nodes[alert.nodeId];
    summary.nodes[alert.nodeId] = { worst: worse(node?.worst ?? null, alert.severity), count: (node?.count ?? 0) + 1 };
    if (alert.gpu !== null) {
      const gpu = summary.gpus[alert.gpu];
      const title = !gpu || SEVERITY_RANK[alert.severity] > SEVERITY_RANK[gpu.worst] ? alert.title : gpu.title;
      summary.gpus[alert.gpu] = { worst: worse(gpu?.worst ?? null, alert.severity), count: (gpu?.count ?? 0) + 1, title };
    }
  }
  return summary;
}
