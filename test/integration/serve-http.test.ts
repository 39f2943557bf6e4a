import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineStatusSchema } from '../../shared/contract';
import { NodeSnapshotSchema } from '../../shared/model/node';
import { isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (Host, Origin, Cookie). */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The same with the request target sent as written: a URL string would have its dot segments resolved first. */
function sendPath(origin: string, path: string): Promise<Reply> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: '' }));
    });
    req.on('error', reject);
    req.end();
  });
}

let serve: ServeProcess;

beforeAll(async () => {
  const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: 'rtx-3090-drv590-v13.xml' }).path });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), 'collection:\n  intervalMs: 1000\n');
  serve = await startServe(['--db', join(env.XDG_DATA_HOME!, 'serve.db')], env);
});

afterAll(async () => {
  await serve?.stop();
});

const call = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  send(`${serve.origin}/api/call/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('clusterdeck serve: access', () => {
  it('binds loopback and prints a URL with a long random token', () => {
    expect(new URL(serve.url).hostname).toBe('127.0.0.1');
    expect(serve.token).toMatch(/^[\w-]{32,}$/);
  });

  it.each([
    ['/', {}],
    ['/index.html', {}],
    ['/api/events', {}],
    ['/?token=wrong', {}],
    ['/', { Authorization: 'Bearer wrong' }],
    ['/', { Cookie: 'clusterdeck_1=whatever' }],
  ])('GET %s without the right token is 401 (%j)', async (path, headers) => {
    const reply = await send(`${serve.origin}${path}`, { headers });
    expect(reply.status).toBe(401);
    expect(reply.body).not.toContain('<html');
  });

  it('a call without the token is 401 and reaches no handler', async () => {
    const reply = await send(`${serve.origin}/api/call/nodes:list`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(reply.status).toBe(401);
  });

  it('trades the URL token for an HttpOnly SameSite session cookie and redirects it out of the address bar', async () => {
    const reply = await send(serve.url);
    expect(reply.status).toBe(303);
    expect(reply.headers.location).toBe('/');
    const cookie = String(reply.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    // A session id: other services on 127.0.0.1 see this cookie (cookies ignore the port).
    expect(cookie).not.toContain(serve.token);
    const page = await send(`${serve.origin}/`, { headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<div id="root">/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
  });

  it('answers only to its own Host names (DNS rebinding)', async () => {
    const reply = await send(`${serve.origin}/`, { headers: { Authorization: `Bearer ${serve.token}`, Host: 'evil.example:80' } });
    expect(reply.status).toBe(421);
  });

  it.each([
    ['POST', '/api/call/nodes:list'],
    ['GET', '/api/events'],
  ])('takes the token from the page URL only, not from %s %s', async (method, path) => {
    // The status line is enough: an event stream that was let in would never end.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${serve.origin}${path}?token=${serve.token}`, { method, headers: { 'Content-Type': 'application/json' } }, (res) => {
        resolve(res.statusCode!);
        res.destroy();
      });
      req.on('error', reject);
      req.end(method === 'POST' ? '{}' : undefined);
    });
    expect(status).toBe(401);
  });

  it.each(['/.//evil.example/', '//evil.example/', '/\\evil.example/', '/%2F/evil.example/'])('never redirects off-site from %s', async (path) => {
    const reply = await sendPath(serve.origin, `${path}?token=${serve.token}&tab=gpu`);
    expect(reply.status).toBe(303);
    const location = String(reply.headers.location);
    expect(location).toMatch(/^\/(?![/\\])/);
    expect(new URL(location, serve.origin).origin).toBe(serve.origin);
    expect(location).toMatch(/\?tab=gpu$/);
  });

  it('refuses path traversal out of the UI folder', async () => {
    for (const path of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/..%2f..%2f..%2fpackage.json']) {
      const reply = await send(`${serve.origin}${path}`, { headers: { Authorization: `Bearer ${serve.token}` } });
      expect([403, 404]).toContain(reply.status);
      expect(reply.body).not.toContain('"clusterdeck"');
    }
  });
});

