/**
 * A Prometheus source's node charted through the engine's own metrics:query (the path every UI
 * takes): the history comes from the source (query_range, its step), equal to Prometheus's own
 * answer for the same expression; once the source is down, the ticks the engine stored chart.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../electron/core/config';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { historyQuery, nodeMatcher } from '../../electron/core/sources/metric-queries';
import { rateWindow } from '../../electron/core/sources/prometheus-history';
import { httpGet, startNodeExporter, startPrometheus, waitFor, type NodeExporterLab, type PrometheusLab } from '../helpers/prometheus';
import { tempDir } from '../helpers/tmp';

let exporter: NodeExporterLab;
let prometheus: PrometheusLab;
let engine: Engine;

beforeAll(async () => {
  exporter = await startNodeExporter();
  prometheus = await startPrometheus({ jobs: [{ job: 'node', targets: [exporter.address] }] });
  const dir = tempDir();
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, `collection:\n  intervalMs: 1000\nsources:\n  - id: prom\n    kind: prometheus\n    url: ${prometheus.url}\n`);
  engine = createEngine({
    config: loadConfig(configPath),
    dbPath: join(dir, 'clusterdeck.db'),
    configPath,
    mode: 'serve',
    log: silentLogger,
    includeLocal: false,
    useInventory: false,
    defaultRulesFile: null,
    knownHostsFile: join(dir, 'known_hosts'),
    userKnownHostsFiles: [],
  });
  // Until Prometheus has a sample of the exporter and the engine has collected it twice (rates).
  await waitFor('the source node collected', async () => {
    const snapshots = await engine.collectOnce();
    return snapshots.filter((s) => s.memory !== null).length > 0 ? true : null;
  });
  await new Promise((done) => setTimeout(done, 1100));
  await engine.collectOnce();
}, 120_000);

afterAll(async () => {
  engine?.close();
  await prometheus?.stop();
  await exporter?.stop();
});

interface RangeAnswer {
  values: Array<[number, string]>;
}

describe('a source node charted through metrics:query', () => {
  it("answers from the source with its step, values equal to Prometheus's own query_range; from the local store once the source is down", async () => {
    const nodeId = (await engine.handlers['nodes:states']({})).find((s) => s.kind === 'prometheus')!.id;
    // Prometheus has scraped for seconds only: wait until a step-aligned point holds a sample.
    const queryNow = () => ({ nodeId, metric: 'memory.used_bytes' as const, fromMs: Date.now() - 10 * 60_000, toMs: Date.now(), maxPoints: 40 });
    let query = queryNow();
    const fromSource = await waitFor(
      'a point of history from the source',
      async () => {
        query = queryNow();
        const answer = await engine.handlers['metrics:query'](query);
        return answer.series.length > 0 ? answer : null;
      },
      90_000,
    );
    expect(fromSource.stepMs).toBeGreaterThanOrEqual(15_000); // the source's step, not the engine's 1 s ticks
    const series = fromSource.series[0]!;
    expect(series.v.length).toBeGreaterThan(0);

    const plan = historyQuery('memory.used_bytes', nodeMatcher('instance', nodeId), rateWindow(fromSource.stepMs));
    const params = new URLSearchParams({
      query: plan.expr,
      start: String(series.t[0]! / 1000),
      end: String(series.t.at(-1)! / 1000),
      step: String(fromSource.stepMs / 1000),
    });
    const own = (JSON.parse((await httpGet(`${prometheus.url}/api/v1/query_range?${params.toString()}`)).body) as { data: { result: RangeAnswer[] } }).data
      .result[0]!;
    expect(series.v).toEqual(own.values.map(([, v]) => Number(v)));
    expect(series.t).toEqual(own.values.map(([t]) => t * 1000));

    await prometheus.stop();
    // A window not asked before (a cached answer would still be served): the source is asked, fails, the store answers.
    const fromStore = await engine.handlers['metrics:query']({ ...query, fromMs: query.fromMs - 3_600_000, toMs: Date.now() + 1000, maxPoints: 10_000 });
    expect(fromStore.tier).toBe('raw');
    expect(fromStore.stepMs).toBe(1000); // the engine's own ticks
    expect(fromStore.series[0]!.v.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
