/**
 * Debian's real Prometheus for `bench prometheus`: scrapes the synthetic exporters every
 * interval (so that each engine tick sees new samples), storage in a temporary folder. Ready
 * when /-/ready answers and `count(up == 1)` reaches the number of targets: polled, never slept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Debian's package prometheus (the tests' test/helpers/prometheus.ts uses the same binary). */
const PROMETHEUS_BIN = '/usr/bin/prometheus';

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
      if (last.startsWith('Prometheus exited')) throw error;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface BenchPrometheus {
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

export async function startBenchPrometheus(dir: string, jobs: ScrapeJobs, intervalMs: number, log: (line: string) => void): Promise<BenchPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: install Debian's package prometheus`);
  const bin = PROMETHEUS_BIN;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'prometheus.yml'), config(jobs, Math.max(1, Math.round(intervalMs / 1000))));
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=2d',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
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
      if (done) throw new Error(`Prometheus exited: ${tail}`);
      return fn();
    };
    await waitFor('Prometheus /-/ready', () => check(async () => ((await httpGet(`${url}/-/ready`)).status === 200 ? true : null)), 60_000);
    let last = -1;
    await waitFor(
      `${expected} scrape targets up`,
      () =>
        check(async () => {
          const reply = await httpGet(`${url}/api/v1/query?query=${encodeURIComponent('count(up == 1)')}`);
          const result = (JSON.parse(reply.body) as { data: { result: Array<{ value: [number, string] }> } }).data.result;
          const up = result.length ? Number(result[0]!.value[1]) : 0;
          if (up !== last) log(`  Prometheus: ${up} of ${expected} targets up`);
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
  const info = JSON.parse((await httpGet(`${url}/api/v1/status/buildinfo`)).body) as { data?: { version?: string } };
  return { url, pid: child.pid!, version: info.data?.version ?? '?', stop };
}
