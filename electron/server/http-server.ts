/**
 * `clusterdeck serve`: the contract over HTTP (POST /api/call/<name>) plus server-sent events
 * (GET /api/events), and the built renderer as static files. The access token grants full
 * control (telemetry, adding nodes, which opens SSH connections with the operator's keys and
 * agent, trusting host keys), so it never goes into a cookie: a page load with `?token=` trades
 * it for a random session id that expires when idle, and scripts send it as
 * `Authorization: Bearer`. Every request must name one of this server's own hosts.
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
import { serveMetrics } from './metrics-endpoint';

export interface HttpServerOptions {
  /** The handlers of Bearer-token callers (scripts), and of every session without callerHandlers. */
  handlers: CallHandlers;
  /** Handlers for a new caller: each page session gets its own (its own profile). */
  callerHandlers?: () => CallHandlers;
  events: EngineEvents;
  /** Folder with the built renderer (index.html and assets). */
  rendererDir: string;
  host: string;
  port: number;
  log: Logger;
  /** More names (host names or IP addresses) the server answers to, at any port: see hostAllowed. */
  allowedHosts?: readonly string[];
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
  /** The clock sessions expire by (tests move it). */
  now?: () => number;
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
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const MAX_BODY_BYTES = 1024 * 1024;
/** Calls that carry files (an attestation's attachments, base64): their own, larger bound. */
const MAX_FILE_CALL_BODY_BYTES: Readonly<Record<string, number>> = { 'audits:attest': 20 * 1024 * 1024 };
/** A session not used for this long is gone; the page then needs the URL with the token again. */
export const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
/** Sessions kept at most; the least recently used goes first. */
export const MAX_SESSIONS = 64;
const HEARTBEAT_MS = 15_000;
/** An event-stream client that stops reading is dropped once this much is queued for it. */
const MAX_STREAM_BACKLOG_BYTES = 8 * 1024 * 1024;

const STATUS_OF: Record<ErrorCode, number> = {
  'unknown-call': 404,
  'bad-request': 400,
  'not-found': 404,
  forbidden: 403,
  unavailable: 503,
  internal: 500,
};

/** True for addresses and names only this machine can reach. */
export function isLoopbackAddress(host: string): boolean {
  return ['::1', '[::1]', 'localhost'].includes(host.toLowerCase()) || /^(?:::ffff:)?127\.\d+\.\d+\.\d+$/i.test(host);
}

/** A host name as the Host header and Origin write it: lower case, IPv6 in brackets. */
function hostKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes(':') && !lower.startsWith('[') ? `[${lower}]` : lower;
}

/** Splits a Host header into its name and port (null when absent); null when it is not one. */
function parseHostHeader(header: string | undefined): { name: string; port: number | null } | null {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/\s]+)(?::(\d{1,5}))?$/.exec(header ?? '');
  if (!match) return null;
  return { name: match[1]!.toLowerCase(), port: match[2] === undefined ? null : Number(match[2]) };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Every value of the cookie `name` (another site on this host may have set one of the same name). */
function cookieValues(header: string | undefined, name: string): string[] {
  const values: string[] = [];
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) values.push(part.slice(index + 1).trim());
  }
  return values;
}

function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

function sendError(
  res: ServerResponse,
  status: number,
  code: ErrorCode | 'unauthorized' | 'forbidden',
  message: string,
  headers?: Record<string, string>,
): void {
  sendJson(res, status, { ok: false, error: { code, message } }, headers);
}

class BodyTooLargeError extends Error {}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      reject(new BodyTooLargeError());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBytes) {
        // Answered (413), not reset: the rest is read and dropped until the connection closes.
        tooLarge = true;
        chunks.length = 0;
        reject(new BodyTooLargeError());
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
  const now = options.now ?? Date.now;
  const rendererRoot = resolve(options.rendererDir);
  const streams = new Set<ServerResponse>();
  /** Session id -> when it was last used and its caller's handlers; in use order, so the first is the least recently used. */
  const sessions = new Map<string, { lastUsed: number; handlers: CallHandlers }>();
  let port = options.port;
  const cookieName = () => `clusterdeck_${port}`;
  // This machine's names and the bound address are reached directly, so they must carry our port.
  const ownNames = new Set(['localhost', '127.0.0.1', '[::1]', hostKey(options.host)]);
  // Names the operator allowed, at any port: a TLS proxy in front is reached at its own port.
  const extraNames = new Set((options.allowedHosts ?? []).map(hostKey));

  /**
   * Only our own names get an answer: a page on another name (DNS rebinding: evil.example
   * resolving to 127.0.0.1) reaches the socket but not the app.
   */
  function hostAllowed(header: string | undefined): boolean {
    const host = parseHostHeader(header);
    if (!host) return false;
    if (extraNames.has(host.name)) return true;
    // A browser leaves the port out of the Host header only when it is 80.
    return ownNames.has(host.name) && (host.port ?? 80) === port;
  }

