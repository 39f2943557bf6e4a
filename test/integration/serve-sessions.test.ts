// The `serve` HTTP server in this process, on a real engine and real sockets, with a clock the
// tests move: sessions, Host names, the Origin check, static files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFromFile } from 'vite';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { MAX_SESSIONS, SESSION_IDLE_MS, startHttpServer, type RunningHttpServer } from '../../electron/server/http-server';
import { ConfigSchema } from '../../shared/config';
import { ROOT } from '../helpers/cli';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request to 127.0.0.1, so tests control every header (Host, Origin, Cookie). */
function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

let dir: string;
let engine: Engine;
const servers: RunningHttpServer[] = [];
let clock = 1_800_000_000_000;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-serve-sessions-'));
  engine = createEngine({
    config: ConfigSchema.parse({}),
    dbPath: join(dir, 'serve.db'),
    configPath: join(dir, 'config.yaml'),
    mode: 'serve',
    log: silentLogger,
    collectors: [],
  });
  // A built UI as the server sees it, source map included, as `sourcemap: true` used to emit.
  mkdirSync(join(dir, 'ui', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><div id="root"></div><script src="assets/app.js"></script>');
  writeFileSync(join(dir, 'ui', 'assets', 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map\n');
  writeFileSync(join(dir, 'ui', 'assets', 'app.js.map'), '{"version":3,"sources":["../src/secret.ts"],"sourcesContent":["secret"]}');
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(options: { host?: string; allowedHosts?: string[] } = {}): Promise<RunningHttpServer> {
  const server = await startHttpServer({
    handlers: engine.handlers,
    events: engine.events,
    rendererDir: join(dir, 'ui'),
    host: options.host ?? '127.0.0.1',
    port: 0,
    log: silentLogger,
    allowedHosts: options.allowedHosts,
    now: () => clock,
  });
  servers.push(server);
  return server;
}

/** Opens the printed URL as a browser would and returns the session cookie ("name=value"). */
async function openPage(server: RunningHttpServer): Promise<string> {
  const reply = await send(server.port, `/?token=${server.token}`, { headers: { Host: `127.0.0.1:${server.port}` } });
  expect(reply.status).toBe(303);
  return String(reply.headers['set-cookie']).split(';')[0]!;
}

const ownHost = (server: RunningHttpServer) => ({ Host: `127.0.0.1:${server.port}` });

describe('sessions', () => {
  it('the cookie holds a fresh random session id, never the token', async () => {
    const server = await start();
    const first = await openPage(server);
    const second = await openPage(server);
    const value = first.split('=')[1]!;
    expect(value).toMatch(/^[\w-]{40,}$/);
    expect(value).not.toContain(server.token);
    expect(second).not.toBe(first);
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: first } })).status).toBe(200);
    // The token itself in the cookie opens nothing.
    const tokenCookie = `${first.split('=')[0]}=${server.token}`;
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: tokenCookie } })).status).toBe(401);
  });

  it('a session unused for 12 hours is gone; each use keeps it alive', async () => {
    const server = await start();
    const cookie = await openPage(server);
    const page = () => send(server.port, '/', { headers: { ...ownHost(server), Cookie: cookie } }).then((r) => r.status);
    clock += SESSION_IDLE_MS - 1000;
    expect(await page()).toBe(200);
    clock += SESSION_IDLE_MS - 1000;
    expect(await page()).toBe(200);
    clock += SESSION_IDLE_MS + 1;
    expect(await page()).toBe(401);
    // Gone for good, even with the clock back.
    clock -= SESSION_IDLE_MS;
    expect(await page()).toBe(401);
  });

  it(`keeps at most ${MAX_SESSIONS} sessions, dropping the least recently used`, async () => {
    const server = await start();
    const oldest = await openPage(server);
    const kept = await openPage(server);
    for (let i = 0; i < MAX_SESSIONS - 2; i += 1) await openPage(server);
    // Using `kept` makes `oldest` the least recently used.
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: kept } })).status).toBe(200);
    await openPage(server);
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: oldest } })).status).toBe(401);
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: kept } })).status).toBe(200);
  });

  it('a session also works when another site on this host set a cookie of the same name', async () => {
    const server = await start();
    const cookie = await openPage(server);
    const name = cookie.split('=')[0]!;
    expect((await send(server.port, '/', { headers: { ...ownHost(server), Cookie: `${name}=planted; ${cookie}` } })).status).toBe(200);
  });

  it.each([
    ['GET', '/api/events'],
    ['POST', '/api/call/app:info'],
  ])('takes no token from the URL of %s %s', async (method, path) => {
    const server = await start();
    // The status line is enough: an event stream that was let in would never end.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `${path}?token=${server.token}`,
          method,
          headers: { ...ownHost(server), 'Content-Type': 'application/json' },
        },
        (res) => {
          resolve(res.statusCode!);
          res.destroy();
        },
      );
      req.on('error', reject);
      req.end(method === 'POST' ? '{}' : undefined);
    });
    expect(status).toBe(401);
  });
});

