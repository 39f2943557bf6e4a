/**
 * `clusterdeck serve`: the contract over HTTP (POST /api/call/<name>) plus server-sent events
 * (GET /api/events), and the built renderer as static files. Every request needs the access
 * token: from the URL once (which sets an HttpOnly cookie and redirects the token out of the
 * address bar), then from that cookie or an `Authorization: Bearer` header.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import type { CallHandlers, CallResult, ErrorCode } from '../../shared/contract';
import { dispatchCall } from '../../shared/dispatch';
import type { EngineEvents } from '../core/events';
import type { Logger } from '../core/log';

export interface HttpServerOptions {
  handlers: CallHandlers;
  events: EngineEvents;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  host: string;
  port: number;
  log: Logger;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
}

export interface RunningHttpServer {
  server: Server;
  /** The URL to open, token included. */
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** An event-stream client that stops reading is dropped once this much is queued for it. */
const MAX_STREAM_BACKLOG_BYTES = 8 * 1024 * 1024;

const STATUS_OF: Record<ErrorCode, number> = {
  'unknown-call': 404,
  'bad-request': 400,
  'not-found': 404,
  unavailable: 503,
  internal: 500,
};

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host.startsWith('127.');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies;
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: ErrorCode | 'unauthorized' | 'forbidden', message: string): void {
  sendJson(res, status, { ok: false, error: { code, message } });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const rendererRoot = resolve(options.rendererDir);
  const streams = new Set<ServerResponse>();
  let port = options.port;
  const cookieName = () => `clusterdeck_${port}`;

  const allowedHosts = (): Set<string> => {
    const names = new Set([options.host, 'localhost', '127.0.0.1', '[::1]']);
    return new Set([...names].map((h) => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`));
  };

  function authorised(req: IncomingMessage, url: URL): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const candidates = [bearer, parseCookies(req.headers.cookie).get(cookieName()), url.searchParams.get('token') ?? undefined];
    return candidates.some((candidate) => candidate !== undefined && safeEqual(candidate, token));
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    // JSON content type and a same-origin Origin keep other web pages from posting here.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendError(res, 415, 'bad-request', 'calls must be sent as application/json');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin.replace(/^https?:\/\//, '') !== req.headers.host) {
      sendError(res, 403, 'forbidden', 'cross-origin call refused');
      return;
    }
    let payload: unknown;
    try {
      const body = await readBody(req);
      payload = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      sendError(res, 400, 'bad-request', `request body is not valid JSON: ${(error as Error).message}`);
      return;
    }
    const result: CallResult<unknown> = await dispatchCall(options.handlers, name, payload, (error, call) =>
      options.log.error(`call ${call} failed`, error),
    );
    sendJson(res, result.ok ? 200 : STATUS_OF[result.error.code], result);
  }

  function handleEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const unsubscribe = options.events.onAny((name, payload) => {
      if (res.writableLength > MAX_STREAM_BACKLOG_BYTES) {
        options.log.warn('dropping an event-stream client that stopped reading');
        res.destroy();
        return;
      }
      res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const cleanup = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    };
    req.on('close', cleanup);
    res.on('error', cleanup);
  }

  async function handleStatic(res: ServerResponse, pathname: string): Promise<void> {
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      sendError(res, 400, 'bad-request', 'bad path');
      return;
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = resolve(join(rendererRoot, relative));
    if (file !== rendererRoot && !file.startsWith(rendererRoot + sep)) {
      sendError(res, 403, 'forbidden', 'path outside the app');
      return;
    }
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      size = info.size;
    } catch {
      sendError(res, 404, 'not-found', 'no such file');
      return;
    }
    const isHtml = file.endsWith('.html');
    res.writeHead(200, {
      'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': size,
      'Cache-Control': isHtml ? 'no-store' : 'private, max-age=3600',
      ...(isHtml ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY } : {}),
    });
    createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    baseHeaders(res);
    // A loopback server answers only to its own host names, which defeats DNS rebinding.
    if (isLoopback(options.host) && !allowedHosts().has(req.headers.host ?? '')) {
      sendError(res, 421, 'forbidden', 'unexpected Host header');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://clusterdeck.invalid');
    if (!authorised(req, url)) {
      sendError(res, 401, 'unauthorized', 'missing or wrong access token: open the URL that `clusterdeck serve` printed');
      return;
    }
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      // Trade the token in the URL for a cookie, and take it out of the address bar and history.
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    const call = /^\/api\/call\/([\w:.-]+)$/.exec(url.pathname);
    if (call) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        sendError(res, 405, 'bad-request', 'calls are POST requests');
        return;
      }
      await handleCall(req, res, call[1]!);
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      handleEvents(req, res);
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      sendError(res, 404, 'unknown-call', 'no such endpoint');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendError(res, 405, 'bad-request', 'method not allowed');
      return;
    }
    await handleStatic(res, url.pathname);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      options.log.error('HTTP request failed', error);
      if (!res.headersSent) sendError(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
      resolveStart({
        server,
        token,
        port,
        url: `http://${hostInUrl}:${port}/?token=${token}`,
        close: () =>
          new Promise<void>((done) => {
            for (const stream of streams) stream.end();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
