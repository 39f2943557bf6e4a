import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../../electron/core/store/telemetry-store';
import { MetricQueryResultSchema } from '../../../shared/contract';
import { snapshot } from '../../helpers/snapshots';

const INTERVAL = 5000;
const T0 = 1_700_000_000_000;

function storeWith(ticks: number, options: { retentionDays?: number } = {}) {
  const store = new SqliteTelemetryStore(openDatabase(':memory:'), { intervalMs: INTERVAL, retentionDays: options.retentionDays ?? 7 });
  for (let i = 0; i < ticks; i += 1) store.writeTick([snapshot(T0 + i * INTERVAL)]);
  return store;
}

describe('SqliteTelemetryStore', () => {
  it('returns raw points when the range fits in maxPoints', () => {
    const store = storeWith(10);
    const result = store.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 9 * INTERVAL, maxPoints: 100 });
    expect(MetricQueryResultSchema.parse(result)).toEqual(result);
    expect(result.stepMs).toBe(INTERVAL);
    expect(result.series).toHaveLength(1);
    expect(result.series[0]!.t).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * INTERVAL));
    expect(result.series[0]!.v).toEqual(Array.from({ length: 10 }, (_, i) => Math.floor((T0 + i * INTERVAL) / 1000) % 100));
    expect(result.series[0]!.min).toBeNull();
  });

  it('merges into buckets with a min/max envelope when the range holds more than maxPoints', () => {
    const store = storeWith(100);
    const result = store.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 99 * INTERVAL, maxPoints: 10 });
    const series = result.series[0]!;
    expect(result.stepMs % INTERVAL).toBe(0);
    expect(series.t.length).toBeLessThanOrEqual(11);
    expect(series.min).not.toBeNull();
    series.v.forEach((v, i) => {
      expect(series.min![i]).toBeLessThanOrEqual(v);
      expect(series.max![i]).toBeGreaterThanOrEqual(v);
    });
    // The envelope keeps the extremes the line averages away.
    const raw = store.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 99 * INTERVAL, maxPoints: 1000 });
    expect(Math.max(...series.max!)).toBe(Math.max(...raw.series[0]!.v));
    expect(Math.min(...series.min!)).toBe(Math.min(...raw.series[0]!.v));
  });

  it('keeps one series per device: per GPU (by UUID), per mount, per interface', () => {
    const store = storeWith(3);
    const gpu = store.queryMetric({ nodeId: 'node-a', metric: 'gpu.util_pct', fromMs: T0, toMs: T0 + 3 * INTERVAL, maxPoints: 100 });
    expect(gpu.series.map((s) => s.device)).toEqual(['GPU-aaaaaaaa-0000-0000-0000-000000000000']);
    expect(gpu.unit).toBe('pct');
    const fs = store.queryMetric({ nodeId: 'node-a', metric: 'fs.used_pct', fromMs: T0, toMs: T0 + 3 * INTERVAL, maxPoints: 100 });
    expect(fs.series.map((s) => [s.device, s.v])).toEqual([['/', [40, 40, 40]]]);
  });

  it('gives the latest snapshot and a node list with GPU status', () => {
    const store = storeWith(3);
    expect(store.latestSnapshot('node-a')?.collectedAt).toBe(T0 + 2 * INTERVAL);
    expect(store.latestSnapshot('nope')).toBeNull();
    expect(store.listNodes()).toEqual([
      { id: 'node-a', hostname: 'node-a', lastSeenAt: T0 + 2 * INTERVAL, gpuCount: 1, gpuStatus: snapshot(T0).gpuStatus },
    ]);
  });

  it('a late write of an older tick does not replace the latest snapshot', () => {
    const store = storeWith(3);
    store.writeTick([snapshot(T0)]);
    expect(store.latestSnapshot('node-a')?.collectedAt).toBe(T0 + 2 * INTERVAL);
  });

  it('prunes samples past retention a few series at a time', () => {
    const store = storeWith(4, { retentionDays: 1 });
    const later = T0 + 86_400_000 + 2 * INTERVAL; // cutoff: the third tick
    for (let i = 0; i < 20; i += 1) store.pruneStep(later);
    const result = store.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 4 * INTERVAL, maxPoints: 100 });
    expect(result.series[0]!.t).toEqual([T0 + 2 * INTERVAL, T0 + 3 * INTERVAL]);
  });
});
