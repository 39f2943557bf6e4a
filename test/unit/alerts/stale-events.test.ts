// An event is an alert for keep_firing_for after it happened. An Xid read long after it happened
// (the current boot's log on first contact, a journal caught up after downtime) is already over:
// it goes on the timeline (kernel_events), not into an alert that notifies and resolves a tick later.
import { describe, expect, it } from 'vitest';
import { EVENT_GRACE_MS } from '../../../electron/core/alerts/evaluator';
import { MIN, T0, detectorRule, harness, ruleSet, signal } from './engine-harness';

const KEEP = 60 * MIN;
const xidRule = () => detectorRule('xid', 'xid', { keepFiringForMs: KEEP, severity: 'from-signal' });
const xid = (atMs: number) => signal('xid', 'n1', atMs, { subject: '00000000:19:00.0:xid:48', severity: 'critical', labels: { xid: '48' } });

describe('event signals read after their alert would be over', () => {
  it('raise nothing when older than keep_firing_for and the grace for a late read', () => {
    const h = harness(ruleSet([xidRule()]));
    const stale = xid(T0 - KEEP - EVENT_GRACE_MS - 1);
    expect(h.run(T0, { signals: [stale], evaluated: { n1: ['xid'] } })).toEqual([]);
    h.run(T0 + MIN, { evaluated: { n1: ['xid'] } });
    expect(h.delivered).toEqual([]);
    expect(h.engine.list({ limit: 100, views: ['firing', 'pending', 'resolved', 'acknowledged', 'silenced'] }).total).toBe(0);
  });

  it('still alert once when read late but within keep_firing_for plus the grace, and resolve on the next look', () => {
    const h = harness(ruleSet([xidRule()]));
    const late = xid(T0 - KEEP - EVENT_GRACE_MS + MIN);
    const notified = h.run(T0, { signals: [late], evaluated: { n1: ['xid'] } });
    expect(notified.map((n) => n.kind)).toEqual(['alert']);
    expect(h.engine.list({ limit: 10, views: ['firing'] }).total).toBe(1);
    // Its keep_firing_for ran out before it was read: it resolves on the next look.
    h.run(T0 + MIN, { evaluated: { n1: ['xid'] } });
    expect(h.engine.list({ limit: 10, views: ['resolved'] }).total).toBe(1);
  });
});
