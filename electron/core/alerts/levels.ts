/**
 * Severity levels of a metric rule. A rule written with `levels:` (warning at 90 %, critical at
 * 95 %) is one alert per fingerprint whose severity follows the value; a rule with one condition
 * is a rule with one level.
 */
import { SEVERITY_RANK, type AlertSeverity } from '../../../shared/model/alerts';
import type { AlertRule, CompareOp, MetricLevel } from './types';

export function compare(op: CompareOp, value: number, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

/** A metric rule's levels, lowest severity first (one level for a rule without `levels:`). */
export function metricLevels(rule: AlertRule): readonly MetricLevel[] {
  const watch = rule.watch;
  if (watch.kind !== 'metric') return [];
  if (watch.levels && watch.levels.length > 0) return watch.levels;
  const severity = rule.severity === 'from-signal' ? 'warning' : rule.severity;
  return [{ severity, op: watch.op, threshold: watch.threshold, recover: watch.recover }];
}

/**
 * The severity `value` is at: the highest level whose condition holds. `firing` is the severity
 * of the firing alert, if any: each level at or below it also holds until the value passes that
 * level's recover (a critical disk stays critical until it drops below the critical recover, then
 * stays warning until it drops below the warning recover). null: no level holds.
 */
export function levelAt(levels: readonly MetricLevel[], value: number, firing: AlertSeverity | null): AlertSeverity | null {
  let best: AlertSeverity | null = null;
  for (const level of levels) {
    const held = firing !== null && level.recover !== null && SEVERITY_RANK[level.severity] <= SEVERITY_RANK[firing] && compare(level.op, value, level.recover);
    if (!compare(level.op, value, level.threshold) && !held) continue;
    if (best === null || SEVERITY_RANK[level.severity] > SEVERITY_RANK[best]) best = level.severity;
  }
  return best;
}

/**
 * Whether any level could hold for `value`, whatever is firing: its threshold holds, or its
 * recover does. false means levelAt is null for every `firing`, so the caller need not look up
 * what is firing (the common case: most values of most metrics are far from every threshold).
 */
export function mayHold(levels: readonly MetricLevel[], value: number): boolean {
  for (const level of levels) {
    if (compare(level.op, value, level.threshold)) return true;
    if (level.recover !== null && compare(level.op, value, level.recover)) return true;
  }
  return false;
}
