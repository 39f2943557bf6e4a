import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { LatestValueSchema, MetricQueryResultSchema, StorageStatsSchema } from '../../../shared/contract';
import { storeOptions } from '../../../electron/core/engine';
import { openDatabase } from '../../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../../electron/core/store/telemetry-store';
import { gpu, snapshot } from '../../helpers/snapshots';

const INTERVAL = 5000;
const T0 = 1_700_000_000_000;

function storeWith(ticks: number) {
  const db = openDatabase(':memory:');
  const store = new SqliteTelemetryStore(db, { ...storeOptions(':memory:', DEFAULT_CONFIG), intervalMs: INTERVAL });
  for (let i = 0; i < ticks; i += 1) store.writeTick([snapshot(T0 + i * INTERVAL)]);
  return { db, store };
}

describe('SqliteTelemetryStore (snapshots in, contract answers out)', () => {
  it('answers metrics:query with raw points and the tier it used', () => {
    const { store } = storeWith(10);
    const result = store.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 9 * INTERVAL, maxPoints: 100 });
    expect(MetricQueryResultSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ tier: 'raw', stepMs: INTERVAL, unit: 'pct' });
    expect(result.series[0]!.v).toEqual(Array.from({ length: 10 }, (_, i) => Math.floor((T0 + i * INTERVAL) / 1000) % 100));
  });

  it('takes samples without a snapshot (a source with other metrics), readable like the rest', () => {
    const { store } = storeWith(0);
    for (let i = 0; i < 4; i += 1) {
      store.writeSamples(T0 + i * INTERVAL, [
        { nodeId: 'prom-1', metric: 'gpu.util_pct', device: 'GPU-1', value: 10 * i },
        { nodeId: 'prom-1', metric: 'dcgm.xid_errors', device: 'GPU-1', value: 0 },
        // Not a metric name, not a number: skipped, never stored.
        { nodeId: 'prom-1', metric: 'DROP TABLE', device: '', value: 1 },
        { nodeId: 'prom-1', metric: 'gpu.temp_c', device: 'GPU-1', value: Number.NaN },
      ]);
    }
    const result = store.queryMetric({ nodeId: 'prom-1', metric: 'gpu.util_pct', fromMs: T0, toMs: T0 + 3 * INTERVAL, maxPoints: 100 });
    expect(result.series.map((series) => [series.device, series.v])).toEqual([['GPU-1', [0, 10, 20, 30]]]);
    expect(store.tsdb.seriesOf('prom-1', 'dcgm.xid_errors').map((series) => series.device)).toEqual(['GPU-1']);
    expect(store.tsdb.seriesOf('prom-1', 'DROP TABLE')).toEqual([]);
    expect(store.tsdb.seriesOf('prom-1', 'gpu.temp_c')).toEqual([]);
  });

  it('keeps one series per device: per GPU (by UUID), per mount, per interface', () => {
    const { store } = storeWith(3);
    const q = (metric: 'gpu.util_pct' | 'fs.used_pct' | 'net.rx_bytes_per_sec') =>
      store.queryMetric({ nodeId: 'node-a', metric, fromMs: T0, toMs: T0 + 3 * INTERVAL, maxPoints: 100 });
    expect(q('gpu.util_pct').series.map((s) => s.device)).toEqual(['GPU-aaaaaaaa-0000-0000-0000-000000000000']);
    expect(q('fs.used_pct').series.map((s) => [s.device, s.v])).toEqual([['/', [40, 40, 40]]]);
    expect(q('net.rx_bytes_per_sec').series.map((s) => s.device)).toEqual(['eth0']);
  });

  it('a GPU moved to another PCI slot keeps its history under its UUID, and the device row follows it', () => {
    const { db, store } = storeWith(0);
    const uuid = 'GPU-bbbbbbbb-1111-2222-3333-444444444444';
    store.writeTick([snapshot(T0, { gpus: [gpu({ uuid, pciBusId: '00000000:18:00.0', gpuUtilPct: 10 })] })]);
    store.writeTick([snapshot(T0 + INTERVAL, { gpus: [gpu({ uuid, index: 3, pciBusId: '00000000:9B:00.0', gpuUtilPct: 20 })] })]);
    const result = store.queryMetric({ nodeId: 'node-a', metric: 'gpu.util_pct', fromMs: T0, toMs: T0 + INTERVAL, maxPoints: 10 });
    expect(result.series).toEqual([expect.objectContaining({ device: uuid, v: [10, 20] })]);
    const device = db.prepare("SELECT details FROM devices WHERE kind = 'gpu' AND key = ?").pluck().get(uuid) as string;
    expect(JSON.parse(device)).toMatchObject({ pciBusId: '00000000:9B:00.0', index: 3 });
  });

  it('gives the latest snapshot, the node list and the latest values of many series', () => {
    const { store } = storeWith(3);
    expect(store.latestSnapshot('node-a')?.collectedAt).toBe(T0 + 2 * INTERVAL);
    expect(store.latestSnapshot('nope')).toBeNull();
    expect(store.listNodes()).toEqual([{ id: 'node-a', hostname: 'node-a', lastSeenAt: T0 + 2 * INTERVAL, gpuCount: 1, gpuStatus: snapshot(T0).gpuStatus }]);
    const latest = store.latestValues({ metrics: ['gpu.util_pct', 'memory.used_pct'] });
    expect(latest.map((v) => LatestValueSchema.parse(v))).toEqual([
      {
        nodeId: 'node-a',
        metric: 'gpu.util_pct',
        device: 'GPU-aaaaaaaa-0000-0000-0000-000000000000',
        t: T0 + 2 * INTERVAL,
        v: Math.floor((T0 + 2 * INTERVAL) / 1000) % 100,
      },
      { nodeId: 'node-a', metric: 'memory.used_pct', device: '', t: T0 + 2 * INTERVAL, v: 50 },
    ]);
  });

  it('keeps node snapshots and series across a reopen (snapshots written on first sight and on close)', () => {
    const path = join(tempDir(), 'reopen.db');
    const options = { ...storeOptions(path, DEFAULT_CONFIG), intervalMs: INTERVAL };
    const first = new SqliteTelemetryStore(openDatabase(path), options);
    for (let i = 0; i < 3; i += 1) first.writeTick([snapshot(T0 + i * INTERVAL)]);
    first.close();
    const second = new SqliteTelemetryStore(openDatabase(path), options);
    expect(second.latestSnapshot('node-a')).toEqual(snapshot(T0 + 2 * INTERVAL));
    const result = second.queryMetric({ nodeId: 'node-a', metric: 'cpu.util_pct', fromMs: T0, toMs: T0 + 2 * INTERVAL, maxPoints: 10 });
    expect(result.series[0]!.t).toEqual([T0, T0 + INTERVAL, T0 + 2 * INTERVAL]);
    second.close();
  });

  it('reports storage stats per tier', () => {
    const { store } = storeWith(800);
    store.flush();
    const stats = StorageStatsSchema.parse(store.stats());
    expect(stats.tiers.map((t) => t.tier)).toEqual(['raw', '1m', '1h', 'head']);
    const raw = stats.tiers[0]!;
    expect(raw.chunks).toBeGreaterThan(0);
    expect(raw.samples).toBe(800 * 14);
    expect(raw.bytes).toBeGreaterThan(0);
    expect(stats.retentionMs.raw).toBe(7 * 86_400_000);
    expect(stats.status.state).toBe('ok');
  });
});
