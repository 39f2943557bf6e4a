/**
 * The webhook sink: each notification as one JSON POST. Retries with exponential back-off on
 * network errors, timeouts, 429 and 5xx; a 4xx other than 429 is the receiver saying no, so it
 * is not retried. Credentials in the URL (user:password@) become a Basic authorization header;
 * messages name the URL without its credentials, query or fragment.
 *
 * The payload (version 1):
 *   {
 *     "version": 1,
 *     "kind": "alert" | "resolved" | "summary",
 *     "severity": "info" | "warning" | "critical",
 *     "title": string, "body": string,          // body: decoded text; a summary: one line per alert
 *     "node": string | null,
 *     "alertId": number | null, "alertIds": number[],
 *     "rule": string | null,
 *     "at": "2026-03-10T12:00:00.000Z",          // when it was sent
 *     "app": { "name": "Clusterdeck", "version": "0.1.0" }
 *   }
 */
import type { Notification, NotificationSink } from '../alerts/types';

export interface WebhookSettings {
  url: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Attempts after the first. */
  retries: number;
}

export interface WebhookOptions {
  appVersion: string;
  /** The first back-off; doubled each retry (default 500 ms). */
  backoffMs?: number;
  /** The longest back-off, also the cap on a 429's Retry-After (default 30 s). */
  maxBackoffMs?: number;
}

export interface WebhookPayload {
  version: 1;
  kind: Notification['kind'];
  severity: Notification['severity'];
  title: string;
  body: string;
  node: string | null;
  alertId: number | null;
  alertIds: number[];
  rule: string | null;
  at: string;
  app: { name: 'Clusterdeck'; version: string };
}

export function webhookPayload(n: Notification, appVersion: string): WebhookPayload {
  return {
    version: 1,
    kind: n.kind,
    severity: n.severity,
    title: n.title,
    body: n.body,
    node: n.nodeId,
    alertId: n.alertId,
    alertIds: [...n.alertIds],
    rule: n.ruleId,
    at: new Date(n.atMs).toISOString(),
    app: { name: 'Clusterdeck', version: appVersion },
  };
}

/** The URL as it may be logged: no userinfo, no query, no fragment. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(an invalid URL)';
  }
}

/** fetch refuses URLs with credentials: they travel as a header instead. */
function splitCredentials(url: string): { url: string; authorization: string | null } {
  const parsed = new URL(url);
  if (!parsed.username && !parsed.password) return { url, authorization: null };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  parsed.username = '';
  parsed.password = '';
  return { url: parsed.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

class GiveUp extends Error {}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** One POST; throws GiveUp for an answer not worth retrying, Error for one worth retrying. */
async function attempt(
  target: { url: string; authorization: string | null },
  body: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ retryAfterMs: number | null }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Clusterdeck' };
  if (target.authorization) headers.authorization = target.authorization;
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const name = (error as Error).name;
    if (name === 'TimeoutError') throw new Error(`no answer within ${timeoutMs} ms`);
    throw new Error(cause?.code ?? cause?.message ?? (error as Error).message);
  }
  // The answer's body is not needed; let the connection go.
  await response.body?.cancel().catch(() => {});
  if (response.ok) return { retryAfterMs: null };
  if (response.status === 429 || response.status >= 500) {
    throw Object.assign(new Error(`HTTP ${response.status}`), { retryAfterMs: retryAfterMs(response.headers.get('retry-after')) });
  }
  throw new GiveUp(`HTTP ${response.status}${response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : ''}`);
}

export function webhookSink(settings: WebhookSettings, options: WebhookOptions): NotificationSink {
  const where = redactUrl(settings.url);
  const target = splitCredentials(settings.url);
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  return {
    name: `webhook ${where}`,
    async send(n, signal) {
      const body = JSON.stringify(webhookPayload(n, options.appVersion));
      const attempts = settings.retries + 1;
      for (let i = 0; ; i += 1) {
        try {
          await attempt(target, body, settings.timeoutMs, signal);
          return;
        } catch (error) {
          if (signal.aborted) throw signal.reason;
          const message = (error as Error).message;
          if (error instanceof GiveUp) throw new Error(`webhook ${where}: ${message}`);
          if (i + 1 >= attempts) throw new Error(`webhook ${where}: ${message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'})`);
          const asked = (error as { retryAfterMs?: number | null }).retryAfterMs ?? null;
          await sleep(Math.min(maxBackoffMs, asked ?? backoffMs * 2 ** i), signal);
        }
      }
    },
  };
}