describe('clusterdeck serve: the contract over HTTP', () => {
  it('answers contract calls', async () => {
    const info = await call('app:info', {});
    expect(info.status).toBe(200);
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, value: { mode: 'serve', intervalMs: 1000, configError: null } });
    const status = JSON.parse((await call('engine:status', {})).body) as { value: unknown };
    expect(EngineStatusSchema.parse(status.value)).toBeTruthy();
  });

  it('serves the latest snapshot and metric history of the node', async () => {
    let nodes: Array<{ id: string; gpuCount: number }> = [];
    for (let i = 0; i < 50 && nodes.length === 0; i += 1) {
      nodes = (JSON.parse((await call('nodes:list', {})).body) as { value: typeof nodes }).value;
      if (nodes.length === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.gpuCount).toBe(1);
    const latest = JSON.parse((await call('nodes:latest', { nodeId: nodes[0]!.id })).body) as { value: unknown };
    const snapshot = NodeSnapshotSchema.parse(latest.value);
    expect(snapshot.gpus[0]!.productName).toBe('NVIDIA GeForce RTX 3090');
    const now = Date.now();
    const query = await call('metrics:query', { nodeId: snapshot.id, metric: 'gpu.temperature_c', fromMs: now - 300_000, toMs: now + 1000, maxPoints: 300 });
    const result = JSON.parse(query.body) as { ok: boolean; value: { series: Array<{ device: string; v: number[] }> } };
    expect(result.ok).toBe(true);
    expect(result.value.series[0]!.device).toBe(snapshot.gpus[0]!.uuid);
    expect(result.value.series[0]!.v.every((v) => v === snapshot.gpus[0]!.temperatureC)).toBe(true);
  });

  it.each([
    ['nodes:latest', { nodeId: 42 }, 400, 'bad-request'],
    ['metrics:query', { nodeId: 'x', metric: 'no.such', fromMs: 1, toMs: 2, maxPoints: 10 }, 400, 'bad-request'],
    ['nodes:list', '{not json', 400, 'bad-request'],
    ['nodes:drop', {}, 404, 'unknown-call'],
  ])('refuses %s %j with %i %s', async (name, body, status, code) => {
    const reply = await call(name, body);
    expect(reply.status).toBe(status);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code } });
    expect(reply.body).not.toMatch(/at .*\.js:\d+/);
  });

  it('answers a body over 1 MiB with 413 and JSON, then closes', async () => {
    const reply = await call('nodes:list', JSON.stringify({ pad: 'x'.repeat(1_100_000) }));
    expect(reply.status).toBe(413);
    expect(reply.headers.connection).toBe('close');
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/over 1048576 bytes/) } });
  });

  it('reads an attestation with attachments up to 20 MiB (files, base64), and no more', async () => {
    const attest = (bytes: number) =>
      JSON.stringify({
        nodeId: 'nowhere',
        checkId: 'gnb-ssh-001',
        status: 'pass',
        note: 'n',
        attachments: [{ name: 'a.bin', contentBase64: 'A'.repeat(bytes) }],
      });
    // Read and validated (the node has no run: refused by the handler, not for its size).
    const read = await call('audits:attest', attest(2_000_000));
    expect(read.status).not.toBe(413);
    expect(JSON.parse(read.body)).toMatchObject({ ok: expect.any(Boolean) });
    // Sent in chunks, reading the answer while writing: the server answers 413 and closes before
    // 21 MiB are through, so a write after the answer may fail (EPIPE); the answer is what counts.
    const tooLarge = await new Promise<Reply>((resolve, reject) => {
      let answered = false;
      const req = request(
        `${serve.origin}/api/call/audits:attest`,
        { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          answered = true;
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        },
      );
      req.on('error', (error) => (answered ? undefined : reject(error)));
      const body = attest(21 * 1024 * 1024);
      for (let at = 0; at < body.length && !answered; at += 1024 * 1024) req.write(body.slice(at, at + 1024 * 1024));
      req.end();
    });
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/over 20971520 bytes/) } });
  });

  it('answers a chunked body over 1 MiB (no Content-Length) with 413 too', async () => {
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = request(
        `${serve.origin}/api/call/nodes:list`,
        { method: 'POST', headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } },
        (res) => {
          answered = true;
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        },
      );
      let answered = false;
      // Writes after the answer may fail once the server closed; the answer is what counts.
      req.on('error', (error) => (answered ? undefined : reject(error)));
      for (let i = 0; i < 20; i += 1) req.write('x'.repeat(100_000));
      req.end();
    });
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('refuses cross-site calls: form content types and foreign Origins', async () => {
    expect((await call('nodes:list', '{}', { 'Content-Type': 'text/plain' })).status).toBe(415);
    expect((await call('nodes:list', '{}', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('nodes:list', '{}', { Origin: serve.origin.replace('http:', 'https:') })).status).toBe(403);
    expect((await call('nodes:list', '{}', { Origin: serve.origin })).status).toBe(200);
    expect((await send(`${serve.origin}/api/call/nodes:list`, { headers: { Authorization: `Bearer ${serve.token}` } })).status).toBe(405);
  });
});