describe('Host names', () => {
  it('a server on 0.0.0.0 answers only to its own names, the token notwithstanding', async () => {
    const server = await start({ host: '0.0.0.0', allowedHosts: ['deck.example.org'] });
    const bearer = { Authorization: `Bearer ${server.token}` };
    for (const host of ['evil.example', `evil.example:${server.port}`, `localhost:${server.port + 1}`, `deck.example.org.evil.example:${server.port}`]) {
      const reply = await send(server.port, '/', { headers: { ...bearer, Host: host } });
      expect(reply.status, host).toBe(421);
      expect(JSON.parse(reply.body)).toMatchObject({ ok: false, error: { message: expect.stringMatching(/--allowed-host/) } });
    }
    for (const host of [
      `localhost:${server.port}`,
      `127.0.0.1:${server.port}`,
      `[::1]:${server.port}`,
      `0.0.0.0:${server.port}`,
      'deck.example.org',
      `DECK.example.org:${server.port}`,
    ]) {
      expect((await send(server.port, '/', { headers: { ...bearer, Host: host } })).status, host).toBe(200);
    }
  });

  it('a call whose Origin matches a forged Host is still refused', async () => {
    const server = await start({ host: '0.0.0.0' });
    const reply = await send(server.port, '/api/call/app:info', {
      method: 'POST',
      headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', Host: 'evil.example', Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(reply.status).toBe(421);
  });
});

describe('the Origin of calls: scheme, host and port exactly', () => {
  it.each([
    ['http://127.0.0.1:PORT', 200],
    ['https://127.0.0.1:PORT', 403],
    ['http://localhost:PORT', 403],
    ['http://127.0.0.1:1', 403],
    ['http://127.0.0.1', 403],
    ['null', 403],
    ['https://deck.example.org', 200],
    ['http://deck.example.org', 403],
    ['https://evil.example', 403],
  ])('Origin %s: %i', async (origin, status) => {
    const server = await start({ allowedHosts: ['deck.example.org'] });
    const reply = await send(server.port, '/api/call/app:info', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${server.token}`,
        'Content-Type': 'application/json',
        ...ownHost(server),
        Origin: origin.replace('PORT', String(server.port)),
      },
      body: '{}',
    });
    expect(reply.status).toBe(status);
  });
});

describe('static files', () => {
  it('the production build emits no source maps', async () => {
    // The config as `vite build` reads it.
    const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(ROOT, 'renderer', 'vite.config.mts'));
    expect(loaded!.config.build?.sourcemap ?? false).toBe(false);
  });

  it('serves the app but not its source maps', async () => {
    const server = await start();
    const bearer = { ...ownHost(server), Authorization: `Bearer ${server.token}` };
    expect((await send(server.port, '/assets/app.js', { headers: bearer })).status).toBe(200);
    for (const path of ['/assets/app.js.map', '/assets/APP.JS.MAP', '/assets/app.js%2emap']) {
      const reply = await send(server.port, path, { headers: bearer });
      expect(reply.status, path).toBe(404);
      expect(reply.body).not.toContain('sourcesContent');
    }
  });
});
