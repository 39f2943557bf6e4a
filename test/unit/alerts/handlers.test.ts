import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { CallHandlers, CallName } from '../../../shared/contract';
import { dispatchCall } from '../../../shared/dispatch';
import { alertHandlers } from '../../../electron/core/handlers/alerts';
import type { EngineContext } from '../../../electron/core/handlers/context';
import { MIN, T0, harness, hot, metricRule, ruleSet } from './engine-harness';

function calls() {
  const h = harness(ruleSet([metricRule()]));
  const timelineQueries: unknown[] = [];
  const ctx = {
    alerts: h.engine,
    userRulesDir: '/home/u/.config/clusterdeck/rules',
    timeline: (query: unknown) => {
      timelineQueries.push(query);
      return { events: [], truncated: false };
    },
  } as unknown as EngineContext;
  const handlers = alertHandlers(ctx) as unknown as CallHandlers;
  const errors: unknown[] = [];
  const call = (name: CallName, payload: unknown = {}) => dispatchCall(handlers, name, payload, (error) => errors.push(error));
  return { h, call, errors, timelineQueries };
}

describe('alert handlers', () => {
  it('lists, gets and summarises alerts within the contract; acknowledges as the OS user by default', async () => {
    const { h, call, errors } = calls();
    h.run(T0, { snapshots: [hot('n1', T0, 90)] });
    const list = await call('alerts:list', { views: ['firing'] });
    expect(list).toMatchObject({ ok: true, value: { total: 1, alerts: [{ ruleId: 'gpu-hot', view: 'firing' }] } });
    const id = (list as { value: { alerts: Array<{ id: number }> } }).value.alerts[0]!.id;
    expect(await call('alerts:get', { id })).toMatchObject({
      ok: true,
      value: { alert: { id }, rule: { id: 'gpu-hot' }, transitions: [{ to: 'firing' }, { to: 'notified' }] },
    });
    expect(await call('alerts:summary')).toMatchObject({ ok: true, value: { worst: 'warning', nodes: { n1: { count: 1 } } } });
    expect(await call('alerts:ack', { id, comment: 'looking' })).toMatchObject({
      ok: true,
      value: { view: 'acknowledged', ack: { by: userInfo().username, comment: 'looking', atMs: T0 } },
    });
    expect(await call('alerts:snooze', { id, durationMs: 10 * MIN })).toMatchObject({ ok: true, value: { snoozedUntilMs: T0 + 10 * MIN } });
    expect(await call('alerts:ack', { id: 999 })).toEqual({ ok: false, error: { code: 'not-found', message: 'no alert 999' } });
    expect(await call('alerts:get', { id: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(errors).toEqual([]);
  });

  it('creates, lists and expires silences; a bad regular expression is a bad request', async () => {
    const { call, errors } = calls();
    const created = await call('silences:create', { matchers: [{ label: 'node', value: 'gpu-0[0-9]', regex: true }], durationMs: 60 * MIN, by: 'alice' });
    expect(created).toMatchObject({ ok: true, value: { active: true, createdBy: 'alice', comment: '' } });
    const id = (created as { value: { id: number } }).value.id;
    expect(await call('silences:expire', { id })).toMatchObject({ ok: true, value: { id, active: false } });
    expect(await call('silences:list')).toMatchObject({ ok: true, value: [{ id, active: false }] });
    expect(await call('silences:expire', { id: 999 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await call('silences:create', { matchers: [{ label: 'node', value: '(', regex: true }], durationMs: 60 * MIN })).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });
    expect(errors).toEqual([]);
  });

  it('lists the rules with the user folder, and passes the timeline query on', async () => {
    const { call, timelineQueries } = calls();
    expect(await call('rules:list')).toMatchObject({
      ok: true,
      value: { rules: [{ id: 'gpu-hot', source: 'test.yaml:1' }], errors: [], userRulesDir: '/home/u/.config/clusterdeck/rules' },
    });
    expect(await call('failures:timeline', { nodeId: 'n1', fromMs: 0, toMs: 10 })).toEqual({ ok: true, value: { events: [], truncated: false } });
    expect(timelineQueries).toEqual([{ nodeId: 'n1', fromMs: 0, toMs: 10 }]);
  });
});
