/**
 * A Prometheus source's chart history, its families failing one by one, and its vanished nodes,
 * against a real Prometheus scraping a real node exporter and dcgm-exporter captures.
 */
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricQuery } from '../../shared/contract';
import { gpuDeviceKey, METRICS, type MetricName } from '../../shared/model/metrics';
import type { Logger } from '../../electron/core/log';
import type { NodeCollector } from '../../electron/core/collectors/node-collector';
import { historyQuery, nodeMatcher } from '../../electron/core/sources/metric-queries';
import { PrometheusClient } from '../../electron/core/sources/prometheus-client';
import { rateWindow } from '../../electron/core/sources/prometheus-history';
import { PrometheusNodeCollector } from '../../electron/core/sources/prometheus-node-collector';
import { PrometheusSource, type InstantQuerier, type PrometheusSourceOptions } from '../../electron/core/sources/prometheus-source';
import { forward, serve, type LocalServer } from '../helpers/http-server';
import { promInstant, promRange, scrapeConfig, waitFor, type PrometheusLab, type ScrapeJob } from '../helpers/prometheus';
import { startGpuPrometheusLab, type GpuPrometheusLab } from '../helpers/prometheus-gpu-lab';

type ProxyMode = { kind: 'pass' } | { kind: 'reject'; family: RegExp; status: number; body: string } | { kind: 'hang' };

/** In front of Prometheus: passes queries on, or rejects those whose query matches, or never answers. */
async function proxyTo(upstream: string) {
  const state: { mode: ProxyMode } = { mode: { kind: 'pass' } };
  const server = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const mode = state.mode;
      if (mode.kind === 'hang') return; // answers nothing, ever
      const query = new URLSearchParams(body.toString('utf8')).get('query') ?? '';
      if (mode.kind === 'reject' && req.url === '/api/v1/query' && mode.family.test(query)) {
        res.writeHead(mode.status, { 'content-type': 'application/json' }).end(mode.body);
        return;
      }
      forward(upstream, req, res, { body });
    });
  });
  return { ...server, state };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

/** A real client, counting its range queries. */
function countingClient(url: string, timeoutMs = 5000): InstantQuerier & { ranges: number } {
  const client = new PrometheusClient({ url, timeoutMs, maxResponseBytes: 64 * 1024 * 1024 });
  const counting = {
    url: client.url,
    ranges: 0,
    query: (expr: string, atMs?: number) => client.query(expr, atMs),
    queryRange: (expr: string, startMs: number, endMs: number, stepMs: number) => {
      counting.ranges += 1;
      return client.queryRange(expr, startMs, endMs, stepMs);
    },
    close: () => client.close(),
  };
  return counting;
}

function sourceOf(client: InstantQuerier, extra: Partial<PrometheusSourceOptions> = {}) {
  const collectors = new Map<string, NodeCollector>();
  const removed: string[] = [];
  const log = recordingLog();
  const source = new PrometheusSource({
    id: 'prom',
    client,
    nodeLabel: 'instance',
    log,
    alreadyCollected: () => null,
    addNode: (collector) => collectors.set(collector.nodeId, collector),
    removeNode: (nodeId) => {
      removed.push(nodeId);
      collectors.delete(nodeId);
    },
    minHistoryStepMs: 1000,
    ...extra,
  });
  return { source, collectors, removed, log };
}

