import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient, type PrometheusClientOptions } from '../../electron/core/sources/prometheus-client';
import { PrometheusError } from '../../electron/core/sources/prometheus-errors';
import { forward, serve, type LocalServer } from '../helpers/http-server';
import { freePort, httpGet, startNodeExporter, startPrometheus, type NodeExporterLab, type PrometheusLab } from '../helpers/prometheus';
import { selfSignedCertificate, type SelfSignedCertificate } from '../helpers/tls';

const TOKEN = 'tok-3f9a1c7e-never-shown';
const PASSWORD = 'pw-8b2d-never-shown';

function client(url: string, extra: Partial<PrometheusClientOptions> = {}): PrometheusClient {
  return new PrometheusClient({ url, timeoutMs: 10_000, maxResponseBytes: 4 * 1024 * 1024, ...extra });
}

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof PrometheusError) return error;
    throw error;
  }
  throw new Error('expected a PrometheusError');
}

interface RawSample {
  metric: Record<string, string>;
  value: [number, string];
}
interface RawSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** Prometheus's own JSON for a GET on the API, read apart from the client. */
async function raw<T>(base: string, path: string, params: Record<string, string>): Promise<T> {
  const reply = await httpGet(`${base}${path}?${new URLSearchParams(params).toString()}`);
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body) as { data: T }).data;
}

describe('PrometheusClient against a real Prometheus scraping a real node exporter', () => {
  let exporter: NodeExporterLab;
  let prometheus: PrometheusLab;
  let prom: PrometheusClient;

  beforeAll(async () => {
    exporter = await startNodeExporter();
    prometheus = await startPrometheus({ jobs: [{ job: 'node', targets: [exporter.address] }] });
    prom = client(prometheus.url);
  });
  afterAll(async () => {
    prom?.close();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('answers an instant query with the values of the API for the same instant (up, node_load1)', async () => {
    const atMs = Date.now();
    for (const expr of ['up', 'node_load1']) {
      const result = await prom.query(expr, atMs);
      const expected = await raw<{ resultType: string; result: RawSample[] }>(prometheus.url, '/api/v1/query', { query: expr, time: String(atMs / 1000) });
      expect(expected.resultType).toBe('vector');
      expect(expected.result).toHaveLength(1);
      expect(result).toEqual({
        resultType: 'vector',
        samples: expected.result.map((s) => ({ labels: s.metric, timeMs: atMs, value: Number(s.value[1]) })),
      });
    }
    const up = await prom.query('up', atMs);
    expect(up.resultType === 'vector' && up.samples[0]).toMatchObject({ labels: { job: 'node', instance: exporter.address }, value: 1 });
  });

  it('answers a range query with the points of the API (query_range)', async () => {
    const endMs = Date.now();
    const startMs = endMs - 30_000;
    const result = await prom.queryRange('node_load1', startMs, endMs, 1000);
    const expected = await raw<{ resultType: string; result: RawSeries[] }>(prometheus.url, '/api/v1/query_range', {
      query: 'node_load1',
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: '1',
    });
    expect(expected.result[0]!.values.length).toBeGreaterThan(0);
    expect(result).toEqual({
      resultType: 'matrix',
      series: expected.result.map((s) => ({
        labels: s.metric,
        timesMs: s.values.map((p) => Math.round(p[0] * 1000)),
        values: s.values.map((p) => Number(p[1])),
      })),
    });
  });

  it('answers scalars, including NaN and infinities', async () => {
    expect(await prom.query('1')).toMatchObject({ resultType: 'scalar', value: 1 });
    expect(await prom.query('scalar(vector(1)) / 0')).toMatchObject({ resultType: 'scalar', value: Infinity });
    expect(await prom.query('-1 / 0')).toMatchObject({ resultType: 'scalar', value: -Infinity });
    const nan = await prom.query('0 / 0');
    expect(nan.resultType === 'scalar' && Number.isNaN(nan.value)).toBe(true);
  });

  it('lists targets, label values, series and the build info', async () => {
    const targets = await prom.targets();
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      health: 'up',
      scrapePool: 'node',
      scrapeUrl: `http://${exporter.address}/metrics`,
      lastError: null,
      labels: { job: 'node', instance: exporter.address },
    });
    expect(targets[0]!.lastScrapeMs).toBeGreaterThan(0);

    expect(await prom.labelValues('job')).toEqual(['node']);
    expect(await prom.labelValues('instance', ['up'])).toEqual([exporter.address]);

    const series = await prom.series(['node_load1'], Date.now() - 60_000, Date.now());
    expect(series).toEqual([{ __name__: 'node_load1', job: 'node', instance: exporter.address }]);

    const info = await prom.buildInfo();
    const expected = await raw<{ version: string; revision: string }>(prometheus.url, '/api/v1/status/buildinfo', {});
    expect(info).toEqual({ version: expected.version, revision: expected.revision });
    expect(await prom.testConnection()).toEqual({ ok: true, version: expected.version, url: `${prometheus.url}/` });
  });

  it("gives Prometheus's own error text for a bad query", async () => {
    const error = await failure(prom.query('rate(up['));
    expect(error.kind).toBe('query-error');
    expect(error.status).toBe(400);
    expect(error.reason).toBe('bad_data');
    expect(error.message).toMatch(/parse error/);
  });

  describe('behind an authenticating proxy', () => {
    let proxy: LocalServer;
    const basic = `Basic ${Buffer.from(`ops:${PASSWORD}`).toString('base64')}`;

    beforeAll(async () => {
      proxy = await serve((req, res) => {
        const auth = req.headers.authorization;
        if (auth !== `Bearer ${TOKEN}` && auth !== basic) {
          res.writeHead(401, { 'www-authenticate': 'Bearer' }).end(`denied: ${auth ?? 'no credentials'}\n`);
          return;
        }
        forward(prometheus.url, req, res);
      });
    });
    afterAll(() => proxy?.close());

    it('sends a bearer token or basic credentials and reads through', async () => {
      for (const extra of [{ auth: { kind: 'bearer' as const, token: TOKEN } }, { auth: { kind: 'basic' as const, username: 'ops', password: PASSWORD } }]) {
        const c = client(proxy.url, extra);
        expect(await c.query('up')).toMatchObject({ resultType: 'vector', samples: [{ value: 1 }] });
        c.close();
      }
      const inUrl = client(proxy.url.replace('http://', `http://ops:${PASSWORD}@`));
      expect(await inUrl.testConnection()).toMatchObject({ ok: true, url: `${proxy.url}/` });
      inUrl.close();
    });

    it('says unauthorized for a wrong or missing token, without the token', async () => {
      const wrong = client(proxy.url, { auth: { kind: 'bearer', token: `${TOKEN}-wrong` } });
      const result = await wrong.testConnection();
      expect(result).toMatchObject({ ok: false, kind: 'unauthorized', reason: '401' });
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      wrong.close();
      expect(await client(proxy.url).testConnection()).toMatchObject({ ok: false, kind: 'unauthorized' });
    });
  });
});

