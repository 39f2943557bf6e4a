/**
 * A client for the Prometheus HTTP API, as served by Prometheus, Thanos, Mimir and
 * VictoriaMetrics. node:http/https rather than fetch: a custom CA is a plain `ca` option on an
 * https.Agent. Every call has a deadline (connect, headers and body together) and a bound on
 * the answer's size (after gunzip); the envelope is validated; failures are PrometheusErrors
 * with a kind a user can act on. Secrets live in private fields and never reach a message.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import { gunzip } from 'node:zlib';
import {
  ApiEnvelopeSchema,
  BuildInfoSchema,
  SeriesDataSchema,
  StringListSchema,
  TargetsDataSchema,
  msToApiTime,
  toQueryResult,
  toTargets,
  type ApiEnvelope,
  type BuildInfo,
  type Labels,
  type QueryResult,
  type Target,
} from './prometheus-api';
import { PrometheusError, classifyNetworkError, redactUrl } from './prometheus-errors';

export type PrometheusAuth = { kind: 'bearer'; token: string } | { kind: 'basic'; username: string; password: string };

export interface PrometheusClientOptions {
  /** The API root: http(s)://host:port[/prefix]; `/api/v1/...` is appended. */
  url: string;
  auth?: PrometheusAuth;
  /** PEM of a CA to trust besides the system's. */
  caPem?: string;
  /** Sent as X-Scope-OrgID (Mimir, Cortex): validated header-safe by the config schema. */
  tenant?: string;
  /** Per call: connect, headers and body together. */
  timeoutMs: number;
  /** The largest answer read, after decompression. */
  maxResponseBytes: number;
}

export type ConnectionTest =
  { ok: true; version: string | null; url: string } | { ok: false; kind: PrometheusError['kind']; reason: string; message: string; url: string };

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Sent with every instant query. VictoriaMetrics answers a query within -search.latencyOffset
 * (30 s by default) of now with the values of that long ago, stamped with the asked time, unless
 * told `nocache=1`: a fleet view and its failure detection would run 30 s late without saying so.
 * Prometheus ignores form fields it does not know (both engines are tested; Thanos and Mimir are
 * not, here).
 */
const ANSWER_THE_ASKED_INSTANT: [string, string] = ['nocache', '1'];

/**
 * The answer to the query "1": Prometheus's scalar, or VictoriaMetrics' one-sample vector
 * without labels (it has no scalar results).
 */
function isOne(result: QueryResult): boolean {
  if (result.resultType === 'scalar') return result.value === 1;
  if (result.resultType !== 'vector' || result.samples.length !== 1) return false;
  const only = result.samples[0];
  return only !== undefined && only.value === 1 && Object.keys(only.labels).length === 0;
}

