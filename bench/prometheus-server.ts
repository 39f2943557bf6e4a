/**
 * Debian's real Prometheus for `bench prometheus`: scrapes the synthetic exporters every
 * interval (so that each engine tick sees new samples), storage in a temporary folder. Ready
 * when /-/ready answers and `count(up == 1)` reaches the number of targets: polled, never slept.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpGet, PROMETHEUS_BIN, requireBinary, waitFor } from '../test/helpers/prometheus';

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
  const bin = requireBinary(PROMETHEUS_BIN, 'prometheus');
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