describe('clusterdeck serve: the event stream', () => {
  it('pushes every new snapshot and engine status as server-sent events', async () => {
    const events = await new Promise<Array<{ event: string; data: string }>>((resolve, reject) => {
      const req = request(`${serve.origin}/api/events`, { headers: { Authorization: `Bearer ${serve.token}` } }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/event-stream/);
        let buffer = '';
        const seen: Array<{ event: string; data: string }> = [];
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(block)?.[1];
            const data = /^data: (.+)$/m.exec(block)?.[1];
            if (event && data) seen.push({ event, data });
          }
          if (seen.filter((e) => e.event === 'snapshot:collected').length >= 2) {
            req.destroy();
            resolve(seen);
          }
        });
      });
      req.on('error', (error) => (error.message === 'socket hang up' ? undefined : reject(error)));
      req.end();
    });
    const snapshots = events.filter((e) => e.event === 'snapshot:collected').map((e) => NodeSnapshotSchema.parse(JSON.parse(e.data)));
    // Ticks sit on the 1 s grid; a tick slower than 1 s on a loaded machine skips a grid point.
    const gap = snapshots[1]!.collectedAt - snapshots[0]!.collectedAt;
    expect(gap).toBeGreaterThan(0);
    expect(gap % 1000).toBe(0);
    expect(events.some((e) => e.event === 'engine:statusChanged')).toBe(true);
  });
});

describe('clusterdeck serve: --host and --allowed-host', () => {
  it('on 0.0.0.0 says what the token grants and answers only to its own and the allowed names', async () => {
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: 'rtx-3090-drv590-v13.xml' }).path });
    const wide = await startServe(['--host', '0.0.0.0', '--allowed-host', 'Deck.Example.org', '--db', join(env.XDG_DATA_HOME!, 'wide.db')], env);
    try {
      const port = new URL(wide.url).port;
      const local = `http://127.0.0.1:${port}`;
      const bearer = { Authorization: `Bearer ${wide.token}`, 'Content-Type': 'application/json' };
      // A forged Host with the token, and a call whose Origin matches it: both refused.
      expect((await send(`${local}/`, { headers: { ...bearer, Host: `evil.example:${port}` } })).status).toBe(421);
      const forged = await send(`${local}/api/call/nodes:list`, {
        method: 'POST',
        headers: { ...bearer, Host: 'evil.example', Origin: 'http://evil.example' },
        body: '{}',
      });
      expect(forged.status).toBe(421);
      expect(JSON.parse(forged.body)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/--allowed-host/) } });
      expect((await send(`${local}/`, { headers: { ...bearer, Host: `deck.example.org:${port}` } })).status).toBe(200);
      expect((await send(`${local}/`, { headers: { ...bearer, Host: `127.0.0.1:${port}` } })).status).toBe(200);
      const warning = wide.stderr();
      expect(warning).toMatch(/not loopback, over plain HTTP/);
      expect(warning).toMatch(/full control: reading telemetry, adding and removing SSH nodes \(which opens SSH connections with the keys and ssh-agent/);
      expect(warning).toMatch(/trusting host keys/);
      expect(warning).not.toMatch(/can read this node's telemetry/);
      expect(warning).toMatch(/--allowed-host NAME/);
    } finally {
      await wide.stop();
    }
  });

  it.each(['http://deck.example.org', 'deck.example.org:8443', 'deck/x', 'a b'])('refuses --allowed-host %s with exit 2', async (name) => {
    await expect(startServe(['--allowed-host', name, '--db', ':memory:'])).rejects.toThrow(
      /exited with 2[\s\S]*--allowed-host takes a host name or IP address/,
    );
  });
});

describe('clusterdeck serve: bad config', () => {
  it('exits 2 with the file and field named, serving nothing', async () => {
    const env = isolatedEnv();
    mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
    writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), 'serve:\n  port: "eighty"\n');
    await expect(startServe([], env)).rejects.toThrow(/exited with 2[\s\S]*config\.yaml: serve\.port/);
  });
});
