import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/config';
import { createEngine, type Engine } from '../../electron/core/engine';
import type { Logger } from '../../electron/core/log';
import { dcgmGpus } from '../../electron/core/sources/dcgm-map';
import { exposedSamples, parseExposition } from '../../electron/core/sources/exposition';
import { PrometheusClient } from '../../electron/core/sources/prometheus-client';
import type { QueryResult } from '../../electron/core/sources/prometheus-api';
import type { InstantQuerier, NodeReading } from '../../electron/core/sources/prometheus-source';
import { FAMILY_QUERIES } from '../../electron/core/sources/source-families';
import { forward, serve, type LocalServer } from '../helpers/http-server';
import { startGpuPrometheusLab, DCGM_CAPTURES, type GpuPrometheusLab } from '../helpers/prometheus-gpu-lab';
import { promInstant, startPrometheus, type PrometheusLab } from '../helpers/prometheus';
import { standaloneSource } from '../helpers/source-engine';
import { tempDir } from '../helpers/tmp';

const captureSamples = (file: string) =>
  exposedSamples(parseExposition(readFileSync(join(DCGM_CAPTURES, file), 'utf8'), { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 }));

/** In front of Prometheus: counts instant queries, can answer garbage instead, or late. */
async function proxyTo(upstream: string) {
  const state = { queries: 0, garbage: false, delayMs: 0 };
  const server = await serve((req, res) => {
    if (req.url?.startsWith('/api/v1/query')) state.queries += 1;
    if (state.garbage) {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>login</body></html>');
      return;
    }
    forward(upstream, req, res, { delayMs: state.delayMs });
  });
  return { ...server, state };
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe('a Prometheus source in the engine (real Prometheus, node exporter, dcgm-exporter capture)', () => {
  let lab: GpuPrometheusLab;
  let prometheus: PrometheusLab;

  beforeAll(async () => {
    // The node exporter and the L4 capture on one host (one node with both), the T4 capture on another (GPUs only).
    lab = await startGpuPrometheusLab();
    prometheus = lab.prometheus;
    // Every target scraped before the engine reads, whose ticks fall on whole seconds (else a
    // first tick may come before a GPU node's first scrape).
    for (let tries = 0; (await promInstant(prometheus.url, 'count(up == 1)', Date.now() - 1500))[0] !== 3; tries += 1) {
      if (tries > 300) throw new Error('Prometheus did not scrape its 3 targets');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);

  afterAll(() => lab?.stop());

  function engineFor(url: string, log: Logger, extra: Partial<Parameters<typeof createEngine>[0]> = {}): Engine {
    const dir = tempDir();
    const config = ConfigSchema.parse({ collection: { intervalMs: 1000 }, sources: [{ id: 'prom', kind: 'prometheus', url }] });
    return createEngine({
      config,
      dbPath: join(dir, 'clusterdeck.db'),
      configPath: join(dir, 'config.yaml'),
      mode: 'serve',
      log,
      includeLocal: false,
      useInventory: false,
      defaultRulesFile: null,
      knownHostsFile: join(dir, 'known_hosts'),
      userKnownHostsFiles: [],
      ...extra,
    });
  }

  it('discovers the nodes; values equal Prometheus’s own at the same instant; GPUs from DCGM; fixed queries per tick; down and garbage give a clear status', async () => {
    const proxy = await proxyTo(prometheus.url);
    const log = recordingLog();
    const engine = engineFor(proxy.url, log);
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
      const node = snapshots.find((s) => s.id === '127.0.0.1')!;
      const at = node.collectedAt;
      const [total] = await promInstant(prometheus.url, 'node_memory_MemTotal_bytes', at);
      const [available] = await promInstant(prometheus.url, 'node_memory_MemAvailable_bytes', at);
      expect(node.memory?.totalBytes).toBe(total);
      expect(node.memory?.availableBytes).toBe(available);
      expect(node.filesystems.length).toBeGreaterThan(0);
      const fs = node.filesystems[0]!;
      const sel = `{mountpoint=${JSON.stringify(fs.mount)},device=${JSON.stringify(fs.device)}}`;
      expect(fs.sizeBytes).toBe((await promInstant(prometheus.url, `node_filesystem_size_bytes${sel}`, at))[0]);
      expect(fs.availableBytes).toBe((await promInstant(prometheus.url, `node_filesystem_avail_bytes${sel}`, at))[0]);
      expect(node.cpu?.cores).toBe((await promInstant(prometheus.url, 'count(node_cpu_seconds_total{mode="idle"})', at))[0]);
      // The L4 capture flowed through Prometheus onto the node.
      expect(node.gpuStatus.state).toBe('ok');
      expect(node.gpus.map((g) => [g.productName, g.uuid, g.temperatureC])).toEqual([['NVIDIA L4', 'GPU-c2f76b33-7953-256e-8f33-1343419b1a1c', 31]]);
      const gpuOnly = snapshots.find((s) => s.id === 'localhost')!;
      expect(gpuOnly.gpus.length).toBeGreaterThan(0);
      // Asked for the mapped fields only, each GPU's identity labels read apart: the same GPUs
      // (values, UUID, bus id, model, driver, hence device keys) as mapping the exporter's own page.
      expect(node.gpus).toEqual(dcgmGpus(captureSamples('l4-drv580.105.08.kops-conformance.prom')));
      expect(gpuOnly.gpus).toEqual(dcgmGpus(captureSamples('tesla-t4-drv460.106.00-exporter2x.datadog.prom')));
      expect(gpuOnly.memory).toBeNull(); // no node exporter there: missing, not 0

      // One tick of two nodes costs the fixed family queries, not a set per node.
      proxy.state.queries = 0;
      await engine.collectOnce();
      expect(proxy.state.queries).toBe(FAMILY_QUERIES.length);

      proxy.state.garbage = true;
      await engine.collectOnce();
      for (const state of engine.nodeStates()) {
        expect(state.status).toBe('unreachable');
        expect(state.lastError).toMatch(/source prom: .*is not a Prometheus API: it answered an HTML page/);
      }

      await proxy.close();
      await engine.collectOnce();
      for (const state of engine.nodeStates()) {
        expect(state.status).toBe('unreachable');
        expect(state.lastError).toMatch(/source prom: .* is unreachable: connection refused/);
      }
      expect(engine.status().state).not.toBe('stopped');
    } finally {
      engine.close();
      await proxy.close();
    }
  }, 60_000);

  it('with a reading budget, an answer later than it feeds the next tick, and no query is sent on top of one still coming', async () => {
    const proxy = await proxyTo(prometheus.url);
    const client = new PrometheusClient({ url: proxy.url, timeoutMs: 20_000, maxResponseBytes: 16 * 1024 * 1024 });
    let budgetMs: number | null = null;
    const source = standaloneSource(client, { readingBudgetMs: () => budgetMs });
    try {
      const t = Math.floor((Date.now() - 1000) / 1000) * 1000;
      // Without a budget a reading waits for the answer.
      expect((await source.reading('127.0.0.1', t)).snapshot?.collectedAt).toBe(t);
      // Answers far later than the budget: this tick has no values, the node keeps its state.
      budgetMs = 200;
      proxy.state.delayMs = 3000;
      expect(await source.reading('127.0.0.1', t + 1000)).toMatchObject({ snapshot: null, keepState: true });
      await source.fetch(t + 1000); // the one still coming
      // The next tick is late too: the answer for t + 1000, come since, feeds it.
      const fed = await source.reading('127.0.0.1', t + 2000);
      expect(fed.snapshot?.collectedAt).toBe(t + 1000);
      expect(fed.status).toBe('up');
      // The answer for t + 2000 is still coming: the next ticks wait for it, not ask again.
      const queries = proxy.state.queries;
      const late = [];
      for (const at of [t + 3000, t + 4000, t + 5000]) late.push(await source.reading('127.0.0.1', at));
      expect(proxy.state.queries).toBe(queries);
      expect(late.map((r) => [r.snapshot, r.keepState])).toEqual([
        [null, true],
        [null, true],
        [null, false],
      ]);
      expect(late[2]!.lastError).toMatch(/^source p: its answer for .* is later than the tick allows/);
      await source.fetch(t + 2000);
      expect((await source.reading('127.0.0.1', t + 6000)).snapshot?.collectedAt).toBe(t + 2000);
      // An answer in time is this tick's own.
      await source.fetch(t + 6000);
      proxy.state.delayMs = 0;
      expect((await source.reading('127.0.0.1', t + 7000)).snapshot?.collectedAt).toBe(t + 7000);
    } finally {
      source.close();
      await proxy.close();
    }
  }, 60_000);

  it("does not hold a fetch up for the minute's GPU identity read: the last read serves, the next fetch has the new one", async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    const identityReads: number[] = [];
    let release = () => {};
    let heldRead: Promise<QueryResult> | null = null;
    const holding: InstantQuerier = {
      url: client.url,
      query: (expr, atMs) => {
        if (!expr.startsWith('count by')) return client.query(expr, atMs);
        identityReads.push(atMs!);
        if (identityReads.length === 1) return client.query(expr, atMs);
        // The minute's read: held until released, and it answers a renamed model (as after a driver swap).
        const released = new Promise<void>((resolve) => (release = resolve));
        heldRead = released
          .then(() => client.query(expr, atMs))
          .then((result) =>
            result.resultType === 'vector'
              ? { ...result, samples: result.samples.map((s) => ({ ...s, labels: { ...s.labels, modelName: `${s.labels.modelName} renamed` } })) }
              : result,
          );
        return heldRead;
      },
      close: () => client.close(),
    };
    const source = standaloneSource(holding);
    const modelsOf = (readings: Map<string, NodeReading>) => [...readings.values()].flatMap((r) => r.snapshot?.gpus.map((g) => g.productName) ?? []).sort();
    try {
      const at = Date.now() - 1000;
      const first = modelsOf(await source.readAll(at));
      expect(first).toEqual(['NVIDIA L4', 'Tesla T4']);
      // A minute on, the read is due and asked, but held: the fetch answers without it, with the last read's labels.
      const stillHeld = Symbol('the fetch waited for the held identity read');
      let timer: NodeJS.Timeout | undefined;
      const later = await Promise.race([source.readAll(at + 61_000), new Promise<symbol>((resolve) => (timer = setTimeout(() => resolve(stillHeld), 15_000)))]);
      clearTimeout(timer);
      expect(later).not.toBe(stillHeld);
      expect(modelsOf(later as Map<string, NodeReading>)).toEqual(first);
      expect(identityReads).toEqual([at, at + 61_000]);
      release();
      await heldRead;
      await new Promise((resolve) => setImmediate(resolve));
      expect(modelsOf(await source.readAll(at + 66_000))).toEqual(['NVIDIA L4 renamed', 'Tesla T4 renamed']);
      expect(identityReads).toHaveLength(2);
    } finally {
      release();
      source.close();
    }
  }, 60_000);

  it('a node already collected over SSH (same host name) is not added twice', async () => {
    const log = recordingLog();
    const engine = engineFor(prometheus.url, log, {
      sshNodes: [{ id: 'gpu-b', host: 'localhost', port: 1, user: 'nobody', identityFiles: [], useAgent: false, proxyJump: [], labels: [] }],
    });
    try {
      await engine.collectOnce();
      expect(
        engine
          .nodeStates()
          .map((s) => [s.id, s.kind])
          .sort(),
      ).toEqual([
        ['127.0.0.1', 'prometheus'],
        ['gpu-b', 'ssh'],
      ]);
      expect(log.lines).toContain("source prom: node localhost is already collected as gpu-b; that collection is kept, the source's is not added");
    } finally {
      engine.close();
    }
  }, 60_000);
});

describe("a source's GPU identity labels (bus id, model, driver), read apart from the fields", () => {
  let exporter: LocalServer;
  let prometheus: PrometheusLab;
  // An exporter configured with one field only (none of those every exporter has by default).
  const onlyClock =
    readFileSync(join(DCGM_CAPTURES, 'l40s-drv595.58.03.upcloud-conformance.prom'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('DCGM_FI_DEV_SM_CLOCK'))
      .join('\n') + '\n';

  beforeAll(async () => {
    exporter = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(onlyClock));
    prometheus = await startPrometheus({ jobs: [{ job: 'dcgm', targets: [`127.0.0.1:${exporter.port}`] }] });
    for (let tries = 0; (await promInstant(prometheus.url, 'count(up == 1)', Date.now() - 1500))[0] !== 1; tries += 1) {
      if (tries > 300) throw new Error('Prometheus did not scrape its target');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 90_000);

  afterAll(async () => {
    await prometheus?.stop();
    await exporter?.close();
  });

  it('finds a GPU missing from the read over the common fields by a read over every field; then once a minute', async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    const identityReads: string[] = [];
    const counting: InstantQuerier = {
      url: client.url,
      query: (expr, atMs) => {
        if (expr.startsWith('count by')) identityReads.push(expr);
        return client.query(expr, atMs);
      },
      close: () => client.close(),
    };
    const source = standaloneSource(counting);
    try {
      const at = Date.now() - 1000;
      // Later instants read the last scrape too (Prometheus looks back 5 minutes).
      const gpusAt = async (atMs: number) => (await source.readAll(atMs)).get('127.0.0.1')!.snapshot!.gpus;
      const expected = dcgmGpus(exposedSamples(parseExposition(onlyClock, { maxSeries: 1000, maxBytes: 1024 * 1024 })));
      expect(expected.map((g) => [g.uuid, g.productName, g.pciBusId])).toEqual([
        ['GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43', 'NVIDIA L40S', '00000000:00:07.0'],
      ]);
      // Not found over the common fields: the same device (UUID, hence device key), no model yet.
      expect((await gpusAt(at)).map((g) => [g.uuid, g.productName])).toEqual([['GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43', null]]);
      expect(await gpusAt(at + 11_000)).toEqual(expected);
      expect(await gpusAt(at + 30_000)).toEqual(expected);
      expect(await gpusAt(at + 72_000)).toEqual(expected);
      expect(identityReads.map((expr) => expr.includes('SM_CLOCK'))).toEqual([false, true, true]);
    } finally {
      source.close();
    }
  }, 60_000);

  it('says so when the identity query fails before any answered; the GPUs are there, without their model', async () => {
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 10_000, maxResponseBytes: 16 * 1024 * 1024 });
    const failing: InstantQuerier = {
      url: client.url,
      // The same query with a syntax error: Prometheus itself refuses it.
      query: (expr, atMs) => client.query(expr.startsWith('count by') ? `${expr})` : expr, atMs),
      close: () => client.close(),
    };
    const source = standaloneSource(failing);
    try {
      const reading = (await source.readAll(Date.now() - 1000)).get('127.0.0.1')!;
      expect(reading.status).toBe('degraded');
      expect(reading.lastError).toMatch(/^source p: the GPU identity query failed \(its metrics are missing\): /);
      expect(reading.snapshot!.gpus.map((g) => [g.uuid, g.productName])).toEqual([['GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43', null]]);
    } finally {
      source.close();
    }
  }, 60_000);
});
