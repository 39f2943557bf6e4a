import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../electron/core/alerts/alert-store';
import { FLAP_STABLE_MS } from '../../../electron/core/alerts/flapping';
import { openDatabase } from '../../../electron/core/store/db';
import type { AlertSummary } from '../../../shared/model/alerts';
import type { AlertTick } from '../../../electron/core/alerts/types';
import { GPU_KEY, MIN, T0, detectorRule, eq, harness, hot, metricRule, ruleSet, signal, tick, transitionsOf } from './engine-harness';

const hotTick = (node: string, at: number, c: number) => ({ snapshots: [hot(node, at, c)] });

describe('alert engine: dedupe and restart', () => {
  it('keeps one alert per fingerprint, however many signals and ticks say the same', () => {
    const h = harness(ruleSet([detectorRule('off-bus', 'gpu-fallen-off-bus')]));
    const lost = (at: number) => signal('gpu-fallen-off-bus', 'n1', at, { subject: '00000000:9B:00.0', gpu: GPU_KEY });
    for (let i = 0; i < 5; i += 1) {
      const at = T0 + i * MIN;
      h.run(at, { signals: [lost(at), lost(at), { ...lost(at), text: 'kernel: fallen off the bus' }], evaluated: { n1: ['gpu-fallen-off-bus'] } });
    }
    expect(h.engine.list({ limit: 10 }).total).toBe(1);
    expect(h.delivered).toHaveLength(1);
    expect(h.engine.summary()).toMatchObject({
      firing: { critical: 1, warning: 0, info: 0 },
      worst: 'critical',
      nodes: { n1: { worst: 'critical', count: 1 } },
    });
    expect(h.engine.summary().gpus[GPU_KEY]).toEqual({ worst: 'critical', count: 1, title: 'off-bus' });
  });

  it('does not notify a firing alert again after a restart, keeps its acknowledgement, and tells its resolution', () => {
    const rules = ruleSet([metricRule()]);
    const first = harness(rules);
    first.run(T0, hotTick('n1', T0, 90));
    const [alert] = first.engine.list({ limit: 10 }).alerts;
    first.engine.ack(alert!.id, 'alice', 'on it');
    expect(first.delivered).toHaveLength(1);

    const second = first.restart();
    second.run(T0 + MIN, hotTick('n1', T0 + MIN, 91));
    second.run(T0 + 2 * MIN, hotTick('n1', T0 + 2 * MIN, 92));
    expect(second.delivered).toEqual([]);
    expect(second.engine.list({ limit: 10 }).alerts).toEqual([
      expect.objectContaining({ id: alert!.id, state: 'firing', view: 'acknowledged', ack: { by: 'alice', atMs: T0, comment: 'on it' } }),
    ]);
    second.run(T0 + 3 * MIN, hotTick('n1', T0 + 3 * MIN, 40));
    expect(second.delivered).toEqual([expect.objectContaining({ kind: 'resolved', alertId: alert!.id })]);
    expect(second.db.prepare('SELECT kind, alert_id FROM notifications ORDER BY id').all()).toEqual([
      { kind: 'alert', alert_id: alert!.id },
      { kind: 'resolved', alert_id: alert!.id },
    ]);
  });

  it('drops a tick the file refuses (another writer holds it) and picks up from the file on the next', () => {
    const h = harness(ruleSet([metricRule()]));
    h.db.pragma('busy_timeout = 0');
    const other = openDatabase(h.dbPath);
    other.exec('BEGIN IMMEDIATE');
    expect(h.run(T0, hotTick('n1', T0, 90))).toEqual([]);
    other.exec('ROLLBACK');
    other.close();
    expect(h.engine.list({ limit: 10 }).total).toBe(0);
    h.run(T0 + MIN, hotTick('n1', T0 + MIN, 90));
    h.run(T0 + 2 * MIN, hotTick('n1', T0 + 2 * MIN, 90));
    expect(h.engine.list({ limit: 10 }).alerts).toEqual([expect.objectContaining({ state: 'firing', pendingSinceMs: T0 + MIN })]);
    expect(h.delivered).toHaveLength(1);
  });

  it('keeps resolved alerts 90 days, then drops them with their transitions', () => {
    const h = harness(ruleSet([metricRule()]));
    const DAY = 86_400_000;
    h.run(T0, hotTick('n1', T0, 90));
    h.run(T0 + MIN, hotTick('n1', T0 + MIN, 40));
    h.run(T0 + 2 * MIN, hotTick('n2', T0 + 2 * MIN, 90));
    h.run(T0 + 3 * MIN, hotTick('n2', T0 + 3 * MIN, 40));
    h.db.prepare("UPDATE alerts SET resolved_ms = ? WHERE node_id = 'n1'").run(T0 - 91 * DAY);
    h.run(T0 + 2 * 3_600_000, hotTick('n3', T0 + 2 * 3_600_000, 40));
    expect(h.engine.list({ limit: 10 }).alerts.map((a) => a.nodeId)).toEqual(['n2']);
    expect(h.db.prepare('SELECT count(DISTINCT alert_id) AS n FROM alert_transitions').get()).toEqual({ n: 1 });
  });

  it('resolves the alerts of a node removed from the fleet, keeps those of a node that sent nothing this tick', () => {
    const h = harness(ruleSet([metricRule()]));
    h.run(T0, { snapshots: [hot('n1', T0, 90), hot('n2', T0, 90)] });
    const states = [
      {
        id: 'n2',
        kind: 'local',
        status: 'unreachable',
        since: null,
        lastError: null,
        address: null,
        labels: [],
        missing: [],
        hostKey: null,
        passphraseFor: null,
      },
    ];
    h.clock.set(T0 + MIN);
    h.engine.evaluate({ ...tick(T0 + MIN), states } as AlertTick);
    expect(Object.fromEntries(h.engine.list({ limit: 10 }).alerts.map((a) => [a.nodeId, a.state]))).toEqual({ n1: 'resolved', n2: 'firing' });
  });

  it('resolves the open alerts of a rule that was removed', () => {
    const h = harness(ruleSet([metricRule(), detectorRule('driver', 'gpu-driver-error')]));
    h.run(T0, { ...hotTick('n1', T0, 90), signals: [signal('gpu-driver-error', 'n1', T0)], evaluated: { n1: ['gpu-driver-error'] } });
    h.engine.setRules(ruleSet([detectorRule('driver', 'gpu-driver-error')]));
    const states = Object.fromEntries(h.engine.list({ limit: 10 }).alerts.map((a) => [a.ruleId, a.state]));
    expect(states).toEqual({ 'gpu-hot': 'resolved', driver: 'firing' });
    expect(h.engine.rules().rules.map((r) => r.id)).toEqual(['driver']);
  });
});

