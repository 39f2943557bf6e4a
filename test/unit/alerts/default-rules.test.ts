import { describe, expect, it } from 'vitest';
import { defaultRulesFile, userRulesDir } from '../../../electron/core/alerts/default-rules-path';
import { loadRules } from '../../../electron/core/alerts/rule-loader';
import { ruleInfo } from '../../../electron/core/alerts/rule-info';
import { DETECTOR_IDS } from '../../../electron/core/alerts/types';

const shipped = loadRules({ defaultFile: defaultRulesFile(), userDir: null });
const byId = new Map(shipped.rules.map((rule) => [rule.id, rule]));

describe('rules/default.yaml (the shipped rules)', () => {
  it('is found from the app root and loads with zero errors', () => {
    expect(defaultRulesFile()).toMatch(/rules[/\\]default\.yaml$/);
    expect(shipped.errors).toEqual([]);
    expect(shipped.rules.length).toBeGreaterThanOrEqual(19);
  });

  it('gives every rule a one-line rationale, a runbook and a message', () => {
    for (const rule of shipped.rules) {
      expect(rule.rationale, rule.id).toMatch(/^[^\n]{20,300}$/);
      expect(rule.runbook.length, rule.id).toBeGreaterThan(40);
      expect(rule.message, rule.id).toContain('{{node}}');
      expect(rule.source.line, rule.id).toBeGreaterThan(0);
    }
  });

  it('watches every detector with at least one rule', () => {
    const watched = new Set(shipped.rules.flatMap((rule) => (rule.watch.kind === 'detector' ? [rule.watch.detector] : [])));
    expect([...watched].sort()).toEqual([...DETECTOR_IDS].sort());
  });

  it('has the rules the issue asks for, with their severities and timings', () => {
    expect(byId.get('xid')).toMatchObject({ severity: 'from-signal', keepFiringForMs: 3600_000 });
    expect(byId.get('gpu-fallen-off-bus')).toMatchObject({ severity: 'critical' });
    expect(byId.get('gpu-row-remap-failure')).toMatchObject({ severity: 'critical' });
    for (const id of ['gpu-throttle-hw-slowdown', 'gpu-throttle-thermal', 'gpu-throttle-power-brake']) expect(byId.get(id)?.forMs, id).toBe(60_000);
    expect(byId.get('node-unreachable')?.forMs).toBe(30_000);
    // One filesystem alert that escalates (levels), not a warning rule and a critical rule.
    expect(ruleInfo(byId.get('filesystem-full')!)).toMatchObject({
      severity: 'critical',
      watches: 'metric fs.used_pct warning >= 90 (recovers < 87), critical >= 95 (recovers < 92) for 1m',
    });
    expect([...byId.keys()].filter((id) => id.startsWith('filesystem-full'))).toEqual(['filesystem-full']);
    expect(shipped.inhibit.filter((rule) => rule.source.rule?.value.startsWith('filesystem-full'))).toEqual([]);
    expect(ruleInfo(byId.get('gpu-temperature-high')!).watches).toBe('metric gpu.temperature_c > 85 (recovers <= 80) for 2m');
    expect(ruleInfo(byId.get('memory-pressure')!).watches).toBe('metric memory.available_pct < 5 (recovers >= 8) for 2m');
    expect(ruleInfo(byId.get('load-far-above-cores')!).watches).toBe('metric cpu.load_per_core > 4 (recovers <= 3) for 10m');
    expect(ruleInfo(byId.get('filesystem-inodes-exhausted')!).watches).toMatch(/^metric fs\.inodes_used_pct >= 95/);
    expect(ruleInfo(byId.get('xid')!)).toMatchObject({
      severity: 'warning',
      watches: 'detector xid, keeps firing 1h, severity from the signal (else warning)',
    });
    expect(ruleInfo(byId.get('gpu-throttle-thermal')!).watches).toBe('detector gpu-throttle{reason=~"(hw|sw)_thermal_slowdown"} for 1m');
  });

  it('splits throttling by reason with selectors that match the reasons nvidia-smi names', () => {
    const reasonOf = (id: string) => {
      const watch = byId.get(id)!.watch;
      return watch.kind === 'detector' ? watch.selectors.reason! : null;
    };
    const matches = (id: string, reason: string) => {
      const m = reasonOf(id)!;
      return m.regex ? m.regex.test(reason) : m.value === reason;
    };
    expect(matches('gpu-throttle-hw-slowdown', 'hw_slowdown')).toBe(true);
    expect(matches('gpu-throttle-thermal', 'hw_thermal_slowdown')).toBe(true);
    expect(matches('gpu-throttle-thermal', 'sw_thermal_slowdown')).toBe(true);
    expect(matches('gpu-throttle-thermal', 'sw_power_cap')).toBe(false);
    expect(matches('gpu-throttle-power-brake', 'hw_power_brake_slowdown')).toBe(true);
  });

  it('inhibits a node’s other alerts while it is unreachable, and a lost GPU’s own alerts', () => {
    const unreachable = shipped.inhibit.find((rule) => rule.source.rule?.value === 'node-unreachable')!;
    expect(unreachable.equal).toEqual(['node']);
    expect(unreachable.target.category!.regex!.test('gpu')).toBe(true);
    expect(unreachable.target.category!.regex!.test('host')).toBe(true);
    expect(unreachable.target.category!.regex!.test('connectivity')).toBe(false);
    const lost = shipped.inhibit.find((rule) => rule.source.rule?.value === 'gpu-fallen-off-bus' && rule.equal.includes('gpu'))!;
    expect(lost.equal).toEqual(['node', 'gpu']);
    expect(lost.target.category).toEqual({ value: 'gpu', regex: null });
    expect(byId.get('gpu-fallen-off-bus')!.labels.category).toBe('gpu-lost');
    for (const rule of shipped.rules) expect(['gpu', 'gpu-lost', 'host', 'connectivity'], rule.id).toContain(rule.labels.category);
  });

  it('puts the user folder beside config.yaml unless alerts.rulesDir says otherwise', () => {
    expect(userRulesDir(null, '/home/a/.config/clusterdeck')).toBe('/home/a/.config/clusterdeck/rules');
    expect(userRulesDir('/etc/clusterdeck/rules', '/home/a/.config/clusterdeck')).toBe('/etc/clusterdeck/rules');
    expect(userRulesDir('mine', '/home/a/.config/clusterdeck')).toBe('/home/a/.config/clusterdeck/mine');
  });
});