describe('PrometheusClient errors', () => {
  it('says unreachable for a closed port', async () => {
    const port = await freePort();
    const result = await client(`http://127.0.0.1:${port}`).testConnection();
    expect(result).toMatchObject({ ok: false, kind: 'unreachable', reason: 'ECONNREFUSED' });
    expect(result.ok === false && result.message).toMatch(/connection refused/);
  });

  it('says unreachable for a host name that does not resolve', async () => {
    // .invalid never resolves (RFC 6761); without DNS the lookup may time out instead: unreachable too.
    const result = await client('http://clusterdeck-test.invalid:9090', { timeoutMs: 5000 }).testConnection();
    expect(result).toMatchObject({ ok: false, kind: 'unreachable' });
  });

  it('says unreachable (timeout) for a server that never answers', async () => {
    const hanging = await serve(() => undefined);
    try {
      const result = await client(hanging.url, { timeoutMs: 300, auth: { kind: 'bearer', token: TOKEN } }).testConnection();
      expect(result).toMatchObject({ ok: false, kind: 'unreachable', reason: 'timeout' });
      expect(JSON.stringify(result)).not.toContain(TOKEN);
    } finally {
      await hanging.close();
    }
  });

  it('says unauthorized for 401 and 403', async () => {
    for (const status of [401, 403]) {
      const server = await serve((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end('no'));
      try {
        expect(await client(server.url, { auth: { kind: 'bearer', token: TOKEN } }).testConnection()).toMatchObject({
          ok: false,
          kind: 'unauthorized',
          reason: String(status),
        });
      } finally {
        await server.close();
      }
    }
  });

  it('says not Prometheus for an HTML page, a 404, JSON of another shape and an API whose "1" is not the number 1', async () => {
    const vector = (sample: string) => `{"status":"success","data":{"resultType":"vector","result":[${sample}]}}`;
    const answers: Record<string, string> = {
      // VictoriaMetrics' "1": a vector of one sample without labels (victoria-metrics-source.test.ts).
      '/labelled/': vector('{"metric":{"job":"x"},"value":[1,"1"]}'),
      '/two/': vector('{"metric":{},"value":[1,"2"]}'),
      '/twice/': vector('{"metric":{},"value":[1,"1"]},{"metric":{},"value":[1,"1"]}'),
      '/empty/': vector(''),
    };
    const server = await serve((req, res) => {
      const api = Object.keys(answers).find((prefix) => req.url?.startsWith(prefix));
      if (api !== undefined) res.writeHead(200, { 'content-type': 'application/json' }).end(answers[api]);
      else if (req.url?.startsWith('/html/'))
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><body>Welcome to nginx!</body></html>');
      else if (req.url?.startsWith('/json/')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
    });
    try {
      expect(await client(`${server.url}/html`).testConnection()).toMatchObject({
        ok: false,
        kind: 'not-prometheus',
        reason: 'html',
        message: expect.stringMatching(/HTML page/),
      });
      expect(await client(`${server.url}/json`).testConnection()).toMatchObject({ ok: false, kind: 'not-prometheus' });
      expect(await client(`${server.url}/missing`).testConnection()).toMatchObject({ ok: false, kind: 'not-prometheus', reason: '404' });
      for (const prefix of Object.keys(answers)) {
        expect(await client(`${server.url}${prefix}`).testConnection()).toMatchObject({
          ok: false,
          kind: 'not-prometheus',
          reason: 'unexpected-result',
          message: expect.stringMatching(/answered the query "1" with a vector, not the number 1$/),
        });
      }
    } finally {
      await server.close();
    }
  });

  it("says server error with the engine's text for a 5xx, with any echoed secret removed", async () => {
    const server = await serve((req, res) => {
      const body = { status: 'error', errorType: 'internal', error: `store unavailable (request had ${req.headers.authorization ?? ''})` };
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    try {
      const bearer = await client(server.url, { auth: { kind: 'bearer', token: TOKEN } }).testConnection();
      expect(bearer).toMatchObject({
        ok: false,
        kind: 'server-error',
        reason: 'internal',
        message: expect.stringMatching(/HTTP 503: internal: store unavailable/),
      });
      expect(JSON.stringify(bearer)).not.toContain(TOKEN);
      const basic = await client(server.url, { auth: { kind: 'basic', username: 'ops', password: PASSWORD } }).testConnection();
      expect(basic).toMatchObject({ ok: false, kind: 'server-error' });
      expect(JSON.stringify(basic)).not.toContain(Buffer.from(`ops:${PASSWORD}`).toString('base64'));
    } finally {
      await server.close();
    }
  });

  it('stops reading an answer larger than the bound', async () => {
    const big = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: Array.from({ length: 5000 }, (_, i) => ({ metric: { i: String(i) }, value: [1, '1'] })) },
    });
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(big));
    try {
      const error = await failure(client(server.url, { maxResponseBytes: 10_000 }).query('up'));
      expect(error.kind).toBe('too-large');
      expect((await client(server.url, { maxResponseBytes: big.length }).query('up')).resultType).toBe('vector');
    } finally {
      await server.close();
    }
  });

  it('reads a gzip answer within the bound after inflating it; one that inflates past it, or is corrupt, is refused', async () => {
    // 5,000 samples: ~330 KB of JSON that gzip makes ~20 KB, so the bound is met only once inflated.
    const big = JSON.stringify({
      status: 'success',
      data: { resultType: 'vector', result: Array.from({ length: 5000 }, (_, i) => ({ metric: { i: String(i) }, value: [1, '1'] })) },
    });
    const packed = gzipSync(big);
    let body = packed;
    const server = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(body));
    try {
      const answer = await client(server.url, { maxResponseBytes: big.length }).query('up');
      expect(answer.resultType === 'vector' && answer.samples.length).toBe(5000);
      expect(packed.length).toBeLessThan(100_000);
      expect((await failure(client(server.url, { maxResponseBytes: 100_000 }).query('up'))).kind).toBe('too-large');
      body = Buffer.concat([packed.subarray(0, 10), Buffer.alloc(64, 0xff), packed.subarray(74)]);
      const corrupt = await failure(client(server.url, { maxResponseBytes: big.length }).query('up'));
      expect([corrupt.kind, corrupt.reason]).toEqual(['not-prometheus', 'gzip']);
      expect(corrupt.message).toMatch(/corrupt gzip/);
    } finally {
      await server.close();
    }
  });

  describe('TLS (a real Prometheus serving a self-signed certificate)', () => {
    let prometheus: PrometheusLab;
    let certPem: string;
    let certificate: SelfSignedCertificate | undefined;

    beforeAll(async () => {
      certificate = selfSignedCertificate('cd-prom-tls-');
      certPem = certificate.certPem;
      prometheus = await startPrometheus({ tls: { certPem, keyPem: certificate.keyPem, caPem: certPem } });
    });
    afterAll(async () => {
      await prometheus?.stop();
      certificate?.remove();
    });

    it('says TLS error, naming the reason, without the CA', async () => {
      const result = await client(prometheus.url).testConnection();
      expect(result).toMatchObject({ ok: false, kind: 'tls', reason: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: expect.stringMatching(/self-signed/) });
    });

    it('works with the CA given', async () => {
      const expected = JSON.parse((await httpGet(`${prometheus.url}/api/v1/status/buildinfo`, { ca: certPem })).body) as { data: { version: string } };
      expect(await client(prometheus.url, { caPem: certPem }).testConnection()).toEqual({
        ok: true,
        version: expected.data.version,
        url: `${prometheus.url}/`,
      });
    });

    it('says TLS error when an https URL reaches a plain HTTP server', async () => {
      const plain = await serve((_req, res) => res.end('plain'));
      try {
        expect(await client(plain.url.replace('http:', 'https:')).testConnection()).toMatchObject({
          ok: false,
          kind: 'tls',
          message: expect.stringMatching(/wrong version number \(is it plain HTTP\?\)/),
        });
      } finally {
        await plain.close();
      }
    });
  });
});
