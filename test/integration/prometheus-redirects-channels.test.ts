// What a source or an exporter may not make Clusterdeck do (issue #13 review): a redirect is
// never followed (a Prometheus API answering 3xx to another origin does not get our token sent
// there; an exporter's 3xx is not an exporter), and a forwarded channel (here a real socket to a
// real loopback HTTP server, as SshConnection.forward gives a direct-tcpip channel) is closed
// after every scrape: answered, refused with an HTTP error, too large, or timed out.
import * as http from 'node:http';
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../electron/core/sources/prometheus-client';
import { scrapeExporter, type ForwardingConnection } from '../../electron/core/sources/exporter-scrape';

const TOKEN = 'tok-never-to-another-origin';

interface Server {
  url: string;
  port: number;
  requests: Array<{ path: string; authorization: string | null }>;
  /** Connections accepted, and how many of them have closed. */
  connections: { opened: number; closed: number };
  close(): Promise<void>;
}

async function serve(handler: http.RequestListener): Promise<Server> {
  const requests: Server['requests'] = [];
  const connections = { opened: 0, closed: 0 };
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', authorization: req.headers.authorization ?? null });
    handler(req, res);
  });
  server.on('connection', (socket) => {
    connections.opened += 1;
    socket.on('close', () => (connections.closed += 1));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Waits (bounded) until every connection the server accepted has closed. */
async function allClosed(server: Server): Promise<boolean> {
  for (let i = 0; i < 200 && server.connections.closed < server.connections.opened; i += 1) await new Promise((r) => setTimeout(r, 10));
  return server.connections.opened > 0 && server.connections.closed === server.connections.opened;
}

describe('redirects are not followed', () => {
  it('a Prometheus API answering 307/302 to another origin: not Prometheus, nothing sent there', async () => {
    const elsewhere = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{}}'));
    const redirecting = await serve((req, res) => res.writeHead(req.method === 'POST' ? 307 : 302, { location: `${elsewhere.url}${req.url}` }).end());
    const client = new PrometheusClient({ url: redirecting.url, auth: { kind: 'bearer', token: TOKEN }, timeoutMs: 2000, maxResponseBytes: 1 << 20 });
    try {
      const result = await client.testConnection();
      expect(result).toMatchObject({ ok: false, kind: 'not-prometheus' });
      expect(JSON.stringify(result)).not.toContain(TOKEN);
      expect(redirecting.requests.length).toBeGreaterThan(0);
      expect(elsewhere.requests).toEqual([]);
    } finally {
      client.close();
      await redirecting.close();
      await elsewhere.close();
    }
  });

  it('an exporter answering 302: not an exporter, the other server never asked', async () => {
    const elsewhere = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('up 1\n'));
    const redirecting = await serve((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/metrics` }).end());
    try {
      await expect(scrapeExporter({ transport: 'direct', url: `${redirecting.url}/metrics` }, { timeoutMs: 2000, maxBytes: 1 << 20 })).rejects.toMatchObject({
        kind: 'not-an-exporter',
        reason: 'HTTP 302',
      });
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await redirecting.close();
      await elsewhere.close();
    }
  });
});

describe('a forwarded channel is closed after every scrape', () => {
  const forwardingTo = (port: number): ForwardingConnection => ({
    label: 'loopback',
    forward: () =>
      new Promise((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      }),
  });
  const body = 'node_load1 0.5\n'.repeat(200);
  const cases: Array<[string, http.RequestListener, RegExp | null]> = [
    ['answered', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body), null],
    ['answered, kept alive by the server', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain', connection: 'keep-alive' }).end(body), null],
    ['an HTTP error', (_req, res) => res.writeHead(404).end('no'), /not-an-exporter/],
    ['too large', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(64 * 1024)), /too-large/],
    ['no answer in time', () => {}, /timeout/],
  ];
  for (const [what, handler, failure] of cases) {
    it(what, async () => {
      const server = await serve(handler);
      try {
        const outcome = await scrapeExporter(
          { transport: 'ssh', connection: forwardingTo(server.port), port: server.port },
          { timeoutMs: 500, maxBytes: 16 * 1024 },
        ).then(
          (r) => `ok ${r.text.length}`,
          (e: { kind: string }) => e.kind,
        );
        if (failure === null) expect(outcome).toBe(`ok ${body.length}`);
        else expect(outcome).toMatch(failure);
        expect(await allClosed(server)).toBe(true);
      } finally {
        await server.close();
      }
    });
  }
});
