/**
 * Inhibition as in Alertmanager: a firing alert matching an inhibit rule's `source` suppresses the
 * open alerts matching its `target` whose `equal` labels have the same values (an unreachable node
 * suppresses that node's GPU and host alerts). A suppressed alert is still tracked and shown, with
 * the reason; it is not notified.
 */
import type { AlertState } from '../../../shared/model/alerts';
import { matchesAll, type MatchLabels } from './matchers';
import type { InhibitRule } from './types';

export interface InhibitCandidate {
  /** The alert's fingerprint (a new alert has no id yet). */
  key: string;
  ruleId: string;
  nodeId: string;
  state: AlertState;
  labels: MatchLabels;
}

function equalKey(labels: MatchLabels, equal: readonly string[]): string {
  return equal.map((name) => labels[name] ?? '').join('\u0000');
}

/** Fingerprint -> "suppressed by RULE on NODE", for every open alert some firing alert inhibits. */
export function inhibitions(alerts: readonly InhibitCandidate[], rules: readonly InhibitRule[]): Map<string, string> {
  const suppressed = new Map<string, string>();
  for (const rule of rules) {
    const sources = new Map<string, InhibitCandidate>();
    for (const alert of alerts) {
      if (alert.state !== 'firing' || !matchesAll(rule.source, alert.labels)) continue;
      const key = equalKey(alert.labels, rule.equal);
      if (!sources.has(key)) sources.set(key, alert);
    }
    if (sources.size === 0) continue;
    for (const alert of alerts) {
      if (alert.state === 'resolved' || suppressed.has(alert.key) || !matchesAll(rule.target, alert.labels)) continue;
      const source = sources.get(equalKey(alert.labels, rule.equal));
      if (source && source.key !== alert.key) suppressed.set(alert.key, `suppressed by ${source.ruleId} on ${source.nodeId}`);
    }
  }
  return suppressed;
}
