/**
 * A source read more often than Prometheus scrapes (the common case: scrapes every 15 s to 1 min,
 * ticks every 5 s). Real Prometheus scraping a real node exporter every 3 s, read at instants
 * 1 s apart: readings between the same two scrapes carry the same samples, and their rates must
 * be the last two distinct scrapes' (as Prometheus's own answers give them), not missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../electron/core/sources/prometheus-client';
import { promInstant, startNodeExporter, startPrometheus, waitFor, type NodeExporterLab, type PrometheusLab } from '../helpers/prometheus';
import { standaloneSource } from '../helpers/source-engine';

const SCRAPE_S = 3;

describe('a source read more often than Prometheus scrapes (real Prometheus, node exporter every 3 s)', () => {
  let exporter: NodeExporterLab;
  let prometheus: PrometheusLab;

  beforeAll(async () => {
    exporter = await startNodeExporter();
    prometheus = await startPrometheus({ jobs: [{ job: 'node', targets: [exporter.address], scrapeIntervalS: SCRAPE_S }] });
    // Five scrapes, the first 12 s ago or more: the readings below (over the last 10 s) have samples and span three scrapes.
    await waitFor(
      'five scrapes of the node exporter',
      async () => (((await promInstant(prometheus.url, 'count_over_time(node_time_seconds[1m])'))[0] ?? 0) >= 5 ? true : null),
      60_000,
    );
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('gives every reading after the second scrape its CPU and network rates, those of the last two distinct scrapes', async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    const source = standaloneSource(client);
    const nodeId = exporter.address.split(':')[0]!;
    const startMs = Date.now() - 10_000;
    const readings: Array<{ atMs: number; scrapeMs: number; util: number | null; rx: Map<string, number | null> }> = [];
    try {
      for (let i = 0; i <= 10; i += 1) {
        const atMs = startMs + i * 1000;
        const reading = (await source.readAll(atMs)).get(nodeId);
        const snapshot = reading?.snapshot;
        expect(snapshot, `a reading at +${i} s`).toBeTruthy();
        const [scrapeS] = await promInstant(prometheus.url, 'timestamp(node_time_seconds)', atMs);
        readings.push({
          atMs,
          scrapeMs: Math.round(scrapeS! * 1000),
          util: snapshot!.cpu?.utilPct ?? null,
          rx: new Map(snapshot!.network.map((n) => [n.iface, n.rxBytesPerSec])),
        });
      }
    } finally {
      source.close();
    }
    const scrapes = [...new Set(readings.map((r) => r.scrapeMs))];
    expect(scrapes.length).toBeGreaterThanOrEqual(3);
    // Each reading of the second scrape on: rates over its scrape and the one before, as Prometheus has them.
    for (const r of readings.filter((x) => x.scrapeMs !== scrapes[0])) {
      const before = scrapes[scrapes.indexOf(r.scrapeMs) - 1]!;
      const at = async (expr: string, ms: number) => (await promInstant(prometheus.url, expr, ms))[0]!;
      // Each mode's seconds over both scrapes, a mode that went back counted as 0 (Linux's iowait can), as /proc/stat's are.
      const modes = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'];
      const deltas = new Map<string, number>();
      for (const mode of modes) {
        const expr = `sum(node_cpu_seconds_total{mode="${mode}"})`;
        deltas.set(mode, Math.max(0, (await at(expr, r.scrapeMs)) - (await at(expr, before))));
      }
      const total = [...deltas.values()].reduce((a, b) => a + b, 0);
      const idle = deltas.get('idle')! + deltas.get('iowait')!;
      expect(r.util, `CPU use at ${new Date(r.atMs).toISOString()}`).not.toBeNull();
      expect(r.util!).toBeCloseTo(((total - idle) / total) * 100, 1);
      const seconds = (await at('node_time_seconds', r.scrapeMs)) - (await at('node_time_seconds', before));
      expect(r.rx.size).toBeGreaterThan(0);
      for (const [iface, rate] of r.rx) {
        const rxExpr = `node_network_receive_bytes_total{device=${JSON.stringify(iface)}}`;
        const expected = ((await at(rxExpr, r.scrapeMs)) - (await at(rxExpr, before))) / seconds;
        expect(rate, `${iface} receive rate at ${new Date(r.atMs).toISOString()}`).toBe(Math.round(expected));
      }
    }
  });

  it('charts a node at steps no finer than its scrapes, so that every point of a rate has two samples', async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    // The floor a test source uses (1 s): only what the source sees of the scrapes can raise it.
    const source = standaloneSource(client, { minHistoryStepMs: 1000 });
    const nodeId = exporter.address.split(':')[0]!;
    try {
      // 45 s of scrapes: the chart below (15 s, rates over up to 20 s before each point) has samples throughout.
      await waitFor(
        'sixteen scrapes',
        async () => (((await promInstant(prometheus.url, 'count_over_time(node_time_seconds[1m])'))[0] ?? 0) >= 16 ? true : null),
        60_000,
      );
      const nowMs = Date.now();
      for (let atMs = nowMs - 8000; atMs <= nowMs; atMs += 1000) expect((await source.readAll(atMs)).get(nodeId)?.snapshot).toBeTruthy();
      for (const metric of ['cpu.util_pct', 'net.rx_bytes_per_sec'] as const) {
        const result = await source.history(nodeId, { nodeId, metric, fromMs: nowMs - 15_000, toMs: nowMs - 1000, maxPoints: 100 })!;
        expect(result.stepMs, metric).toBeGreaterThanOrEqual(SCRAPE_S * 1000);
        const startMs = Math.floor((nowMs - 15_000) / result.stepMs) * result.stepMs;
        const endMs = Math.floor((nowMs - 1000) / result.stepMs) * result.stepMs;
        expect(result.series.length, metric).toBeGreaterThan(0);
        for (const series of result.series) {
          expect(series.t, `${metric} ${series.device}: a point at every step`).toEqual(
            Array.from({ length: (endMs - startMs) / result.stepMs + 1 }, (_, i) => startMs + i * result.stepMs),
          );
        }
      }
    } finally {
      source.close();
    }
  });
});
