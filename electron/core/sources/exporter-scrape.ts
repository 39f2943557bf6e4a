/**
 * One scrape of an exporter's /metrics (node_exporter, dcgm-exporter...) without Prometheus:
 * directly over HTTP(S), or through a direct-tcpip channel of the node's existing SSH connection
 * to a port on the node's own loopback (ssh -L without a local listener), so that no port has to
 * be opened on the node or here. An exporter is not trusted: the body is bounded (on the wire and
 * after gzip), the whole scrape has one deadline, and every failure says which of these it is:
 * the node or its port unreachable, forwarding refused by sshd, no answer in time, not an
 * exporter (not HTTP, an HTTP error, an HTML page), too large.
 */
import type { Duplex } from 'node:stream';
import * as http from 'node:http';
import * as https from 'node:https';
import { createGunzip } from 'node:zlib';

/** What the SSH layer provides (SshConnection.forward): a channel to host:port as the node sees it. */
export interface ForwardingConnection {
  readonly label: string;
  forward(host: string, port: number): Promise<Duplex>;
}

export type ExporterTarget =
  { transport: 'direct'; url: string; ca?: string } | { transport: 'ssh'; connection: ForwardingConnection; port: number; path?: string };

export interface ScrapeOptions {
  /** The whole scrape: forward, connect, request and body. */
  timeoutMs: number;
  /** Body bytes kept, after decompression (and the same bound on the wire). */
  maxBytes: number;
}

export interface ScrapeResult {
  text: string;
  durationMs: number;
}

export type ExporterErrorKind =
  /** Refused, the SSH connection down, the network: nothing answered on the port. */
  | 'unreachable'
  /** sshd refused the forward (AllowTcpForwarding no, or a permitopen restriction). */
  | 'forwarding-refused'
  /** No complete answer within the deadline. */
  | 'timeout'
  /** Something answered, but not an exporter's metrics (not HTTP, an HTTP error, HTML). */
  | 'not-an-exporter'
  /** The body was larger than maxBytes. */
  | 'too-large';

export class ExporterScrapeError extends Error {
  override readonly name = 'ExporterScrapeError';
  constructor(
    readonly kind: ExporterErrorKind,
    message: string,
    /** Short machine-readable reason: ECONNREFUSED, HTTP 404, HPE_INVALID_CONSTANT, timeout... */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Content types an exporter serves (text exposition 0.0.4 and OpenMetrics; some send none). */
const METRICS_CONTENT_TYPE = /^(text\/plain|application\/openmetrics-text)\b/i;
const DEFAULT_PATH = '/metrics';

/** The URL as it may be shown: no userinfo, query or fragment. */
function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Scrapes one exporter; rejects with an ExporterScrapeError. Never opens a listening port. */
export async function scrapeExporter(target: ExporterTarget, options: ScrapeOptions): Promise<ScrapeResult> {
  const started = performance.now();
  const deadline = new Deadline(options.timeoutMs);
  try {
    if (target.transport === 'direct') {
      let url: URL;
      try {
        url = new URL(target.url);
      } catch {
        throw new ExporterScrapeError('unreachable', `not a valid exporter URL`, 'invalid-url');
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new ExporterScrapeError('unreachable', `${url.protocol} is not http or https`, 'invalid-url');
      const where = shownUrl(url);
      const request = url.protocol === 'https:' ? https.request : http.request;
      const text = await deadline.race(
        get(where, (onResponse) => request(url, { agent: false, headers: HEADERS, ...(target.ca ? { ca: target.ca } : {}) }, onResponse), options, deadline),
        `${where} did not answer within ${options.timeoutMs} ms`,
      );
      return { text, durationMs: performance.now() - started };
    }
    const path = target.path ?? DEFAULT_PATH;
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65_535 || !path.startsWith('/') || /[\s\0]/.test(path)) {
      throw new ExporterScrapeError('unreachable', `not a valid exporter port and path: ${target.port} ${JSON.stringify(path.slice(0, 200))}`, 'invalid-url');
    }
    const where = `127.0.0.1:${target.port}${path} on ${target.connection.label} (through SSH)`;
    const forwarding = target.connection.forward('127.0.0.1', target.port);
    // A channel that opens after the deadline is closed at once, never left open.
    forwarding.then((stream) => (deadline.expired ? stream.destroy() : undefined)).catch(() => {});
    const stream = await deadline.race(
      forwarding.catch((error: unknown) => Promise.reject(forwardError(error, where))),
      `${where}: the forward did not open within ${options.timeoutMs} ms`,
    );
    const text = await deadline.race(
      get(
        where,
        (onResponse) =>
          // No agent: with one (even `agent: false`, a fresh Agent) node:http would ignore createConnection and dial itself.
          http.request({ host: '127.0.0.1', port: target.port, path, headers: HEADERS, createConnection: () => stream as never }, onResponse),
        options,
        deadline,
      ),
      `${where} did not answer within ${options.timeoutMs} ms`,
    );
    return { text, durationMs: performance.now() - started };
  } finally {
    deadline.clear();
  }
}

const HEADERS = { 'Accept-Encoding': 'gzip', Accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1' };

/** One GET of an exporter's metrics: status and content type checked, body bounded, gzip undone. */
function get(
  where: string,
  start: (onResponse: (res: http.IncomingMessage) => void) => http.ClientRequest,
  options: ScrapeOptions,
  deadline: Deadline,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: ExporterScrapeError) => {
      if (settled) return;
      settled = true;
      req.destroy();
      reject(error);
    };
    const req = start((res) => {
      const status = res.statusCode ?? 0;
      const type = String(res.headers['content-type'] ?? '');
      if (status !== 200) {
        res.resume();
        fail(
          new ExporterScrapeError(
            'not-an-exporter',
            `${where} answered HTTP ${status}${status === 404 ? ' (is this the metrics path?)' : ''}`,
            `HTTP ${status}`,
          ),
        );
        return;
      }
      if (type !== '' && !METRICS_CONTENT_TYPE.test(type)) {
        res.resume();
        fail(new ExporterScrapeError('not-an-exporter', `${where} answered ${type.split(';')[0]}, not metrics text`, 'content-type'));
        return;
      }
      const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
      if (encoding !== 'identity' && encoding !== 'gzip') {
        res.resume();
        fail(new ExporterScrapeError('not-an-exporter', `${where} answered with an unsupported Content-Encoding ${encoding}`, 'content-encoding'));
        return;
      }
      const body = encoding === 'gzip' ? res.pipe(createGunzip()) : res;
      const chunks: Buffer[] = [];
      let bytes = 0;
      let wireBytes = 0;
      const tooLarge = () => fail(new ExporterScrapeError('too-large', `${where} answered more than ${options.maxBytes} bytes`, 'too-large'));
      res.on('data', (chunk: Buffer) => {
        wireBytes += chunk.length;
        if (wireBytes > options.maxBytes) tooLarge();
      });
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > options.maxBytes) {
          tooLarge();
          if (body !== res) body.destroy();
          return;
        }
        chunks.push(chunk);
      });
      body.on('end', () => {
        if (settled) return;
        settled = true;
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      body.on('error', (error: Error) => fail(new ExporterScrapeError('not-an-exporter', `${where}: the gzip body is corrupt (${error.message})`, 'gzip')));
      res.on('error', (error: Error) => fail(networkError(error, where)));
    });
    req.on('error', (error) => fail(deadline.expired ? deadline.error : networkError(error, where)));
    req.end();
    deadline.onExpire(() => req.destroy());
  });
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the exporter running, on this port?)',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'connection closed',
};

