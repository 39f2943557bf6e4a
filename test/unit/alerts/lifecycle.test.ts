import { describe, expect, it } from 'vitest';
import { GPU_KEY, MIN, T0, detectorRule, harness, hot, metricRule, ruleSet, signal, transitionsOf } from './engine-harness';

describe('alert lifecycle', () => {
  it('stays pending until the condition held for `for`, then fires and notifies once', () => {
    const h = harness(ruleSet([metricRule({ forMs: 2 * MIN })]));
    expect(h.run(T0, { snapshots: [hot('n1', T0, 90)] })).toEqual([]);
    const [pending] = h.engine.list({ limit: 10 }).alerts;
    expect(pending).toMatchObject({ state: 'pending', view: 'pending', nodeId: 'n1', subject: GPU_KEY, gpu: GPU_KEY, value: 90, notifiedAtMs: null });
    expect(h.run(T0 + MIN, { snapshots: [hot('n1', T0 + MIN, 91)] })).toEqual([]);
    const fired = h.run(T0 + 2 * MIN, { snapshots: [hot('n1', T0 + 2 * MIN, 92)] });
    expect(fired).toEqual([
      expect.objectContaining({ kind: 'alert', severity: 'warning', title: `GPU hot: n1 ${GPU_KEY}`, body: `n1 GPU ${GPU_KEY} at 92 C`, alertId: pending!.id }),
    ]);
    h.run(T0 + 3 * MIN, { snapshots: [hot('n1', T0 + 3 * MIN, 93)] });
    expect(h.delivered).toHaveLength(1);
    const alert = h.engine.get(pending!.id)!;
    expect(alert.alert).toMatchObject({
      state: 'firing',
      view: 'firing',
      firedAtMs: T0 + 2 * MIN,
      notifiedAtMs: T0 + 2 * MIN,
      labels: { team: 'infra', device: GPU_KEY },
    });
    expect(alert.transitions.map((t) => [t.from, t.to])).toEqual([
      [null, 'pending'],
      ['pending', 'firing'],
      ['firing', 'notified'],
    ]);
    expect(alert.rule).toMatchObject({ id: 'gpu-hot', rationale: 'Hot GPUs throttle.', runbook: 'Check the fans.' });
  });

  it('notifies nothing for a spike shorter than `for`: pending resolves directly', () => {
    const h = harness(ruleSet([metricRule({ forMs: 2 * MIN })]));
    h.run(T0, { snapshots: [hot('n1', T0, 99)] });
    h.run(T0 + MIN, { snapshots: [hot('n1', T0 + MIN, 99)] });
    h.run(T0 + 1.5 * MIN, { snapshots: [hot('n1', T0 + 1.5 * MIN, 40)] });
    h.run(T0 + 5 * MIN, { snapshots: [hot('n1', T0 + 5 * MIN, 40)] });
    expect(h.delivered).toEqual([]);
    const [alert] = h.engine.list({ limit: 10 }).alerts;
    expect(alert).toMatchObject({ state: 'resolved', firedAtMs: null, notifiedAtMs: null, resolvedAtMs: T0 + 1.5 * MIN });
    expect(transitionsOf(h, alert!.id)).toEqual(['pending', 'resolved']);
    expect(h.db.prepare('SELECT count(*) AS n FROM notifications').get()).toEqual({ n: 0 });
  });

  it('keeps firing above the recovery threshold (hysteresis), resolves below it and says so', () => {
    const h = harness(ruleSet([metricRule({ threshold: 85, recover: 80 })]));
    h.run(T0, { snapshots: [hot('n1', T0, 90)] });
    h.run(T0 + MIN, { snapshots: [hot('n1', T0 + MIN, 82)] });
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing' });
    const resolved = h.run(T0 + 2 * MIN, { snapshots: [hot('n1', T0 + 2 * MIN, 79)] });
    expect(resolved).toEqual([expect.objectContaining({ kind: 'resolved', title: `Resolved: GPU hot: n1 ${GPU_KEY}` })]);
    // Below the threshold but above recovery does not start a new alert.
    h.run(T0 + 3 * MIN, { snapshots: [hot('n1', T0 + 3 * MIN, 83)] });
    expect(h.engine.list({ limit: 10 }).total).toBe(1);
    expect(h.delivered.map((n) => n.kind)).toEqual(['alert', 'resolved']);
  });

  it('keeps firing for keep_firing_for after the condition is gone', () => {
    const h = harness(ruleSet([metricRule({ keepFiringForMs: 3 * MIN })]));
    h.run(T0, { snapshots: [hot('n1', T0, 90)] });
    h.run(T0 + MIN, { snapshots: [hot('n1', T0 + MIN, 40)] });
    h.run(T0 + 2.5 * MIN, { snapshots: [hot('n1', T0 + 2.5 * MIN, 40)] });
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing' });
    // Back within the window: the same alert carries on.
    h.run(T0 + 3.5 * MIN, { snapshots: [hot('n1', T0 + 3.5 * MIN, 88)] });
    h.run(T0 + 4 * MIN, { snapshots: [hot('n1', T0 + 4 * MIN, 40)] });
    h.run(T0 + 6 * MIN, { snapshots: [hot('n1', T0 + 6 * MIN, 40)] });
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing' });
    h.run(T0 + 6.5 * MIN, { snapshots: [hot('n1', T0 + 6.5 * MIN, 40)] });
    expect(h.engine.list({ limit: 10 }).alerts).toEqual([expect.objectContaining({ state: 'resolved', resolvedAtMs: T0 + 6.5 * MIN })]);
    expect(h.delivered.map((n) => n.kind)).toEqual(['alert', 'resolved']);
  });

  it('holds an event alert until the event time + keep_firing_for, whether or not the detector looks again', () => {
    const h = harness(ruleSet([detectorRule('xid', 'xid', { keepFiringForMs: 10 * MIN, severity: 'from-signal' })]));
    const xid = signal('xid', 'n1', T0 - 30_000, {
      subject: GPU_KEY,
      gpu: GPU_KEY,
      severity: 'critical',
      text: 'Xid 79: GPU has fallen off the bus',
      labels: { xid: '79' },
    });
    expect(h.run(T0, { signals: [xid], evaluated: { n1: ['xid'] } })).toEqual([
      expect.objectContaining({ severity: 'critical', body: 'n1: Xid 79: GPU has fallen off the bus' }),
    ]);
    h.run(T0 + MIN, { evaluated: { n1: ['xid'] } });
    h.run(T0 + 5 * MIN, {});
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing', severity: 'critical', lastActiveAtMs: T0 - 30_000 });
    h.run(T0 + 9.5 * MIN, {});
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'resolved', resolvedAtMs: T0 + 9.5 * MIN });
  });

  it('keeps a condition alert as it is while its detector could not look, resolves once it looked and saw nothing', () => {
    const h = harness(ruleSet([detectorRule('driver', 'gpu-driver-error', { severity: 'warning' })]));
    h.run(T0, { signals: [signal('gpu-driver-error', 'n1', T0)], evaluated: { n1: ['gpu-driver-error'] } });
    h.run(T0 + MIN, { evaluated: {} });
    h.run(T0 + 2 * MIN, { evaluated: { n1: ['xid'] } });
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing' });
    h.run(T0 + 3 * MIN, { evaluated: { n1: ['gpu-driver-error'] } });
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'resolved' });
  });

  it('keeps a metric alert as it is while its node sends no snapshot', () => {
    const h = harness(ruleSet([metricRule()]));
    h.run(T0, { snapshots: [hot('n1', T0, 90), hot('n2', T0, 90)] });
    h.run(T0 + MIN, { snapshots: [hot('n2', T0 + MIN, 40)] });
    const byNode = Object.fromEntries(h.engine.list({ limit: 10 }).alerts.map((a) => [a.nodeId, a.state]));
    expect(byNode).toEqual({ n1: 'firing', n2: 'resolved' });
  });
});
