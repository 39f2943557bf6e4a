// `clusterdeck serve`'s /metrics scraped by a real Prometheus (Debian's 2.42 on loopback) with
// the access token as its bearer credentials. Real parts: the built CLI's serve with the local
// collector (a fake nvidia-smi printing a real two-GPU capture, so GPU series exist), Prometheus
// and its query API, promtool's linter; and a small HTTP server serving hostile label values, so
// that Prometheus's own parser shows they stay inside their labels.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENMETRICS_CONTENT_TYPE, renderExposition, TEXT_CONTENT_TYPE } from '../../electron/server/metrics-endpoint';
import type { LatestValue } from '../../shared/contract';
import { isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { freePort, httpGet, PROMETHEUS_BIN, requireBinary, waitFor } from '../helpers/prometheus';
import { HOSTILE_HOSTNAME } from '../helpers/ssh-lab';

const HOSTILE_DEVICE = `/mnt/a"} 1\nclusterdeck_node_up{node="forged"} 1\n# EOF\n\\`;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function callServe<T>(name: string, body: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${serve.origin}/api/call/${name}`,
      { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          const reply = JSON.parse(text) as { ok: boolean; value: T };
          if (reply.ok) resolve(reply.value);
          else reject(new Error(text));
        });
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** Prometheus with two scrape jobs: serve's /metrics (bearer token from a file) and the hostile server. */
async function startScrapingPrometheus(serveAddress: string, tokenFile: string, hostileAddress: string): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = requireBinary(PROMETHEUS_BIN, 'prometheus');
  const dir = mkdtempSync(join(tmpdir(), 'cd-prometheus-'));
  const port = await freePort();
  const config = [
    'global: { scrape_interval: 1s, scrape_timeout: 1s }',
    'scrape_configs:',
    '  - job_name: clusterdeck',
    `    authorization: { type: Bearer, credentials_file: ${JSON.stringify(tokenFile)} }`,
    `    static_configs: [{ targets: [${JSON.stringify(serveAddress)}] }]`,
    '  - job_name: hostile',
    `    static_configs: [{ targets: [${JSON.stringify(hostileAddress)}] }]`,
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), `${config}\n`);
  const child: ChildProcess = spawn(
    bin,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Both targets up, as Prometheus's own target list says (its first scrape comes a few seconds after start).
    await waitFor('both scrape targets up', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
      const targets = JSON.parse((await httpGet(`${url}/api/v1/targets`)).body) as {
        data: { activeTargets: Array<{ labels: { job: string }; health: string; lastError: string }> };
      };
      const active = targets.data.activeTargets;
      if (active.length !== 2 || active.some((target) => target.health !== 'up')) {
        throw new Error(`targets: ${JSON.stringify(active.map((target) => [target.labels.job, target.health, target.lastError]))}`);
      }
      return true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant query on Prometheus's API; polled until it has a result (the query layer lags the target list). */
async function query(prometheusUrl: string, promql: string): Promise<VectorSample[]> {
  return waitFor(`a result for ${promql}`, async () => {
    const reply = JSON.parse((await httpGet(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`)).body) as {
      status: string;
      data: { result: VectorSample[] };
    };
    if (reply.status !== 'success') throw new Error(JSON.stringify(reply));
    return reply.data.result.length > 0 ? reply.data.result : null;
  });
}

let serve: ServeProcess;
let hostile: Server;
let prometheus: { url: string; stop(): Promise<void> } | undefined;
let servedTemperatures: LatestValue[];
let localNode: string;

beforeAll(async () => {
  const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: '2x-rtx-a5000-drv590-v13.xml' }).path });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), 'collection:\n  intervalMs: 1000\n');
  serve = await startServe(['--db', join(env.XDG_DATA_HOME!, 'serve.db')], env);
  // Both GPUs' temperatures stored: what /metrics must carry.
  servedTemperatures = await waitFor('two GPU temperatures in serve', async () => {
    const values = await callServe<LatestValue[]>('metrics:latest', { metrics: ['gpu.temperature_c'] });
    return values.length === 2 ? values : null;
  });
  localNode = servedTemperatures[0]!.nodeId;

  hostile = createServer((_req, res) => {
    const text = renderExposition(
      {
        values: [{ nodeId: HOSTILE_HOSTNAME, metric: 'fs.used_pct', device: HOSTILE_DEVICE, t: Date.now(), v: 42.5 }],
        nodes: [{ id: HOSTILE_HOSTNAME, status: 'up' }],
        alertCounts: [{ severity: 'warning', state: 'pending', count: 1 }],
        openAlerts: [{ ruleId: 'disk-full', nodeId: HOSTILE_HOSTNAME, subject: HOSTILE_DEVICE, severity: 'warning', state: 'pending' }],
      },
      'openmetrics',
    );
    res.writeHead(200, { 'Content-Type': OPENMETRICS_CONTENT_TYPE });
    res.end(text);
  });
  await new Promise<void>((done) => hostile.listen(0, '127.0.0.1', done));

  const tokenDir = mkdtempSync(join(tmpdir(), 'cd-token-'));
  writeFileSync(join(tokenDir, 'token'), serve.token, { mode: 0o600 });
  prometheus = await startScrapingPrometheus(new URL(serve.origin).host, join(tokenDir, 'token'), `127.0.0.1:${(hostile.address() as AddressInfo).port}`);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  hostile?.close();
  await serve?.stop();
});

