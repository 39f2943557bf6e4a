/**
 * The engine phase of `bench prometheus`, in a Node process of its own (forked by
 * prometheus-bench.ts) so that its CPU time and RSS are the engine's alone. The engine runs as
 * `serve` runs it (createEngine, the scheduler, the SQLite store on a file) with one
 * Prometheus-compatible source and no other node; each tick is timed by the engine itself
 * (status.lastTickDurationMs). After the window: chart latency through metrics:query, the raw
 * query_range of the same node through the source's client, and what one tick's family queries
 * cost on their own (HTTP, JSON, validation) with their answers' sizes.
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import { ConfigSchema } from '../shared/config';
import type { MetricQuery } from '../shared/contract';
import { createEngine } from '../electron/core/engine';
import { tuneHeapForLongRun } from '../electron/core/heap-tuning';
import type { Logger } from '../electron/core/log';
import { PrometheusClient } from '../electron/core/sources/prometheus-client';
import { dcgmIdentityQuery, FAMILY_QUERIES } from '../electron/core/sources/source-families';
import { SOURCE_MAX_RESPONSE_BYTES } from '../electron/core/sources/source-client';
import type { OpenPeriod } from './stats';

export interface PromEngineJob {
  url: string;
  intervalMs: number;
  durationMs: number;
  dbPath: string;
  /** Nodes the source should bring (the window waits at most one interval more for them). */
  expectedNodes: number;
  /** The node whose charts are timed (an address: the source strips the port). */
  chartNode: string;
}

export interface PromTick {
  durationMs: number;
  /** Snapshots collected in this tick, and those with a CPU, memory or GPU value in them. */
  answered: number;
  withValues: number;
  gpus: number;
  cpuMs: number;
  rssMb: number;
}

export interface Timed {
  what: string;
  ms: number[];
  /** Points or samples in the answer, and where it came from. */
  points: number;
  note: string;
}

export interface PromEngineRun {
  startMs: number;
  nodesAtStart: number;
  nodesAtEnd: number;
  upAtEnd: number;
  ticks: PromTick[];
  window: { seconds: number; cpuMs: number };
  memory: { peakRssMb: number; hwmRssMb: number | null; endHeapUsedMb: number };
  /** The store's open hour in memory at the end of the window. */
  openPeriod: OpenPeriod;
  /** One tick's queries on their own: each family's time and answer size (uncompressed JSON). */
  families: Array<{ expr: string; ms: number; bytes: number; samples: number }>;
  fetchOnlyMs: number[];
  charts: Timed[];
  problems: Array<{ message: string; count: number }>;
  logged: Array<{ message: string; count: number }>;
  /** One collected node, to show that values came through. */
  sample: { id: string; cpuUtilPct: number | null; memUsedBytes: number | null; gpus: number; gpuUtilPct: number | null } | null;
}

const mb = (bytes: number) => bytes / 2 ** 20;
const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function highWaterMarkMb(): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