describe('alert engine: acknowledge, snooze, silences', () => {
  it('never notifies an alert acknowledged while pending (a CLI ack on the same file while the engine runs)', () => {
    const h = harness(ruleSet([metricRule({ forMs: 2 * MIN })]));
    h.run(T0, hotTick('n1', T0, 90));
    const [alert] = h.engine.list({ limit: 10 }).alerts;
    const cli = openDatabase(h.dbPath);
    new AlertStore(cli).ack(alert!.id, 'bob', null, T0 + 30_000);
    h.run(T0 + MIN, hotTick('n1', T0 + MIN, 95));
    h.run(T0 + 2 * MIN, hotTick('n1', T0 + 2 * MIN, 96));
    h.run(T0 + 10 * MIN, hotTick('n1', T0 + 10 * MIN, 97));
    expect(h.delivered).toEqual([]);
    const seen = new AlertStore(cli).get(alert!.id);
    cli.close();
    expect(seen).toMatchObject({ state: 'firing', value: 97, ack: { by: 'bob', atMs: T0 + 30_000, comment: null } });
    expect(h.engine.list({ views: ['acknowledged'], limit: 10 }).total).toBe(1);
    expect(transitionsOf(h, alert!.id)).toEqual(['pending', 'acknowledged', 'firing']);
  });

  it('holds a snoozed alert until the snooze ends, then notifies it if it still fires', () => {
    const h = harness(ruleSet([metricRule({ forMs: MIN })]));
    h.run(T0, hotTick('n1', T0, 90));
    const [alert] = h.engine.list({ limit: 10 }).alerts;
    h.engine.snooze(alert!.id, 10 * MIN, 'alice');
    h.run(T0 + MIN, hotTick('n1', T0 + MIN, 90));
    h.run(T0 + 9 * MIN, hotTick('n1', T0 + 9 * MIN, 90));
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ state: 'firing', view: 'silenced', snoozedUntilMs: T0 + 10 * MIN });
    expect(h.engine.summary()).toMatchObject({ worst: null, firing: { warning: 1 } });
    expect(h.delivered).toEqual([]);
    h.run(T0 + 11 * MIN, hotTick('n1', T0 + 11 * MIN, 90));
    expect(h.delivered).toEqual([expect.objectContaining({ kind: 'alert', alertId: alert!.id })]);
    expect(h.engine.list({ limit: 10 }).alerts[0]).toMatchObject({ view: 'firing', notifiedAtMs: T0 + 11 * MIN });
  });

  it('silences matching alerts until the silence expires (by time or by hand), recording both', () => {
    const h = harness(ruleSet([metricRule()]));
    const timed = h.engine.silence([{ label: 'node', value: 'n[12]', regex: true }], 5 * MIN, 'maintenance', 'alice');
    const byHand = h.engine.silence([{ label: 'node', value: 'n3', regex: false }], 60 * MIN, 'rack work', 'alice');
    expect(timed).toMatchObject({ active: true, startsAtMs: T0, endsAtMs: T0 + 5 * MIN, createdBy: 'alice' });
    h.run(T0 + MIN, { snapshots: [hot('n1', T0 + MIN, 90), hot('n3', T0 + MIN, 90), hot('n4', T0 + MIN, 90)] });
    const view = () => Object.fromEntries(h.engine.list({ limit: 10 }).alerts.map((a) => [a.nodeId, [a.view, a.silencedBy]]));
    expect(view()).toEqual({ n1: ['silenced', timed.id], n3: ['silenced', byHand.id], n4: ['firing', null] });
    expect(h.delivered.map((n) => n.nodeId)).toEqual(['n4']);

    expect(h.engine.expireSilence(byHand.id, 'bob')).toMatchObject({ active: false, endsAtMs: T0 + MIN });
    expect(view().n3).toEqual(['firing', null]);
    const n3 = h.engine.list({ nodeId: 'n3', limit: 1 }).alerts[0]!;
    expect(h.engine.get(n3.id)!.transitions.slice(-2)).toEqual([
      expect.objectContaining({ to: 'silenced', note: `silence ${byHand.id}` }),
      expect.objectContaining({ to: 'unsilenced', actor: 'bob' }),
    ]);
    h.run(T0 + 2 * MIN, { snapshots: [hot('n1', T0 + 2 * MIN, 90), hot('n3', T0 + 2 * MIN, 90), hot('n4', T0 + 2 * MIN, 90)] });
    expect(h.delivered.map((n) => n.nodeId)).toEqual(['n4', 'n3']);

    h.run(T0 + 6 * MIN, { snapshots: [hot('n1', T0 + 6 * MIN, 90), hot('n3', T0 + 6 * MIN, 90), hot('n4', T0 + 6 * MIN, 90)] });
    expect(view().n1).toEqual(['firing', null]);
    expect(h.delivered.map((n) => n.nodeId)).toEqual(['n4', 'n3', 'n1']);
    expect(h.engine.silences().map((s) => [s.id, s.active])).toEqual([
      [byHand.id, false],
      [timed.id, false],
    ]);
  });

  it('refuses a silence whose regular expression does not compile', () => {
    const h = harness(ruleSet([metricRule()]));
    expect(() => h.engine.silence([{ label: 'node', value: '(', regex: true }], MIN, '', 'alice')).toThrow(SyntaxError);
    expect(h.engine.silences()).toEqual([]);
  });

  it('notifies nothing below the minimum severity, but tracks it', () => {
    const h = harness(ruleSet([metricRule({ severity: 'info' })]), { minSeverity: 'warning' });
    h.run(T0, hotTick('n1', T0, 90));
    expect(h.delivered).toEqual([]);
    expect(h.engine.summary().firing.info).toBe(1);
  });
});

