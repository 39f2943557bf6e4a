/**
 * A Prometheus source on a real VictoriaMetrics (Debian's victoria-metrics, single-node, its query
 * flags at their defaults) scraping a real node exporter and two dcgm-exporter captures: the same
 * source code as for Prometheus, nothing VictoriaMetrics-only but the `nocache` every instant query
 * carries. What differs there: "1" is a one-sample vector (no scalars), the build info is empty,
 * and an instant query near now answers as of 30 s before (-search.latencyOffset) unless told not to.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../electron/core/engine';
import { dcgmGpus } from '../../electron/core/sources/dcgm-map';
import { exposedSamples, parseExposition } from '../../electron/core/sources/exposition';
import { PrometheusClient } from '../../electron/core/sources/prometheus-client';
import { historyQuery, nodeMatcher } from '../../electron/core/sources/metric-queries';
import { rateWindow } from '../../electron/core/sources/prometheus-history';
import { serve, serveCapture, type LocalServer } from '../helpers/http-server';
import { DCGM_CAPTURES } from '../helpers/prometheus-gpu-lab';
import { httpGet, startNodeExporter, waitFor, type NodeExporterLab } from '../helpers/prometheus';
import { engineWith, sourceConfig, standaloneSource } from '../helpers/source-engine';
import { tempDir } from '../helpers/tmp';
import { startVictoriaMetrics, vmInstant, type VictoriaMetricsLab } from '../helpers/victoria-metrics';

const L4 = 'l4-drv580.105.08.kops-conformance.prom';
const T4 = 'tesla-t4-drv460.106.00-exporter2x.datadog.prom';
const L4_TEMPERATURE = /^(DCGM_FI_DEV_GPU_TEMP\{[^}]*\}) 31$/m;

const captureSamples = (text: string) => exposedSamples(parseExposition(text, { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 }));

let exporter: NodeExporterLab;
let dcgmA: LocalServer;
let dcgmB: LocalServer;
let vm: VictoriaMetricsLab;
let vmStartedAt: number;
/** The L4 capture as served now: its GPU temperature can be changed. */
let l4Text = readFileSync(join(DCGM_CAPTURES, L4), 'utf8');

beforeAll(async () => {
  expect(l4Text).toMatch(L4_TEMPERATURE);
  exporter = await startNodeExporter();
  dcgmA = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(l4Text));
  dcgmB = await serveCapture(join(DCGM_CAPTURES, T4));
  vmStartedAt = Date.now();
  vm = await startVictoriaMetrics([
    { job: 'node', targets: [exporter.address] },
    { job: 'dcgm', targets: [`127.0.0.1:${dcgmA.port}`] },
    { job: 'dcgm-b', targets: [`localhost:${dcgmB.port}`] },
  ]);
  // Every target scraped before the engine reads, whose ticks fall on whole seconds.
  await waitFor('3 targets scraped', async () => ((await vmInstant(vm.url, 'count(up == 1)', Date.now() - 1500))[0] === 3 ? true : null), 60_000);
}, 120_000);

afterAll(async () => {
  await vm?.stop();
  await exporter?.stop();
  await dcgmA?.close();
  await dcgmB?.close();
});

function vmEngine(): Engine {
  const configPath = join(tempDir(), 'config.yaml');
  writeFileSync(configPath, `collection:\n  intervalMs: 1000\nsources:\n  - id: prom\n    kind: prometheus\n    url: ${vm.url}\n`);
  return engineWith(configPath, undefined);
}

