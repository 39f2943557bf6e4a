import { existsSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { join } from 'node:path';
import { RENDERER_DIR } from '../../core/app-root';
import { createEngine } from '../../core/engine';
import { tuneHeapForLongRun } from '../../core/heap-tuning';
import { consoleLogger } from '../../core/log';
import { isLoopbackAddress, startHttpServer } from '../http-server';
import { chromiumPdfPrinter } from '../pdf-printer';
import { loadRuntime, type CommonFlags } from '../runtime';
import { terminalSafeLogger } from '../terminal-text';
import { UsageError } from '../usage-error';

export interface ServeFlags extends CommonFlags {
  host?: string;
  port?: string;
  allowedHost?: string[];
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${JSON.stringify(text)}`);
  return port;
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/i;

/** A name for --allowed-host: a host name or an IP address, nothing else (no scheme, port or path). */
export function parseAllowedHost(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv6(bare)) return `[${bare.toLowerCase()}]`;
  if (isIPv4(text) || HOST_NAME.test(text)) return text.toLowerCase();
  throw new UsageError(`--allowed-host takes a host name or IP address (no scheme, port or path), got ${JSON.stringify(text)}`);
}

/** What anyone holding the token can do, said the same way wherever it is said. */
export const TOKEN_GRANTS =
  'full control: reading telemetry, adding and removing SSH nodes (which opens SSH connections with the keys and ssh-agent of the user running serve) and trusting host keys';

/** Runs the engine headless and serves the UI until SIGINT/SIGTERM. */
export async function serve(flags: ServeFlags): Promise<void> {
  const runtime = loadRuntime(flags);
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new UsageError(`the UI is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const host = flags.host ?? runtime.config.serve.host;
  const port = flags.port === undefined ? runtime.config.serve.port : parsePort(flags.port);
  const allowedHosts = (flags.allowedHost ?? []).map(parseAllowedHost);
  // Log lines can carry node text (SSH errors, host names): it reaches the terminal escaped.
  const log = terminalSafeLogger(consoleLogger);
  tuneHeapForLongRun();
  // PDF reports print with the system Chromium, found when a PDF is asked for (a clear error where none is).
  const engine = createEngine({ ...runtime, mode: 'serve', log, pdfPrinter: chromiumPdfPrinter() });
  let server;
  try {
    server = await startHttpServer({
      handlers: engine.handlers,
      callerHandlers: () => engine.callerHandlers(),
      events: engine.events,
      rendererDir: RENDERER_DIR,
      host,
      port,
      allowedHosts,
      log,
    });
  } catch (error) {
    engine.close();
    throw new UsageError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  void engine.start();
  if (!isLoopbackAddress(host)) {
    log.warn(
      `listening on ${host}, not loopback, over plain HTTP: anyone who can reach it and has the token has ${TOKEN_GRANTS}. ` +
        'Put TLS in front (a reverse proxy, or `ssh -L`; see Security in the README).',
    );
    log.warn(
      `it answers only to localhost, 127.0.0.1, [::1] and ${host}${allowedHosts.length ? `, ${allowedHosts.join(', ')}` : ''}; ` +
        'name the others clients use with --allowed-host NAME',
    );
  }
  process.stdout.write(`Clusterdeck is serving on ${server.url}\n`);
  for (const name of allowedHosts) process.stdout.write(`  also at http://${name}:${server.port}/?token=${server.token}\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(() => {
        engine.close();
        done();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