describe('serve /metrics', () => {
  it.each([
    ['no token', {}],
    ['a wrong token', { Authorization: 'Bearer wrong' }],
    ['the token in the URL', {}, `?token=`],
  ])('refuses a caller with %s (401)', async (_what, headers, query = '') => {
    const reply = await get(`${serve.origin}/metrics${query}`, headers);
    expect(reply.status).toBe(401);
    expect(reply.body).not.toContain('clusterdeck_gpu');
  });

  it('answers OpenMetrics to the bearer token, with both GPU temperatures as serve reports them', async () => {
    const reply = await get(`${serve.origin}/metrics`, { Authorization: `Bearer ${serve.token}` });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(reply.body.endsWith('# EOF\n')).toBe(true);
    for (const { device, v } of servedTemperatures) {
      expect(reply.body).toMatch(new RegExp(`^clusterdeck_gpu_temperature_celsius\\{node="[^"]+",device="${device}"\\} ${v} \\d+(\\.\\d+)?$`, 'm'));
    }
    expect(reply.body).toContain(`clusterdeck_node_up{node="${localNode}"} 1\n`);
  });

  it('answers the 0.0.4 text format when asked, and promtool finds it valid and lint-clean', async () => {
    const reply = await get(`${serve.origin}/metrics`, { Authorization: `Bearer ${serve.token}`, Accept: 'text/plain;version=0.0.4' });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(TEXT_CONTENT_TYPE);
    expect(reply.body).toContain('# TYPE clusterdeck_gpu_temperature_celsius gauge\n');
    const lint = spawnSync(requireBinary('/usr/bin/promtool', 'prometheus'), ['check', 'metrics'], { input: reply.body, encoding: 'utf8' });
    expect(`${lint.stdout}${lint.stderr}`).toBe('');
    expect(lint.status).toBe(0);
  });

  it('is scraped by a real Prometheus: its query API answers each GPU temperature that serve reports', async () => {
    const result = await query(prometheus!.url, 'clusterdeck_gpu_temperature_celsius{job="clusterdeck"}');
    const byDevice = Object.fromEntries(result.map((sample) => [sample.metric.device, { node: sample.metric.node, value: Number(sample.value[1]) }]));
    expect(byDevice).toEqual(Object.fromEntries(servedTemperatures.map(({ device, v }) => [device, { node: localNode, value: v }])));
    const up = await query(prometheus!.url, 'clusterdeck_node_up{job="clusterdeck"}');
    expect(up.map((sample) => [sample.metric.node, sample.value[1]])).toContainEqual([localNode, '1']);
    const alerts = await query(prometheus!.url, 'clusterdeck_alerts{job="clusterdeck"}');
    expect(alerts).toHaveLength(6);
  });

  it("keeps hostile node and device names inside their labels through Prometheus's own parser", async () => {
    const fs = await query(prometheus!.url, 'clusterdeck_fs_used_percent{job="hostile"}');
    expect(fs.map((sample) => [sample.metric.node, sample.metric.device, sample.value[1]])).toEqual([[HOSTILE_HOSTNAME, HOSTILE_DEVICE, '42.5']]);
    const up = await query(prometheus!.url, 'clusterdeck_node_up{job="hostile"}');
    expect(up.map((sample) => sample.metric.node)).toEqual([HOSTILE_HOSTNAME]);
    const alert = await query(prometheus!.url, 'clusterdeck_alert{job="hostile"}');
    expect(alert.map((sample) => sample.metric.subject)).toEqual([HOSTILE_DEVICE]);
  });
});