describe('a source on a real VictoriaMetrics', () => {
  it('test connection: connected to a Prometheus-compatible API with 2 nodes', async () => {
    const engine = vmEngine();
    try {
      const result = await engine.handlers['sources:test']({ source: sourceConfig(vm.url) });
      expect(result).toMatchObject({ ok: true, errorKind: null, version: null, nodeCount: 2 });
      expect(result.message).toBe(`Connected to ${vm.url}/ (a Prometheus-compatible API): 2 nodes with node_exporter or DCGM series by label instance.`);
    } finally {
      engine.close();
    }
  }, 30_000);

  it("discovers the nodes; values equal VictoriaMetrics' own at the same instant; GPUs from DCGM; a value just scraped is read, not the one of 30 s before", async () => {
    const engine = vmEngine();
    try {
      await engine.collectOnce();
      const snapshots = await engine.collectOnce();
      expect(
        engine
          .nodeStates()
          .map((s) => [s.id, s.kind])
          .sort(),
      ).toEqual([
        ['127.0.0.1', 'prometheus'],
        ['localhost', 'prometheus'],
      ]);
      expect(engine.nodeStates().find((s) => s.id === '127.0.0.1')).toMatchObject({ status: 'up', lastError: null });
      const node = snapshots.find((s) => s.id === '127.0.0.1')!;
      const at = node.collectedAt;
      // MemAvailable and the CPU seconds move with every scrape: equal only for the same instant.
      expect(node.memory?.totalBytes).toBe((await vmInstant(vm.url, 'node_memory_MemTotal_bytes', at))[0]);
      expect(node.memory?.availableBytes).toBe((await vmInstant(vm.url, 'node_memory_MemAvailable_bytes', at))[0]);
      expect(node.cpu?.cores).toBe((await vmInstant(vm.url, 'count(node_cpu_seconds_total{mode="idle"})', at))[0]);
      expect(node.filesystems.length).toBeGreaterThan(0);
      expect(node.gpus).toEqual(dcgmGpus(captureSamples(l4Text)));
      const gpuOnly = snapshots.find((s) => s.id === 'localhost')!;
      expect(gpuOnly.gpus).toEqual(dcgmGpus(captureSamples(readFileSync(join(DCGM_CAPTURES, T4), 'utf8'))));
      expect(gpuOnly.memory).toBeNull();

      // The L4 heats up; once VictoriaMetrics holds the new value, the next tick reads it.
      l4Text = l4Text.replace(L4_TEMPERATURE, '$1 77');
      const selector = 'DCGM_FI_DEV_GPU_TEMP{job="dcgm"}';
      await waitFor('the new temperature scraped', async () => ((await vmInstant(vm.url, selector, Date.now() - 1500))[0] === 77 ? true : null), 30_000);
      const after = (await engine.collectOnce()).find((s) => s.id === '127.0.0.1')!;
      expect(after.gpus.map((g) => g.temperatureC)).toEqual([77]);
      expect((await vmInstant(vm.url, selector, after.collectedAt))[0]).toBe(77);
    } finally {
      engine.close();
    }
  }, 60_000);

  it("charts from VictoriaMetrics' query_range: the points equal its own answer", async () => {
    const client = new PrometheusClient({ url: vm.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    const source = standaloneSource(client, { minHistoryStepMs: 1000 });
    try {
      await source.fetch(Date.now());
      // Points older than the latency offset (30 s), whose values no longer move as time passes.
      const settledBefore = vmStartedAt + 40_000;
      await waitFor('VictoriaMetrics running 40 s', async () => (Date.now() > settledBefore ? true : null), 60_000);
      const query = { nodeId: '127.0.0.1', metric: 'memory.used_bytes' as const, fromMs: vmStartedAt, toMs: settledBefore - 30_000, maxPoints: 200 };
      const answer = await source.history('127.0.0.1', query)!;
      expect(answer.stepMs).toBe(1000);
      const series = answer.series[0]!;
      expect(series.t.length).toBeGreaterThan(5);
      const plan = historyQuery('memory.used_bytes', nodeMatcher('instance', '127.0.0.1'), rateWindow(answer.stepMs));
      const params = new URLSearchParams({
        query: plan.expr,
        start: String(series.t[0]! / 1000),
        end: String(series.t.at(-1)! / 1000),
        step: String(answer.stepMs / 1000),
      });
      const own = (
        JSON.parse((await httpGet(`${vm.url}/api/v1/query_range?${params.toString()}`)).body) as {
          data: { result: Array<{ values: Array<[number, string]> }> };
        }
      ).data.result[0]!;
      expect(series.t).toEqual(own.values.map(([t]) => t * 1000));
      expect(series.v).toEqual(own.values.map(([, v]) => Number(v)));
    } finally {
      source.close();
      client.close();
    }
  }, 90_000);
});