describe('alert engine: inhibition and flapping', () => {
  it('shows an alert an unreachable node inhibits as suppressed by it, and does not notify it', () => {
    const inhibit = [{ source: { rule: eq('node-unreachable') }, target: { rule: eq('gpu-hot') }, equal: ['node'], source_file: { file: 't.yaml', line: 3 } }];
    const h = harness(ruleSet([metricRule({ forMs: MIN }), detectorRule('node-unreachable', 'node-unreachable')], inhibit));
    const changes: AlertSummary[] = [];
    h.engine.onChange((summary) => changes.push(summary));
    const down = (at: number) => signal('node-unreachable', 'gpu-07', at);
    h.run(T0, { snapshots: [hot('gpu-07', T0, 90), hot('gpu-08', T0, 90)], signals: [down(T0)], evaluated: { 'gpu-07': ['node-unreachable'] } });
    h.run(T0 + MIN, {
      snapshots: [hot('gpu-07', T0 + MIN, 90), hot('gpu-08', T0 + MIN, 90)],
      signals: [down(T0 + MIN)],
      evaluated: { 'gpu-07': ['node-unreachable'] },
    });
    const hotAlerts = h.engine.list({ limit: 10 }).alerts.filter((a) => a.ruleId === 'gpu-hot');
    expect(Object.fromEntries(hotAlerts.map((a) => [a.nodeId, [a.state, a.view, a.suppressedBy]]))).toEqual({
      'gpu-07': ['firing', 'silenced', 'suppressed by node-unreachable on gpu-07'],
      'gpu-08': ['firing', 'firing', null],
    });
    expect(h.delivered.map((n) => `${n.ruleId} ${n.nodeId}`)).toEqual(['node-unreachable gpu-07', 'gpu-hot gpu-08']);
    expect(changes.at(-1)).toMatchObject({ worst: 'critical', firing: { critical: 1, warning: 2 } });

    // The node answers again: the suppression lifts and the alert is notified.
    h.run(T0 + 2 * MIN, { snapshots: [hot('gpu-07', T0 + 2 * MIN, 90)], evaluated: { 'gpu-07': ['node-unreachable'] } });
    const gpu07 = hotAlerts.find((a) => a.nodeId === 'gpu-07')!;
    expect(h.engine.get(gpu07.id)!.alert.suppressedBy).toBeNull();
    expect(transitionsOf(h, gpu07.id)).toEqual(['pending', 'suppressed', 'firing', 'unsuppressed', 'notified']);
    expect(h.delivered.map((n) => `${n.kind} ${n.ruleId} ${n.nodeId}`).slice(2)).toEqual(['resolved node-unreachable gpu-07', 'alert gpu-hot gpu-07']);
  });

  it('marks an alert that keeps starting and stopping as flapping and holds its notifications until it is stable', () => {
    const h = harness(ruleSet([metricRule()]));
    const temps = [90, 40, 90, 40, 90, 40, 90];
    temps.forEach((c, i) => h.run(T0 + i * MIN, hotTick('n1', T0 + i * MIN, c)));
    // fire, resolve, fire, resolve (4 changes: flapping from here), then fire, resolve, fire: held.
    expect(h.delivered.map((n) => n.kind)).toEqual(['alert', 'resolved', 'alert', 'resolved']);
    const open = h.engine.list({ views: ['firing'], limit: 1 }).alerts[0]!;
    expect(open).toMatchObject({ flapping: true, notifiedAtMs: null });
    expect(transitionsOf(h, open.id)).toEqual(['firing', 'flapping']);

    const stable = T0 + 6 * MIN + FLAP_STABLE_MS;
    h.run(stable - MIN, hotTick('n1', stable - MIN, 90));
    expect(h.delivered).toHaveLength(4);
    h.run(stable, hotTick('n1', stable, 90));
    expect(h.delivered.map((n) => n.kind)).toEqual(['alert', 'resolved', 'alert', 'resolved', 'alert']);
    expect(transitionsOf(h, open.id)).toEqual(['firing', 'flapping', 'stable', 'notified']);
    expect(h.engine.get(open.id)!.alert.flapping).toBe(false);
  });
});