  /**
   * A call from a page must come from the page's own origin, scheme and port included, or from
   * an allowed name over HTTPS (a TLS proxy in front of this server).
   */
  function originAllowed(origin: string, hostHeader: string): boolean {
    if (origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`) return true;
    try {
      const url = new URL(origin);
      return url.protocol === 'https:' && url.origin === origin.toLowerCase() && extraNames.has(hostKey(url.hostname));
    } catch {
      return false;
    }
  }

  function newSession(): string {
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, { lastUsed: now(), handlers: options.callerHandlers?.() ?? options.handlers });
    while (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    return id;
  }

  /** A live session's handlers, which this use keeps alive for another SESSION_IDLE_MS; null when gone. */
  function liveSession(id: string): CallHandlers | null {
    const session = sessions.get(id);
    if (session === undefined) return null;
    sessions.delete(id);
    if (now() - session.lastUsed > SESSION_IDLE_MS) return null;
    sessions.set(id, { lastUsed: now(), handlers: session.handlers });
    return session.handlers;
  }

  /**
   * The token as a Bearer header (scripts), or a live session cookie (the page). Never the token
   * from a URL. Answers the caller's handlers, or null when not authorised.
   */
  function authorised(req: IncomingMessage): CallHandlers | null {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined && safeEqual(bearer, token)) return options.handlers;
    for (const id of cookieValues(req.headers.cookie, cookieName())) {
      const handlers = liveSession(id);
      if (handlers) return handlers;
    }
    return null;
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string, handlers: CallHandlers): Promise<void> {
    // JSON content type and a same-origin Origin keep other web pages from posting here.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendError(res, 415, 'bad-request', 'calls must be sent as application/json');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !originAllowed(origin, req.headers.host!)) {
      sendError(res, 403, 'forbidden', 'cross-origin call refused');
      return;
    }
    let payload: unknown;
    const maxBytes = MAX_FILE_CALL_BODY_BYTES[name] ?? MAX_BODY_BYTES;
    try {
      const body = await readBody(req, maxBytes);
      payload = body.trim() === '' ? {} : JSON.parse(body);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendError(res, 413, 'bad-request', `request body over ${maxBytes} bytes`, { Connection: 'close' });
        return;
      }
      sendError(res, 400, 'bad-request', `request body is not valid JSON: ${(error as Error).message}`);
      return;
    }
    const result: CallResult<unknown> = await dispatchCall(handlers, name, payload, (error, call) => options.log.error(`call ${call} failed`, error));
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
    // Source maps would hand out the sources; the build makes none, and none is served.
    if (extname(relative).toLowerCase() === '.map') {
      sendError(res, 404, 'not-found', 'no such file');
      return;
    }
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
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    baseHeaders(res);
    if (!hostAllowed(req.headers.host)) {
      sendError(
        res,
        421,
        'forbidden',
        `this server answers only to its own host names (localhost, 127.0.0.1, [::1] or ${hostKey(options.host)} at port ${port}, or a name given with --allowed-host)`,
      );
      return;
    }
    // Origin-form only ("/path"); parsed under a fixed origin, so the path cannot name a host.
    if (!(req.url ?? '').startsWith('/')) {
      sendError(res, 400, 'bad-request', 'bad request target');
      return;
    }
    const url = new URL(`http://clusterdeck.invalid${req.url}`);
    const isApi = url.pathname.startsWith('/api/');
    if (url.searchParams.has('token') && req.method === 'GET' && !isApi) {
      // The page load: trade the token for a session cookie and take it out of the address bar.
      if (!safeEqual(url.searchParams.get('token')!, token)) {
        sendError(res, 401, 'unauthorized', 'wrong access token: open the URL that `clusterdeck serve` printed');
        return;
      }
      url.searchParams.delete('token');
      res.writeHead(303, {
        'Set-Cookie': `${cookieName()}=${newSession()}; HttpOnly; SameSite=Strict; Path=/`,
        // One leading slash: "//host/..." would send the browser to another site.
        Location: `/${url.pathname.replace(/^\/+/, '')}${url.search}`,
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    const handlers = authorised(req);
    if (!handlers) {
      sendError(res, 401, 'unauthorized', 'missing or wrong access token: open the URL that `clusterdeck serve` printed');
      return;
    }
    const call = /^\/api\/call\/([\w:.-]+)$/.exec(url.pathname);
    if (call) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        sendError(res, 405, 'bad-request', 'calls are POST requests');
        return;
      }
      await handleCall(req, res, call[1]!, handlers);
      return;
    }
    // What a Prometheus scrapes, with the token as its bearer credentials.
    if (url.pathname === '/metrics') {
      await serveMetrics(req, res, handlers);
      return;
    }
    if (url.pathname === '/api/events' && req.method === 'GET') {
      handleEvents(req, res);
      return;
    }
    if (isApi) {
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