function networkError(error: unknown, where: string): ExporterScrapeError {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const text = error instanceof Error ? error.message : String(error);
  // llhttp's codes: the peer answered, but not in HTTP (sshd's banner, a database, TLS).
  if (code.startsWith('HPE_')) return new ExporterScrapeError('not-an-exporter', `${where} did not answer in HTTP (${text})`, code);
  if (code === 'ECONNRESET' && /socket hang up/.test(text)) {
    return new ExporterScrapeError('not-an-exporter', `${where} closed the connection without an HTTP answer`, 'socket hang up');
  }
  if (code in UNREACHABLE) return new ExporterScrapeError('unreachable', `${where} is unreachable: ${UNREACHABLE[code]}`, code);
  if (/certificate|SSL|TLS/i.test(text) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_')) {
    return new ExporterScrapeError('unreachable', `${where}: TLS error: ${text}`, code || 'tls');
  }
  return new ExporterScrapeError('unreachable', `${where} is unreachable: ${text}`, code || 'network');
}

/**
 * ssh2's channel-open failures: sshd says "Connection refused" when nothing listens on the port,
 * "administratively prohibited" when forwarding is off; anything else (the SSH connection itself
 * down) keeps its own words.
 */
function forwardError(error: unknown, where: string): ExporterScrapeError {
  const text = error instanceof Error ? error.message : String(error);
  if (/connection refused/i.test(text)) {
    return new ExporterScrapeError(
      'unreachable',
      `${where} is unreachable: connection refused on the node (is the exporter running, on this port?)`,
      'ECONNREFUSED',
    );
  }
  if (/administratively prohibited|open failed|forwarding.*(disabled|denied)|not permitted/i.test(text)) {
    return new ExporterScrapeError(
      'forwarding-refused',
      `${where}: the node's sshd refuses port forwarding (AllowTcpForwarding): ${text}`,
      'forwarding-refused',
    );
  }
  return new ExporterScrapeError('unreachable', `${where} is unreachable: ${text}`, 'ssh');
}

/** One timer for the whole scrape; race() turns its expiry into a timeout error. */
class Deadline {
  expired = false;
  readonly error: ExporterScrapeError;
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: Array<() => void> = [];
  private rejectRace: ((error: ExporterScrapeError) => void) | null = null;
  private message = '';

  constructor(timeoutMs: number) {
    this.error = new ExporterScrapeError('timeout', '', 'timeout');
    this.timer = setTimeout(() => {
      this.expired = true;
      Object.assign(this.error, { message: this.message });
      this.rejectRace?.(this.error);
      for (const listener of this.listeners.splice(0)) listener();
    }, timeoutMs);
  }

  race<T>(work: Promise<T>, message: string): Promise<T> {
    this.message = message;
    if (this.expired) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => {
      this.rejectRace = reject;
      work.then(resolve, reject);
    });
  }

  onExpire(listener: () => void): void {
    if (this.expired) listener();
    else this.listeners.push(listener);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}