describe('alert engine: notifications held by the noise control', () => {
  const quiet = { notifications: { quietHours: { start: '12:00', end: '12:30' } } };

  it('delivers what the noise control released even when the file refuses to record it', () => {
    const h = harness(ruleSet([metricRule()]), quiet);
    h.run(T0, hotTick('n1', T0, 90));
    expect(h.delivered).toEqual([]);
    h.db.pragma('busy_timeout = 0');
    const other = openDatabase(h.dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      h.run(T0 + 31 * MIN, hotTick('n1', T0 + 31 * MIN, 90));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const [alert] = h.engine.list({ limit: 10 }).alerts;
    expect(h.delivered).toEqual([expect.objectContaining({ kind: 'summary', title: 'Quiet hours: 1 notification held', alertIds: [alert!.id] })]);
  });

  it('never loses a notification held over quiet hours to a restart, and never sends it twice', () => {
    const first = harness(ruleSet([metricRule()]), quiet);
    first.run(T0, hotTick('n1', T0, 90));
    expect(first.delivered).toEqual([]);
    const [alert] = first.engine.list({ limit: 10 }).alerts;

    const second = first.restart();
    second.run(T0 + 10 * MIN, hotTick('n1', T0 + 10 * MIN, 90));
    expect(second.delivered).toEqual([]);
    second.run(T0 + 31 * MIN, hotTick('n1', T0 + 31 * MIN, 90));
    expect(second.delivered).toEqual([expect.objectContaining({ kind: 'summary', title: 'Quiet hours: 1 notification held', alertIds: [alert!.id] })]);
    expect(transitionsOf(second, alert!.id).filter((to) => to === 'notified')).toHaveLength(1);

    const third = second.restart();
    third.run(T0 + 32 * MIN, hotTick('n1', T0 + 32 * MIN, 90));
    third.run(T0 + 33 * MIN, hotTick('n1', T0 + 33 * MIN, 91));
    expect([...first.delivered, ...third.delivered]).toEqual([]);
    expect(third.engine.list({ limit: 10 }).alerts).toEqual([expect.objectContaining({ id: alert!.id, notifiedAtMs: T0 + 31 * MIN })]);
  });
});
