/**
 * The query engine `bench prometheus` reads: Debian's real Prometheus (default) or, with
 * `--engine victoria-metrics`, Debian's real VictoriaMetrics (single-node, its own scraper), each
 * scraping the synthetic exporters every interval (so that each engine tick sees new samples) into
 * a temporary folder. Ready when its health path answers and `count(up == 1)` reaches the number
 * of targets: polled, never slept.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

export type BenchEngine = 'prometheus' | 'victoria-metrics';

interface EngineSpec {
  name: string;
  /** Debian's binary (the tests' helpers use the same ones) and its package. */
  bin: string;
  debianPackage: string;
  args(dir: string, configFile: string, port: number): string[];
  readyPath: string;
  /** Query parameters every readiness query carries. */
  queryParams: string;
  version(url: string): Promise<string>;
}

const ENGINES: Record<BenchEngine, EngineSpec> = {
  prometheus: {
    name: 'Prometheus',
    bin: '/usr/bin/prometheus',
    debianPackage: 'prometheus',
    args: (dir, configFile, port) => [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=2d',
      '--log.level=warn',
    ],
    readyPath: '/-/ready',
    queryParams: '',
    version: async (url) => (JSON.parse((await httpGet(`${url}/api/v1/status/buildinfo`)).body) as { data?: { version?: string } }).data?.version ?? '?',
  },
  'victoria-metrics': {
    name: 'VictoriaMetrics',
    bin: '/usr/bin/victoria-metrics',
    debianPackage: 'victoria-metrics',
    args: (dir, configFile, port) => [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      `-promscrape.config=${configFile}`,
      // The scrape config is Prometheus's, with evaluation_interval, which its scraper does not know.
      '-promscrape.config.strictParse=false',
      '-retentionPeriod=2d',
      '-loggerLevel=ERROR',
    ],
    readyPath: '/health',
    // Else it answers as of 30 s ago (-search.latencyOffset), as the source's client knows.
    queryParams: '&nocache=1',
    // Its build info is empty, and Debian's binary prints no version: the package's.
    version: async () => {
      const dpkg = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'victoria-metrics'], { encoding: 'utf8' });
      return dpkg.status === 0 && dpkg.stdout ? dpkg.stdout.replace(/\+.*$/, '') : '?';
    },
  },
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** The engine's process ended while it was awaited: no point in polling on. */
class EngineExited extends Error {}

/** Polls until check returns a value, or fails with the last reason after deadlineMs. */
async function waitFor<T>(what: string, check: () => Promise<T | null>, deadlineMs: number): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      last = (error as Error).message;
      if (error instanceof EngineExited) throw error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The engine's name, e.g. VictoriaMetrics for victoria-metrics. */
export function benchEngineName(engine: BenchEngine): string {
  return ENGINES[engine].name;
}

export interface BenchPrometheus {
  /** The engine's name, e.g. Prometheus. */
  name: string;
  url: string;
  pid: number;
  version: string;
  stop(): Promise<void>;
}

export interface ScrapeJobs {
  [job: string]: string[];
}

function config(jobs: ScrapeJobs, intervalS: number): string {
  const lines = [
    'global:',
    `  scrape_interval: ${intervalS}s`,
    `  scrape_timeout: ${Math.min(intervalS, 10)}s`,
    `  evaluation_interval: ${intervalS}s`,
    'scrape_configs:',
  ];
  for (const [job, targets] of Object.entries(jobs)) {
    if (targets.length === 0) continue;
    lines.push(`  - job_name: ${JSON.stringify(job)}`, '    static_configs:', `      - targets: ${JSON.stringify(targets)}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function startBenchPrometheus(
  engine: BenchEngine,
  dir: string,
  jobs: ScrapeJobs,
  intervalMs: number,
  log: (line: string) => void,
): Promise<BenchPrometheus> {
  const spec = ENGINES[engine];
  if (!existsSync(spec.bin)) throw new Error(`${spec.bin} is missing: install Debian's package ${spec.debianPackage}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'prometheus.yml');
  writeFileSync(configFile, config(jobs, Math.max(1, Math.round(intervalMs / 1000))));
  const port = await freePort();
  const child: ChildProcess = spawn(spec.bin, spec.args(dir, configFile, port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-2000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (done) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  const expected = Object.values(jobs).reduce((n, t) => n + t.length, 0);
  try {
    const check = async <T>(fn: () => Promise<T | null>) => {
      if (done) throw new EngineExited(`${spec.name} exited: ${tail}`);
      return fn();
    };
    await waitFor(`${spec.name} ${spec.readyPath}`, () => check(async () => ((await httpGet(`${url}${spec.readyPath}`)).status === 200 ? true : null)), 60_000);
    let last = -1;
    await waitFor(
      `${expected} scrape targets up`,
      () =>
        check(async () => {
          const reply = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}${spec.queryParams}`);
          const result = (JSON.parse(reply.body) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
          const up = result.length ? Number(result[0]!.value[1]) : 0;
          if (up !== last) log(`  ${spec.name}: ${up} of ${expected} targets up`);
          last = up;
          if (up < expected) throw new Error(`${up} of ${expected} targets up`);
          return true;
        }),
      3 * intervalMs + 120_000,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: spec.name, url, pid: child.pid!, version: await spec.version(url), stop };
}
