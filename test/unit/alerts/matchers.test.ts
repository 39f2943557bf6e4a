import { describe, expect, it } from 'vitest';
import { inhibitions } from '../../../electron/core/alerts/inhibition';
import { alertMatchLabels, compileSilenceMatchers, matchesAll, silenceMatches } from '../../../electron/core/alerts/matchers';
import { FLAP_CHANGES, FLAP_STABLE_MS, FLAP_WINDOW_MS, isFlapping, recordChange } from '../../../electron/core/alerts/flapping';

const labels = alertMatchLabels({
  labels: { category: 'gpu', xid: '79' },
  ruleId: 'xid',
  nodeId: 'gpu-07',
  gpu: 'GPU-1',
  severity: 'critical',
  subject: 'GPU-1',
});

describe('label matchers', () => {
  it('matches a regular expression against the whole value, and a missing label as empty', () => {
    expect(matchesAll({ node: { value: 'gpu-0', regex: /gpu-0/ } }, labels)).toBe(false);
    expect(matchesAll({ node: { value: 'gpu-0.', regex: /gpu-0./ } }, labels)).toBe(true);
    expect(matchesAll({ rule: { value: 'xid', regex: null }, severity: { value: 'critical', regex: null } }, labels)).toBe(true);
    expect(matchesAll({ team: { value: '', regex: null } }, labels)).toBe(true);
    expect(matchesAll({ team: { value: 'infra', regex: null } }, labels)).toBe(false);
  });

  it('applies every matcher of a silence, even two on one label', () => {
    const both = compileSilenceMatchers([
      { label: 'node', value: 'gpu-.*', regex: true },
      { label: 'node', value: 'gpu-07', regex: false },
    ]);
    expect(silenceMatches(both, labels)).toBe(true);
    expect(silenceMatches(both, { ...labels, node: 'gpu-08' })).toBe(false);
  });
});

describe('inhibition', () => {
  const rule = {
    source: { rule: { value: 'off-bus', regex: null } },
    target: { category: { value: 'gpu', regex: null } },
    equal: ['node', 'gpu'],
    source_file: { file: 'r.yaml', line: 1 },
  };
  const alert = (key: string, ruleId: string, gpu: string, state: 'pending' | 'firing' = 'firing') => ({
    key,
    ruleId,
    nodeId: 'gpu-07',
    state,
    labels: alertMatchLabels({ labels: { category: 'gpu' }, ruleId, nodeId: 'gpu-07', gpu, severity: 'warning', subject: gpu }),
  });

  it('suppresses targets whose equal labels match a firing source, never the source itself, nor while the source is pending', () => {
    const alerts = [alert('a', 'off-bus', 'GPU-1'), alert('b', 'gpu-hot', 'GPU-1'), alert('c', 'gpu-hot', 'GPU-2')];
    expect(inhibitions(alerts, [rule])).toEqual(new Map([['b', 'suppressed by off-bus on gpu-07']]));
    expect(inhibitions([alert('a', 'off-bus', 'GPU-1', 'pending'), alert('b', 'gpu-hot', 'GPU-1')], [rule]).size).toBe(0);
  });
});

describe('flapping', () => {
  it('starts at FLAP_CHANGES changes within the window and ends after a stable spell', () => {
    let history: number[] = [];
    for (let i = 0; i < FLAP_CHANGES - 1; i += 1) history = recordChange(history, i * 1000);
    expect(isFlapping(history, 3000, false)).toBe(false);
    history = recordChange(history, 4000);
    expect(isFlapping(history, 4000, false)).toBe(true);
    expect(isFlapping(history, 4000 + FLAP_WINDOW_MS, true)).toBe(true);
    expect(isFlapping(history, 4000 + FLAP_STABLE_MS, true)).toBe(false);
  });
});