describe('a Prometheus source: history, failing families, vanished nodes (real Prometheus)', () => {
  let lab: GpuPrometheusLab;
  let dcgmB: LocalServer;
  let prometheus: PrometheusLab;
  let jobs: ScrapeJob[];

  beforeAll(async () => {
    lab = await startGpuPrometheusLab();
    ({ dcgmB, prometheus, jobs } = lab);
    // Enough history for a 10 s chart with 4 s rate windows before it: wait on the samples, not a clock.
    await waitFor(
      'twenty scrapes in Prometheus',
      async () => (((await promInstant(prometheus.url, 'count_over_time(node_load1[60s])'))[0] ?? 0) >= 20 ? true : null),
      60_000,
    );
  }, 120_000);

  afterAll(() => lab?.stop());

  it('history equals Prometheus’s own query_range for the same expression, with the live devices; missing stays empty; a re-asked window is cached', async () => {
    const client = countingClient(prometheus.url);
    const frozenNow = Date.now();
    const { source, collectors } = sourceOf(client, { now: () => frozenNow });
    try {
      await source.discover(frozenNow);
      const node = collectors.get('127.0.0.1') as PrometheusNodeCollector;
      const gpuOnly = collectors.get('localhost') as PrometheusNodeCollector;
      expect(node).toBeInstanceOf(PrometheusNodeCollector);
      await node.collect(frozenNow - 2000);
      const live = (await node.collect(frozenNow))!;

      const toMs = Math.floor(frozenNow / 1000) * 1000 - 900;
      const ask = (metric: MetricName, collector = node, shiftMs = 0) => {
        const query: MetricQuery = { nodeId: collector.nodeId, metric, fromMs: toMs - 10_000 + shiftMs, toMs: toMs + shiftMs, maxPoints: 100 };
        return collector.history(query)!;
      };
      const labelOf: Partial<Record<MetricName, string>> = {
        'fs.used_pct': 'mountpoint',
        'net.rx_bytes_per_sec': 'device',
        'disk.write_bytes_per_sec': 'device',
        'gpu.temperature_c': 'UUID',
        'gpu.power_w': 'UUID',
      };
      const liveDevices: Partial<Record<MetricName, string[]>> = {
        'fs.used_pct': live.filesystems.map((f) => f.mount),
        'net.rx_bytes_per_sec': live.network.map((n) => n.iface),
        'gpu.temperature_c': live.gpus.map(gpuDeviceKey),
      };
      for (const metric of [
        'memory.used_bytes',
        'memory.used_pct',
        'cpu.util_pct',
        'cpu.load1',
        'fs.used_pct',
        'net.rx_bytes_per_sec',
        'disk.write_bytes_per_sec',
        'gpu.temperature_c',
        'gpu.power_w',
      ] as const) {
        const result = await ask(metric);
        expect(result).toMatchObject({ metric, unit: METRICS[metric].unit, tier: 'raw', stepMs: 1000 });
        expect(result.series.length, metric).toBeGreaterThan(0);
        const startMs = Math.floor((toMs - 10_000) / 1000) * 1000;
        const endMs = Math.floor(toMs / 1000) * 1000;
        const { expr } = historyQuery(metric, nodeMatcher('instance', '127.0.0.1'), rateWindow(1000));
        const own = await promRange(prometheus.url, expr, startMs, endMs, 1000);
        for (const series of result.series) {
          const label = labelOf[metric];
          const match = own.find((r) => (label === undefined ? true : r.metric[label] === series.device));
          expect(match, `${metric} ${series.device}`).toBeDefined();
          expect(series.t, `${metric} ${series.device}`).toEqual(match!.values.map(([t]) => Math.round(t * 1000)));
          expect(series.v, `${metric} ${series.device}`).toEqual(match!.values.map(([, v]) => Number(v)));
          expect(series.t.length).toBeGreaterThanOrEqual(9);
        }
        // The same devices as the live series the store holds (so a chart's legend does not change).
        const devices = liveDevices[metric];
        if (devices) expect(result.series.map((s) => s.device).sort(), metric).toEqual([...devices].sort());
      }
      expect((await ask('net.rx_bytes_per_sec')).series.map((s) => s.device)).not.toContain('lo');

      // What the source does not have is no series (missing), not zeros.
      expect((await ask('memory.used_bytes', gpuOnly)).series).toEqual([]);
      expect((await ask('gpu.temperature_c', gpuOnly)).series.length).toBe(1);

      // A live chart asking the same window again, a moment later in the same step: the cache answers.
      const before = client.ranges;
      await ask('memory.used_bytes');
      await ask('memory.used_bytes', node, 500);
      expect(client.ranges).toBe(before);
      await ask('memory.used_bytes', node, 1000);
      await ask('swap.used_bytes');
      expect(client.ranges).toBe(before + 2);
    } finally {
      source.close();
    }
  }, 60_000);

  it('a family the server rejects leaves its part missing and the nodes degraded; all failing, 401 on up, or a silent source make them unreachable', async () => {
    const proxy = await proxyTo(prometheus.url);
    const client = countingClient(proxy.url, 1500);
    const { source, collectors } = sourceOf(client);
    try {
      await source.discover(Date.now());
      const node = collectors.get('127.0.0.1')!;
      proxy.state.mode = {
        kind: 'reject',
        family: /node_memory_/,
        status: 422,
        body: JSON.stringify({ status: 'error', errorType: 'execution', error: 'query processing would load too many samples into memory' }),
      };
      const snapshot = (await node.collect(Date.now()))!;
      expect(node.state().status).toBe('degraded');
      expect(node.state().lastError).toMatch(/^source prom: the memory query failed \(its metrics are missing\): .*422.*too many samples/);
      expect(snapshot.memory).toBeNull();
      expect(snapshot.cpu?.cores).toBeGreaterThan(0);
      expect(snapshot.filesystems.length).toBeGreaterThan(0);
      expect(snapshot.gpus.length).toBe(1);

      proxy.state.mode = {
        kind: 'reject',
        family: /./,
        status: 503,
        body: JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'store gateway down' }),
      };
      expect(await node.collect(Date.now())).toBeNull();
      expect(node.state().status).toBe('unreachable');
      expect(node.state().lastError).toMatch(/^source prom: .* answered HTTP 503: unavailable: store gateway down/);

      proxy.state.mode = { kind: 'reject', family: /^up$/, status: 401, body: 'no' };
      expect(await node.collect(Date.now())).toBeNull();
      expect(node.state()).toMatchObject({ status: 'unreachable' });
      expect(node.state().lastError).toMatch(/refused the credentials \(HTTP 401/);

      proxy.state.mode = { kind: 'hang' };
      expect(await node.collect(Date.now())).toBeNull();
      expect(node.state().status).toBe('unreachable');
      expect(node.state().lastError).toMatch(/did not answer within 1500 ms/);

      proxy.state.mode = { kind: 'pass' };
      await node.collect(Date.now());
      expect(node.state().status).toBe('up');
    } finally {
      source.close();
      await proxy.close();
    }
  }, 60_000);

  it('a node with no series any more goes unreachable, then leaves; it comes back through discovery', async () => {
    const client = countingClient(prometheus.url);
    const { source, collectors, removed } = sourceOf(client, { vanishAfterMs: 3000 });
    const configFile = prometheus.process.child.spawnargs.find((a) => a.startsWith('--config.file='))!.slice('--config.file='.length);
    const reload = async (withJobs: ScrapeJob[]) => {
      writeFileSync(configFile, scrapeConfig(withJobs));
      prometheus.process.child.kill('SIGHUP');
    };
    try {
      await source.discover(Date.now());
      expect([...collectors.keys()].sort()).toEqual(['127.0.0.1', 'localhost']);
      // The job stays, without its target (a dropped target's series are marked stale at once).
      await reload(jobs.map((j) => (j.job === 'dcgm-b' ? { ...j, targets: [] } : j)));
      await waitFor('the dcgm-b series gone stale', async () =>
        (await promInstant(prometheus.url, `count({instance="localhost:${dcgmB.port}"})`)).length === 0 ? true : null,
      );
      const gone = collectors.get('localhost')!;
      expect(await gone.collect(Date.now())).toBeNull();
      expect(gone.state().status).toBe('unreachable');
      expect(gone.state().lastError).toMatch(
        /^source prom: the source has no series for it at .* \(none since .*; it leaves the fleet in \d+ s unless it comes back\)/,
      );
      await waitFor('the vanished node removed', async () => {
        const now = Date.now();
        await Promise.all([...collectors.values()].map((c) => c.collect(now)));
        source.adoptDiscovered();
        return removed.includes('localhost') ? true : null;
      });
      expect(removed).toEqual(['localhost']);
      expect([...collectors.keys()]).toEqual(['127.0.0.1']);

      await reload(jobs);
      await waitFor('the node discovered again', async () => {
        await source.discover(Date.now());
        return collectors.has('localhost') ? true : null;
      });
      const back = collectors.get('localhost')!;
      expect((await back.collect(Date.now()))?.gpus.length).toBe(1);
    } finally {
      source.close();
    }
  }, 90_000);
});
