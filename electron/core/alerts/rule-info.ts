/**
 * A loaded rule as the alerts page and `rules:list` show it: what it watches in one line, e.g.
 * `metric fs.used_pct >= 95 (recovers < 90) for 1m`, `detector xid, keeps firing 1h`, or for a
 * rule with levels `metric fs.used_pct warning >= 90 (recovers < 88), critical >= 95 (recovers < 92) for 1m`.
 */
import type { RuleInfo } from '../../../shared/model/alerts';
import type { AlertRule, CompareOp, LabelMatcher, MetricLevel } from './types';
import { formatDuration, FROM_SIGNAL_FALLBACK } from './rule-schema';

/** The comparison under which a firing alert resolves: the opposite of the condition's. */
const RECOVERS_WHEN: Readonly<Record<CompareOp, CompareOp>> = { '>': '<=', '>=': '<', '<': '>=', '<=': '>', '==': '!=', '!=': '==' };

function selectorsText(selectors: Readonly<Record<string, LabelMatcher>>): string {
  const parts = Object.entries(selectors).map(([name, m]) => (m.regex ? `${name}=~${JSON.stringify(m.value.slice(1))}` : `${name}=${JSON.stringify(m.value)}`));
  return parts.length ? `{${parts.join(', ')}}` : '';
}

function conditionText(level: Omit<MetricLevel, 'severity'>): string {
  const recovers = level.recover !== null && level.recover !== level.threshold ? ` (recovers ${RECOVERS_WHEN[level.op]} ${level.recover})` : '';
  return `${level.op} ${level.threshold}${recovers}`;
}

export function ruleWatchesText(rule: AlertRule): string {
  const watch = rule.watch;
  let text =
    watch.kind === 'metric'
      ? `metric ${watch.metric}${selectorsText(watch.selectors)} ` +
        (watch.levels?.length ? watch.levels.map((level) => `${level.severity} ${conditionText(level)}`).join(', ') : conditionText(watch))
      : `detector ${watch.detector}${selectorsText(watch.selectors)}`;
  if (rule.forMs > 0) text += ` for ${formatDuration(rule.forMs)}`;
  if (rule.keepFiringForMs > 0) text += `, keeps firing ${formatDuration(rule.keepFiringForMs)}`;
  if (rule.severity === 'from-signal') text += `, severity from the signal (else ${FROM_SIGNAL_FALLBACK})`;
  return text;
}

export function ruleSourceText(source: AlertRule['source']): string {
  return source.line === null ? source.file : `${source.file}:${source.line}`;
}

export function ruleInfo(rule: AlertRule): RuleInfo {
  return {
    id: rule.id,
    name: rule.name,
    severity: rule.severity === 'from-signal' ? FROM_SIGNAL_FALLBACK : rule.severity,
    watches: ruleWatchesText(rule),
    rationale: rule.rationale,
    runbook: rule.runbook,
    source: ruleSourceText(rule.source),
  };
}
