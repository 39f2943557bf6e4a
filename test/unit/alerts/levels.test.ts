import { describe, expect, it } from 'vitest';
import { levelAt, metricLevels } from '../../../electron/core/alerts/levels';
import { ruleWatchesText } from '../../../electron/core/alerts/rule-info';
import { parseRuleFile } from '../../../electron/core/alerts/rule-loader';
import type { AlertRule, MetricLevel } from '../../../electron/core/alerts/types';
import { GPU_KEY, MIN, T0, harness, hot, metricRule, ruleSet, transitionsOf } from './engine-harness';

/** Warning above 85 °C (recovers at 80), critical above 95 °C (recovers at 90). */
const LEVELS: MetricLevel[] = [
  { severity: 'warning', op: '>', threshold: 85, recover: 80 },
  { severity: 'critical', op: '>', threshold: 95, recover: 90 },
];

function levelsRule(overrides: Partial<AlertRule> = {}): AlertRule {
  const base = metricRule({ threshold: 85, recover: 80, severity: 'critical', ...overrides });
  if (base.watch.kind !== 'metric') throw new Error('metric rule expected');
  return { ...base, watch: { ...base.watch, levels: LEVELS } };
}

const at = (minute: number) => T0 + minute * MIN;
const temp = (minute: number, c: number) => ({ snapshots: [hot('n1', at(minute), c)] });

describe('levelAt (severity from a value, with hysteresis per level)', () => {
  it('is the highest level whose condition holds', () => {
    expect([70, 86, 96].map((v) => levelAt(LEVELS, v, null))).toEqual([null, 'warning', 'critical']);
  });

  it('holds each level at or below the firing severity until the value passes that level’s recover', () => {
    // Firing critical: 92 is above the critical recover (90), 88 only above the warning recover (80).
    expect([92, 88, 79].map((v) => levelAt(LEVELS, v, 'critical'))).toEqual(['critical', 'warning', null]);
    // Firing warning: 92 is not enough for critical (the critical recover holds only a critical alert).
    expect([92, 82, 80].map((v) => levelAt(LEVELS, v, 'warning'))).toEqual(['warning', 'warning', null]);
  });

  it('gives a rule without levels one level, its own severity', () => {
    expect(metricLevels(metricRule({ threshold: 85, recover: 80 }))).toEqual([{ severity: 'warning', op: '>', threshold: 85, recover: 80 }]);
  });
});

describe('alert engine: one alert whose severity follows its levels', () => {
  it('escalates (notified once more, the title says so), de-escalates silently, and resolves once', () => {
    const h = harness(ruleSet([levelsRule()]));
    h.run(at(0), temp(0, 88));
    expect(h.delivered.map((n) => [n.kind, n.severity, n.title])).toEqual([['alert', 'warning', `GPU hot: n1 ${GPU_KEY}`]]);
    const id = h.delivered[0]!.alertId!;

    h.run(at(1), temp(1, 97));
    h.run(at(2), temp(2, 98));
    expect(h.delivered.slice(1).map((n) => [n.kind, n.severity, n.title, n.alertId])).toEqual([
      ['alert', 'critical', `Escalated to critical: GPU hot: n1 ${GPU_KEY}`, id],
    ]);
    expect(h.engine.get(id)!.alert).toMatchObject({ severity: 'critical', state: 'firing', notifiedAtMs: at(0) });

    // 92: above the critical recover, still critical; 88: warning again, not notified; 97: critical again, already told.
    h.run(at(3), temp(3, 92));
    expect(h.engine.get(id)!.alert.severity).toBe('critical');
    h.run(at(4), temp(4, 88));
    expect(h.engine.get(id)!.alert.severity).toBe('warning');
    h.run(at(5), temp(5, 97));
    expect(h.delivered).toHaveLength(2);

    h.run(at(6), temp(6, 40));
    expect(h.delivered.slice(2).map((n) => [n.kind, n.severity, n.alertId])).toEqual([['resolved', 'critical', id]]);
    expect(h.engine.list({ limit: 10 }).total).toBe(1);
    expect(transitionsOf(h, id)).toEqual(['firing', 'notified', 'escalated', 'notified', 'de-escalated', 'escalated', 'resolved']);
    expect(
      h.engine
        .get(id)!
        .transitions.filter((t) => t.to.endsWith('escalated'))
        .map((t) => t.note),
    ).toEqual(['warning to critical', 'critical to warning', 'warning to critical']);
  });

  it('applies `for` to the first firing only, at the severity reached by then', () => {
    const h = harness(ruleSet([levelsRule({ forMs: 2 * MIN })]));
    h.run(at(0), temp(0, 88));
    h.run(at(1), temp(1, 97));
    expect(h.delivered).toEqual([]);
    h.run(at(2), temp(2, 97));
    expect(h.delivered.map((n) => [n.kind, n.severity, n.title])).toEqual([['alert', 'critical', `GPU hot: n1 ${GPU_KEY}`]]);
    // Down to warning and up again: no new `for`, no new notification.
    h.run(at(3), temp(3, 86));
    h.run(at(4), temp(4, 97));
    expect(h.delivered).toHaveLength(1);
  });

  it('does not notify a de-escalation, and notifies a rise past what was notified after a restart', () => {
    const first = harness(ruleSet([levelsRule()]));
    first.run(at(0), temp(0, 97));
    first.run(at(1), temp(1, 86));
    expect(first.delivered.map((n) => [n.kind, n.severity])).toEqual([['alert', 'critical']]);
    const second = first.restart();
    // Read back from the file: notified at its current severity (warning), so critical is news.
    second.run(at(2), temp(2, 97));
    expect(second.delivered.map((n) => [n.kind, n.severity, n.title])).toEqual([['alert', 'critical', `Escalated to critical: GPU hot: n1 ${GPU_KEY}`]]);
  });

  it('notifies an escalation of an acknowledged alert (the ack was of the lower severity), once, and tells its resolution', () => {
    const h = harness(ruleSet([levelsRule()]));
    h.run(at(0), temp(0, 88));
    const id = h.delivered[0]!.alertId!;
    h.engine.ack(id, 'alice', 'cleaning up');
    h.run(at(1), temp(1, 92));
    expect(h.delivered).toHaveLength(1);
    h.run(at(2), temp(2, 97));
    expect(h.delivered.slice(1).map((n) => [n.kind, n.severity, n.alertId])).toEqual([['alert', 'critical', id]]);
    expect(h.engine.get(id)!.alert.ack?.by).toBe('alice');
    h.run(at(3), temp(3, 98));
    expect(h.delivered).toHaveLength(2);
    h.run(at(4), temp(4, 40));
    expect(h.delivered.slice(2).map((n) => [n.kind, n.alertId])).toEqual([['resolved', id]]);
  });

  it('does not notify an escalation of a snoozed alert', () => {
    const h = harness(ruleSet([levelsRule()]));
    h.run(at(0), temp(0, 88));
    const id = h.delivered[0]!.alertId!;
    h.engine.snooze(id, 60 * 60_000, 'alice');
    h.run(at(1), temp(1, 97));
    expect(h.delivered).toHaveLength(1);
  });
});

