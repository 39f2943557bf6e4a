/**
 * Local HTTP servers on 127.0.0.1 for tests: a handler on a free port, a capture served as an
 * exporter's /metrics, and proxies in front of a real Prometheus (forwarding, recording).
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';

export interface LocalServer {
  port: number;
  /** http://127.0.0.1:port */
  url: string;
  /** Also drops open (hanging) connections. */
  close(): Promise<void>;
}

/** A local HTTP server with a handler, on a free loopback port. */
export async function serve(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real capture (a file of the text exposition format) served as an exporter's /metrics, on every path. */
export function serveCapture(path: string): Promise<LocalServer> {
  return serve((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(readFileSync(path)));
}

export interface ForwardOptions {
  /** The request's body, already read; without it the request is piped on. */
  body?: Buffer;
  /** Holds the upstream's answer this long before passing it on. */
  delayMs?: number;
}

/** Passes a request on to `upstream` (same method, path and headers) and its answer back; 502 when upstream fails. */
export function forward(upstream: string, req: http.IncomingMessage, res: http.ServerResponse, options: ForwardOptions = {}): void {
  const onward = http.request(`${upstream}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
    const pass = () => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    };
    if (options.delayMs) setTimeout(pass, options.delayMs);
    else pass();
  });
  onward.on('error', () => res.writeHead(502).end());
  if (options.body) onward.end(options.body);
  else req.pipe(onward);
}

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

/** In front of a Prometheus: passes every request on and records its path and headers. */
export async function recordingProxy(upstream: string): Promise<LocalServer & { requests: RecordedRequest[] }> {
  const requests: RecordedRequest[] = [];
  const server = await serve((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    forward(upstream, req, res);
  });
  return { ...server, requests };
}
