/**
 * Debian's real Prometheus (and prometheus-node-exporter) on loopback for tests: free ports, a
 * temporary storage folder, a generated prometheus.yml scraping every second. Readiness is
 * polled (/-/ready, then /api/v1/targets until every target is up), never a fixed sleep.
 * Binaries: /usr/bin/prometheus (package prometheus), /usr/bin/prometheus-node-exporter
 * (package prometheus-node-exporter); installed with apt-get when missing and running as root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const NODE_EXPORTER_BIN = '/usr/bin/prometheus-node-exporter';

/** The binary, installing its Debian package when it is missing (CI installs them beforehand). */
export function requireBinary(path: string, debianPackage: string): string {
  if (existsSync(path)) return path;
  const install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', debianPackage], {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 300_000,
  });
  if (!existsSync(path)) {
    throw new Error(`${path} is missing and "apt-get install ${debianPackage}" failed (${install.status}): ${(install.stderr ?? '').slice(-500)}`);
  }
  return path;
}

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Reply {
  status: number;
  body: string;
}

/** One GET, no keep-alive; `ca` for a TLS endpoint; `headers` (Authorization) when given. */
export function httpGet(url: string, options: { ca?: string; timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<Reply> {
  const parsed = new URL(url);
  const request = parsed.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const extra = { ...(options.ca ? { ca: options.ca } : {}), ...(options.headers ? { headers: options.headers } : {}) };
    const req = request(parsed, { agent: false, ...extra, timeout: options.timeoutMs ?? 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until check returns a value, or fails with the last reason after deadlineMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | null>, deadlineMs = 45_000, process?: ManagedProcess): Promise<T> {
  const until = Date.now() + deadlineMs;
  let last = '';
  for (;;) {
    if (process?.exited()) throw new Error(`${what}: the process exited (${process.exitCode()}): ${process.output()}`);
    try {
      const value = await check();
      if (value !== null) return value;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ''}${process ? `\n${process.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A child process whose last output is kept (bounded) for failure messages. */
export interface ManagedProcess {
  child: ChildProcess;
  exited(): boolean;
  exitCode(): number | string | null;
  output(): string;
  stop(): Promise<void>;
}

export function manage(bin: string, args: string[]): ManagedProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let code: number | string | null = null;
  let done = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (c, signal) => {
      done = true;
      code = c ?? signal;
      resolve();
    }),
  );
  child.once('error', (error) => {
    keep(Buffer.from(String(error)));
    done = true;
  });
  return {
    child,
    exited: () => done,
    exitCode: () => code,
    output: () => tail,
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ScrapeJob {
  job: string;
  /** host:port */
  targets: string[];
  metricsPath?: string;
  /** Seconds between this job's scrapes (default: the global 1 s). */
  scrapeIntervalS?: number;
}

export interface PrometheusLab {
  /** http(s)://127.0.0.1:port */
  url: string;
  port: number;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  jobs?: ScrapeJob[];
  /** Serve HTTPS with this certificate and key (Prometheus's --web.config.file). */
  tls?: { certPem: string; keyPem: string; caPem: string };
  /**
   * Require basic auth (the web config's basic_auth_users): `bcryptHash` is the password's bcrypt
   * hash as Prometheus stores it; `password` lets the helper's own readiness checks in.
   */
  basicAuth?: { username: string; password: string; bcryptHash: string };
  /** Wait until every scrape target is up and `up` has a sample for each (default: when jobs are given). */
  waitForTargets?: boolean;
}

function yamlString(text: string): string {
  return JSON.stringify(text); // JSON strings are YAML strings
}

/** The prometheus.yml the helper writes: every job scraped each second unless it says otherwise. */
export function scrapeConfig(jobs: ScrapeJob[]): string {
  const lines = ['global:', '  scrape_interval: 1s', '  scrape_timeout: 1s', '  evaluation_interval: 1s', 'scrape_configs:'];
  for (const job of jobs) {
    lines.push(`  - job_name: ${yamlString(job.job)}`);
    if (job.metricsPath) lines.push(`    metrics_path: ${yamlString(job.metricsPath)}`);
    if (job.scrapeIntervalS !== undefined) lines.push(`    scrape_interval: ${job.scrapeIntervalS}s`);
    lines.push('    static_configs:', `      - targets: [${job.targets.map(yamlString).join(', ')}]`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Waits until the engine at `base` reports every target of `jobs` up and answers `up` with a
 * sample for each (health is set with the first scrape; the query layer sees it a little later).
 * `upQuery` carries the engine's own query parameters (VictoriaMetrics' nocache).
 */
export async function waitForScrapeTargets(
  base: string,
  jobs: ScrapeJob[],
  process: ManagedProcess,
  options: { ca?: string; headers?: Record<string, string>; upQuery?: string } = {},
): Promise<void> {
  const expected = jobs.reduce((n, j) => n + j.targets.length, 0);
  const get = (path: string) => httpGet(`${base}${path}`, { ca: options.ca, headers: options.headers });
  await waitFor(
    'every scrape target up',
    async () => {
      const targets = JSON.parse((await get('/api/v1/targets')).body) as { data: { activeTargets: Array<{ health: string; lastError: string }> } };
      const active = targets.data.activeTargets;
      if (active.length !== expected || active.some((t) => t.health !== 'up'))
        throw new Error(`targets: ${JSON.stringify(active.map((t) => [t.health, t.lastError]))}`);
      const up = JSON.parse((await get(`/api/v1/query?${options.upQuery ?? 'query=up'}`)).body) as { data: { result: unknown[] } };
      return up.data.result.length === expected ? true : null;
    },
    45_000,
    process,
  );
}

/** Starts Prometheus and waits for it (and its targets); stop() kills it and removes its folder. */
export async function startPrometheus(options: PrometheusOptions = {}): Promise<PrometheusLab> {
  const bin = requireBinary(PROMETHEUS_BIN, 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'cd-prometheus-'));
  const jobs = options.jobs ?? [];
  const port = await freePort();
  writeFileSync(join(dir, 'prometheus.yml'), scrapeConfig(jobs));
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ];
  let webConfig = '';
  if (options.tls) {
    writeFileSync(join(dir, 'cert.pem'), options.tls.certPem);
    writeFileSync(join(dir, 'key.pem'), options.tls.keyPem, { mode: 0o600 });
    webConfig += `tls_server_config:\n  cert_file: ${yamlString(join(dir, 'cert.pem'))}\n  key_file: ${yamlString(join(dir, 'key.pem'))}\n`;
  }
  if (options.basicAuth) webConfig += `basic_auth_users:\n  ${yamlString(options.basicAuth.username)}: ${yamlString(options.basicAuth.bcryptHash)}\n`;
  if (webConfig) {
    writeFileSync(join(dir, 'web.yml'), webConfig);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const proc = manage(bin, args);
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const lab: PrometheusLab = {
    url,
    port,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const ca = options.tls?.caPem;
    const auth = options.basicAuth;
    const headers = auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` } : undefined;
    await waitFor('Prometheus /-/ready', async () => ((await httpGet(`${url}/-/ready`, { ca, headers })).status === 200 ? true : null), 45_000, proc);
    if (options.waitForTargets ?? jobs.length > 0) await waitForScrapeTargets(url, jobs, proc, { ca, headers });
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return lab;
}

export interface NodeExporterLab {
  /** 127.0.0.1:port, as a scrape target. */
  address: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Debian's node exporter on a free loopback port (no systemd collector: there is no systemd). */
export async function startNodeExporter(): Promise<NodeExporterLab> {
  const bin = requireBinary(NODE_EXPORTER_BIN, 'prometheus-node-exporter');
  const port = await freePort();
  const proc = manage(bin, [`--web.listen-address=127.0.0.1:${port}`, '--no-collector.systemd', '--log.level=warn']);
  const address = `127.0.0.1:${port}`;
  try {
    await waitFor('node exporter /metrics', async () => ((await httpGet(`http://${address}/metrics`)).status === 200 ? true : null), 30_000, proc);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return { address, process: proc, stop: () => proc.stop() };
}

/** One series of Prometheus's own query_range answer. */
export interface RangeAnswer {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** The values of Prometheus's own instant query answer (at `atMs`, or now), straight from its API. */
export async function promInstant(base: string, expr: string, atMs?: number): Promise<number[]> {
  const params = new URLSearchParams({ query: expr, ...(atMs === undefined ? {} : { time: String(atMs / 1000) }) });
  const reply = await httpGet(`${base}/api/v1/query?${params.toString()}`);
  return (JSON.parse(reply.body) as { data: { result: Array<{ value: [number, string] }> } }).data.result.map((r) => Number(r.value[1]));
}

/** Prometheus's own query_range answer, straight from its API. */
export async function promRange(base: string, expr: string, startMs: number, endMs: number, stepMs: number): Promise<RangeAnswer[]> {
  const params = new URLSearchParams({ query: expr, start: String(startMs / 1000), end: String(endMs / 1000), step: String(stepMs / 1000) });
  const reply = await httpGet(`${base}/api/v1/query_range?${params.toString()}`);
  return (JSON.parse(reply.body) as { data: { result: RangeAnswer[] } }).data.result;
}