describe('rule files with levels', () => {
  const file = (body: string) => `rules:\n  - id: disk\n    name: Disk\n    watch: { metric: fs.used_pct }\n${body}    message: "{{node}} {{value}}"\n`;
  const parse = (body: string) => parseRuleFile('r.yaml', file(body));

  it('loads levels lowest first; the rule’s severity is the highest level’s', () => {
    const parsed = parse('    levels:\n      critical: { condition: ">= 95", recover: 92 }\n      warning: { condition: ">= 90", recover: 88 }\n');
    expect(parsed.errors).toEqual([]);
    const entry = parsed.entries[0]!;
    if (entry.kind !== 'rule') throw new Error('rule expected');
    expect(entry.rule.severity).toBe('critical');
    expect(entry.rule.watch).toMatchObject({
      op: '>=',
      threshold: 90,
      recover: 88,
      levels: [
        { severity: 'warning', op: '>=', threshold: 90, recover: 88 },
        { severity: 'critical', op: '>=', threshold: 95, recover: 92 },
      ],
    });
    expect(ruleWatchesText(entry.rule)).toBe('metric fs.used_pct warning >= 90 (recovers < 88), critical >= 95 (recovers < 92)');
  });

  it('refuses levels that cannot work, each error at its field', () => {
    const messages = (body: string) => parse(body).errors.map((e) => e.message);
    expect(messages('    levels: {}\n')).toEqual([expect.stringMatching(/levels: levels needs at least one of info, warning, critical/)]);
    expect(messages('    levels:\n      warning: { condition: ">= 90", recover: 93 }\n')).toEqual([
      'rule "disk": levels.warning.recover: with ">= 90" recover must be at most 90',
    ]);
    expect(messages('    levels:\n      warning: { condition: ">= 95" }\n      critical: { condition: ">= 90" }\n')).toEqual([
      'rule "disk": levels.critical.condition: the critical threshold must be above the warning threshold (95)',
    ]);
    expect(messages('    levels:\n      warning: { condition: ">= 90" }\n      critical: { condition: "< 5" }\n')).toEqual([
      'rule "disk": levels.critical.condition: with several levels every condition uses > or >=, like the warning level',
    ]);
    expect(messages('    levels:\n      warning: { condition: ">= 90" }\n    severity: critical\n')).toEqual([
      'rule "disk": severity: a rule with levels has no severity of its own: each level says its own',
    ]);
    expect(messages('    levels:\n      fatal: { condition: ">= 90" }\n')).toContain('rule "disk": levels: unknown field fatal');
    expect(messages('    condition: ">= 90"\n')).toEqual(['rule "disk": severity: is required (or levels: with a condition per severity)']);
    expect(
      parseRuleFile(
        'r.yaml',
        'rules:\n  - { id: x, name: X, watch: { detector: xid }, keep_firing_for: 1h, levels: { warning: { condition: "> 1" } }, message: m }\n',
      ).errors,
    ).toEqual([expect.objectContaining({ message: 'rule "x": levels: levels are for metric rules only' })]);
  });
});