/** Answers of a "not the API" page quoted in messages: short, one line, no control characters. */
function snippet(text: string): string {
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

export class PrometheusClient {
  readonly url: string;
  readonly #base: URL;
  readonly #authorization: string | null;
  readonly #tenant: string | null;
  readonly #secrets: string[];
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(options: PrometheusClientOptions) {
    const base = new URL(options.url);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`a Prometheus URL is http or https, not ${base.protocol}`);
    // Credentials in the URL are basic auth, unless auth is given apart.
    const urlUser = decodeURIComponent(base.username);
    const urlPassword = decodeURIComponent(base.password);
    base.username = '';
    base.password = '';
    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.#base = base;
    this.url = redactUrl(base.toString());
    const auth: PrometheusAuth | undefined = options.auth ?? (urlUser || urlPassword ? { kind: 'basic', username: urlUser, password: urlPassword } : undefined);
    if (auth?.kind === 'bearer') {
      this.#authorization = `Bearer ${auth.token}`;
      this.#secrets = [auth.token];
    } else if (auth?.kind === 'basic') {
      const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      this.#authorization = `Basic ${encoded}`;
      this.#secrets = [auth.password, encoded];
    } else {
      this.#authorization = null;
      this.#secrets = [];
    }
    this.#agent =
      base.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, maxSockets: 4, ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}) })
        : new http.Agent({ keepAlive: true, maxSockets: 4 });
    if (options.tenant !== undefined && !/^[\x21-\x7e]+$/.test(options.tenant)) throw new Error('a tenant is printable ASCII without spaces');
    this.#tenant = options.tenant ?? null;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxResponseBytes;
  }

  /** An instant query at atMs (the engine's "now" when absent). */
  async query(expr: string, atMs?: number): Promise<QueryResult> {
    const form: Array<[string, string]> = [['query', expr], ANSWER_THE_ASKED_INSTANT];
    if (atMs !== undefined) form.push(['time', msToApiTime(atMs)]);
    return this.#queryResult(await this.#call('POST', 'api/v1/query', form));
  }

  async queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult> {
    const form: Array<[string, string]> = [
      ['query', expr],
      ['start', msToApiTime(startMs)],
      ['end', msToApiTime(endMs)],
      ['step', msToApiTime(stepMs)],
    ];
    return this.#queryResult(await this.#call('POST', 'api/v1/query_range', form));
  }

  async targets(): Promise<Target[]> {
    return toTargets(this.#data(await this.#call('GET', 'api/v1/targets', [['state', 'active']]), TargetsDataSchema, 'targets'));
  }

  async labelValues(label: string, match: string[] = []): Promise<string[]> {
    const path = `api/v1/label/${encodeURIComponent(label)}/values`;
    return this.#data(
      await this.#call(
        'GET',
        path,
        match.map((m) => ['match[]', m]),
      ),
      StringListSchema,
      'label values',
    );
  }

  async series(match: string[], startMs: number, endMs: number): Promise<Labels[]> {
    const form: Array<[string, string]> = [...match.map((m): [string, string] => ['match[]', m]), ['start', msToApiTime(startMs)], ['end', msToApiTime(endMs)]];
    return this.#data(await this.#call('POST', 'api/v1/series', form), SeriesDataSchema, 'series');
  }

  async buildInfo(): Promise<BuildInfo> {
    const info = this.#data(await this.#call('GET', 'api/v1/status/buildinfo', []), BuildInfoSchema, 'build info');
    return { version: info.version, revision: typeof info.revision === 'string' ? info.revision : null };
  }

  /**
   * Whether this is a reachable Prometheus API with these credentials: an instant query every
   * compatible engine answers, then the version where the engine tells it.
   */
  async testConnection(): Promise<ConnectionTest> {
    try {
      const result = await this.query('1');
      if (!isOne(result)) {
        throw new PrometheusError('not-prometheus', `${this.url} answered the query "1" with a ${result.resultType}, not the number 1`, 'unexpected-result');
      }
      let version: string | null = null;
      try {
        version = (await this.buildInfo()).version;
      } catch {
        // Some compatible engines have no buildinfo endpoint: the query already proved the API.
      }
      return { ok: true, version, url: this.url };
    } catch (error) {
      const e = error instanceof PrometheusError ? error : new PrometheusError('unreachable', this.#scrub(String(error)), 'unknown');
      return { ok: false, kind: e.kind, reason: e.reason, message: e.message, url: this.url };
    }
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #queryResult(envelope: ApiEnvelope): QueryResult {
    const result = toQueryResult(envelope.data);
    if ('invalid' in result)
      throw new PrometheusError('not-prometheus', `${this.url} answered a query with unexpected data: ${result.invalid}`, 'invalid-data');
    return result;
  }

  #data<T>(
    envelope: ApiEnvelope,
    schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Array<{ message: string }> } } },
    what: string,
  ): T {
    const parsed = schema.safeParse(envelope.data);
    if (!parsed.success) {
      throw new PrometheusError(
        'not-prometheus',
        `${this.url} answered ${what} with unexpected data: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
        'invalid-data',
      );
    }
    return parsed.data;
  }

  /** Removes any secret a server might echo back. */
  #scrub(text: string): string {
    let out = text;
    for (const secret of this.#secrets) if (secret) out = out.split(secret).join('[redacted]');
    return out;
  }

  async #call(method: 'GET' | 'POST', path: string, params: Array<[string, string]>): Promise<ApiEnvelope> {
    const url = new URL(path, this.#base);
    const where = redactUrl(url.toString());
    const encoded = new URLSearchParams(params).toString();
    if (method === 'GET' && encoded) url.search = encoded;
    let answer: Answer;
    try {
      answer = await this.#request(method, url, method === 'POST' ? encoded : null);
    } catch (error) {
      if (error instanceof PrometheusError) throw error;
      throw classifyNetworkError(error, where);
    }
    return this.#envelope(answer, where);
  }

  #envelope(answer: Answer, where: string): ApiEnvelope {
    const { status } = answer;
    if (status === 401 || status === 403) {
      throw new PrometheusError(
        'unauthorized',
        `${where} refused the credentials (HTTP ${status}${status === 401 ? ': missing or wrong token or password' : ': not allowed'})`,
        String(status),
        status,
      );
    }
    let envelope: ApiEnvelope | null = null;
    try {
      const parsed = ApiEnvelopeSchema.safeParse(JSON.parse(answer.body));
      if (parsed.success) envelope = parsed.data;
    } catch {
      // Not JSON: classified below.
    }
    if (envelope?.status === 'error' || (status >= 400 && envelope)) {
      const text = this.#scrub(snippet(`${envelope.errorType ? `${envelope.errorType}: ` : ''}${envelope.error ?? 'no error text'}`));
      const kind = status >= 500 ? 'server-error' : 'query-error';
      throw new PrometheusError(kind, `${where} answered HTTP ${status}: ${text}`, envelope.errorType ?? String(status), status);
    }
    if (status >= 500) {
      throw new PrometheusError('server-error', `${where} answered HTTP ${status}: ${this.#scrub(snippet(answer.body)) || 'no text'}`, String(status), status);
    }
    if (!envelope || status !== 200) {
      const looksHtml = /html/i.test(answer.contentType) || /^\s*<(!doctype|html)/i.test(answer.body);
      const what = looksHtml
        ? 'an HTML page'
        : envelope
          ? `HTTP ${status}`
          : `HTTP ${status} with ${answer.contentType || 'no content type'} that is not the API's JSON`;
      throw new PrometheusError('not-prometheus', `${where} is not a Prometheus API: it answered ${what}`, looksHtml ? 'html' : String(status), status);
    }
    return envelope;
  }

  #request(method: 'GET' | 'POST', url: URL, body: string | null): Promise<Answer> {
    const where = redactUrl(url.toString());
    const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip', 'user-agent': 'Clusterdeck' };
    if (this.#authorization) headers.authorization = this.#authorization;
    if (this.#tenant) headers['x-scope-orgid'] = this.#tenant;
    if (body !== null) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const requester = url.protocol === 'https:' ? https.request : http.request;
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const abort = (error: PrometheusError) => {
        finish(error);
        request.destroy();
      };
      const finish = (error: unknown, answer?: Answer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(answer as Answer);
      };
      let answered = false;
      const request = requester(url, { method, headers, agent: this.#agent }, (response) => {
        answered = true;
        const status = response.statusCode ?? 0;
        const contentType = String(response.headers['content-type'] ?? '');
        const declared = Number(response.headers['content-length']);
        const tooLarge = () => new PrometheusError('too-large', `${where} answered more than ${this.#maxBytes} bytes`, 'too-large', status);
        if (Number.isFinite(declared) && declared > this.#maxBytes && response.headers['content-encoding'] === undefined) {
          abort(tooLarge());
          return;
        }
        const gzipped = String(response.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > this.#maxBytes) {
            abort(tooLarge());
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const raw = Buffer.concat(chunks, size);
          if (!gzipped) {
            finish(null, { status, contentType, body: raw.toString('utf8') });
            return;
          }
          // Inflated whole, in libuv's thread pool and bounded: a gunzip stream's per-chunk
          // callbacks on the event loop were about a tenth of a tick's work at 1,000 nodes.
          gunzip(raw, { maxOutputLength: this.#maxBytes }, (error, body) => {
            if (error === null) finish(null, { status, contentType, body: body.toString('utf8') });
            else if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') finish(tooLarge());
            else finish(new PrometheusError('not-prometheus', `${where} answered corrupt gzip: ${error.message}`, 'gzip', status));
          });
        });
        response.on('error', (error) => finish(error));
        response.on('close', () => {
          if (!response.complete) finish(new PrometheusError('unreachable', `${where} closed the connection in the middle of its answer`, 'closed', status));
        });
      });
      const timer = setTimeout(() => {
        abort(new PrometheusError('unreachable', `${where} did not answer within ${this.#timeoutMs} ms`, 'timeout'));
      }, this.#timeoutMs);
      request.on('error', (error) => finish(error));
      request.on('close', () => answered || finish(new PrometheusError('unreachable', `${where} closed the connection before answering`, 'closed')));
      request.end(body ?? undefined);
    });
  }
}
