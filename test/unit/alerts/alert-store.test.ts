import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '../../../electron/core/alerts/alert-store';
import { openDatabase } from '../../../electron/core/store/db';
import { tempDir } from '../../helpers/tmp';
import { MIN, T0 } from './engine-harness';

function resolvedAlert(n: number, pendingSinceMs: number, resolvedAtMs: number | null) {
  return {
    fingerprint: `fp-${n}`,
    ruleId: 'gpu-hot',
    nodeId: 'n1',
    subject: '',
    gpu: null,
    severity: 'warning' as const,
    state: resolvedAtMs === null ? ('firing' as const) : ('resolved' as const),
    title: `alert ${n}`,
    message: '',
    labels: {},
    value: null,
    pendingSinceMs,
    firedAtMs: pendingSinceMs,
    resolvedAtMs,
    lastActiveAtMs: pendingSinceMs,
    notifiedAtMs: null,
    silencedBy: null,
    suppressedBy: null,
    flapping: false,
    flapHistory: [],
  };
}

describe('alert store: list over a time window', () => {
  it('selects the alerts overlapping [from, to) before the limit, however many newer ones there are', () => {
    const db = openDatabase(join(tempDir('cd-alert-store-'), 'clusterdeck.db'));
    const store = new AlertStore(db);
    const old = store.insert(resolvedAlert(0, T0, T0 + 5 * MIN));
    const open = store.insert(resolvedAlert(1, T0 - 60 * MIN, null));
    store.insert(resolvedAlert(2, T0 - 120 * MIN, T0 - 61 * MIN)); // ended before the window
    for (let i = 0; i < 10; i += 1) store.insert(resolvedAlert(10 + i, T0 + (60 + i) * MIN, T0 + (61 + i) * MIN));

    const { alerts, total } = store.list({ nodeId: 'n1', limit: 3, fromMs: T0 - 30 * MIN, toMs: T0 + 30 * MIN }, T0 + 100 * MIN);
    expect(alerts.map((a) => a.id).sort((a, b) => a - b)).toEqual([old, open]);
    expect(total).toBe(2);
    expect(store.list({ nodeId: 'n1', limit: 3 }, T0 + 100 * MIN).total).toBe(13);
    db.close();
  });
});