function countInto(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** One instant query's raw answer size (no gzip), to say where a tick's bytes are. */
function rawQuery(url: string, expr: string, atMs: number): Promise<{ bytes: number; ms: number; samples: number }> {
  const body = new URLSearchParams({ query: expr, time: String(atMs / 1000) }).toString();
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL('api/v1/query', url.endsWith('/') ? url : `${url}/`),
      { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const samples = (JSON.parse(text) as { data?: { result?: unknown[] } }).data?.result?.length ?? 0;
          resolve({ bytes: Buffer.byteLength(text), ms: performance.now() - started, samples });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function timed<T>(runs: number, fn: () => Promise<T>): Promise<{ ms: number[]; last: T }> {
  const ms: number[] = [];
  let last: T | undefined;
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    last = await fn();
    ms.push(performance.now() - started);
  }
  return { ms, last: last as T };
}

export async function runPromEngineJob(job: PromEngineJob): Promise<PromEngineRun> {
  const logged = new Map<string, number>();
  const log: Logger = {
    info: () => {},
    warn: (message) => countInto(logged, `warning: ${message.replace(/node \S+/g, 'node N')}`),
    error: (message, error) => countInto(logged, `error: ${message}${error instanceof Error ? `: ${error.message}` : ''}`),
  };
  const engine = createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: job.intervalMs }, sources: [{ id: 'bench', kind: 'prometheus', url: job.url, timeoutMs: 30_000 }] }),
    dbPath: job.dbPath,
    configPath: '/nonexistent/clusterdeck-bench-config.yaml',
    mode: 'serve',
    log,
    includeLocal: false,
    useInventory: false,
    sshNodes: [],
  });

  let windowOpen = false;
  let seenTicks = 0;
  let answered = 0;
  let withValues = 0;
  let gpus = 0;
  let lastCpu = process.cpuUsage();
  const ticks: PromTick[] = [];
  let sample: PromEngineRun['sample'] = null;
  engine.events.on('snapshot:collected', (snapshot) => {
    answered += 1;
    gpus += snapshot.gpus.length;
    if (snapshot.cpu?.utilPct != null || snapshot.memory != null || snapshot.gpus.length > 0) withValues += 1;
    if (snapshot.id === job.chartNode || sample === null) {
      sample = {
        id: snapshot.id,
        cpuUtilPct: snapshot.cpu?.utilPct ?? null,
        memUsedBytes: snapshot.memory?.usedBytes ?? null,
        gpus: snapshot.gpus.length,
        gpuUtilPct: snapshot.gpus[0]?.gpuUtilPct ?? null,
      };
    }
  });
  engine.events.on('engine:statusChanged', (status) => {
    if (status.ticks === seenTicks || status.lastTickDurationMs === null) return;
    seenTicks = status.ticks;
    const cpu = process.cpuUsage();
    if (windowOpen) {
      ticks.push({
        durationMs: status.lastTickDurationMs,
        answered,
        withValues,
        gpus,
        cpuMs: cpuMsOf(process.cpuUsage(lastCpu)),
        rssMb: mb(process.memoryUsage.rss()),
      });
    }
    lastCpu = cpu;
    answered = 0;
    withValues = 0;
    gpus = 0;
  });

  const startBegan = performance.now();
  await engine.start();
  const startMs = performance.now() - startBegan;
  const nodesAtStart = engine.nodeStates().length;

  windowOpen = true;
  const windowStart = performance.now();
  lastCpu = process.cpuUsage();
  const windowCpu = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  while (performance.now() - windowStart < job.durationMs) {
    await sleep(Math.min(250, Math.max(1, job.durationMs - (performance.now() - windowStart))));
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }
  windowOpen = false;
  const windowCpuMs = cpuMsOf(process.cpuUsage(windowCpu));
  const seconds = (performance.now() - windowStart) / 1000;
  const states = engine.nodeStates();
  const problems = new Map<string, number>();
  for (const s of states.filter((x) => x.status !== 'up'))
    countInto(problems, `${s.status}: ${(s.lastError ?? '').replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, 'ADDRESS')}`);

  // Charts: through the engine (the source's history when it has one, else the store), then the
  // raw query_range of the same node through the client.
  const now = Date.now();
  const charts: Timed[] = [];
  for (const [label, rangeMs] of [
    ['1 h', 3_600_000],
    ['24 h', 86_400_000],
  ] as const) {
    for (const metric of ['gpu.util_pct', 'cpu.util_pct'] as const) {
      const query: MetricQuery = { nodeId: job.chartNode, metric, fromMs: now - rangeMs, toMs: now, maxPoints: 300 };
      try {
        const r = await timed(5, () => engine.handlers['metrics:query'](query));
        const points = r.last.series.reduce((n, s) => n + s.t.length, 0);
        charts.push({ what: `metrics:query ${metric} ${label}`, ms: r.ms, points, note: `tier ${r.last.tier}, step ${r.last.stepMs / 1000} s` });
      } catch (error) {
        charts.push({ what: `metrics:query ${metric} ${label}`, ms: [], points: 0, note: `failed: ${(error as Error).message}` });
      }
    }
  }
  const client = new PrometheusClient({ url: job.url, timeoutMs: 60_000, maxResponseBytes: SOURCE_MAX_RESPONSE_BYTES });
  const instance = `instance=~"${job.chartNode.replace(/\./g, '\\\\.')}:[0-9]+"`;
  for (const [label, rangeMs] of [
    ['1 h', 3_600_000],
    ['24 h', 86_400_000],
  ] as const) {
    for (const [what, expr] of [
      ['GPU util', `DCGM_FI_DEV_GPU_UTIL{${instance}}`],
      ['CPU util', `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle",${instance}}[1m])))`],
    ] as const) {
      const stepMs = Math.max(1000, Math.round(rangeMs / 300));
      try {
        const r = await timed(5, () => client.queryRange(expr, now - rangeMs, now, stepMs));
        const points = r.last.resultType === 'matrix' ? r.last.series.reduce((n, s) => n + s.timesMs.length, 0) : 0;
        charts.push({ what: `query_range ${what} ${label}`, ms: r.ms, points, note: `raw client, step ${stepMs / 1000} s` });
      } catch (error) {
        charts.push({ what: `query_range ${what} ${label}`, ms: [], points: 0, note: `failed: ${(error as Error).message}` });
      }
    }
  }

  // One tick's queries without the engine: the client alone (HTTP, gunzip, JSON, validation), and
  // sizes; then the GPU identity query, asked once a minute.
  const fetchOnly = await timed(3, () => Promise.all(FAMILY_QUERIES.map((expr) => client.query(expr, Date.now()))));
  const families: PromEngineRun['families'] = [];
  for (const expr of [...FAMILY_QUERIES, dcgmIdentityQuery('instance')]) {
    const r = await rawQuery(job.url, expr, Date.now());
    families.push({ expr, ms: r.ms, bytes: r.bytes, samples: r.samples });
  }
  client.close();

  const memory = process.memoryUsage();
  const run: PromEngineRun = {
    startMs,
    nodesAtStart,
    nodesAtEnd: states.length,
    upAtEnd: states.filter((s) => s.status === 'up').length,
    ticks,
    window: { seconds, cpuMs: windowCpuMs },
    memory: { peakRssMb: mb(peakRss), hwmRssMb: highWaterMarkMb(), endHeapUsedMb: mb(memory.heapUsed) },
    openPeriod: engine.openBuffers(),
    families,
    fetchOnlyMs: fetchOnly.ms,
    charts,
    problems: [...problems]
      .map(([message, count]) => ({ message, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 10),
    logged: [...logged]
      .map(([message, count]) => ({ message, count }))
      .sort((a, b) => b.count - a.count)
      .slice(0, 10),
    sample,
  };
  engine.close();
  return run;
}

if (require.main === module && process.send) {
  // As serve and run set it before their engine starts.
  tuneHeapForLongRun();
  process.once('message', (job: PromEngineJob) => {
    runPromEngineJob(job)
      .then((result) => process.send!({ result }, () => process.exit(0)))
      .catch((error: unknown) => process.send!({ error: (error as Error).stack ?? String(error) }, () => process.exit(0)));
  });
}
