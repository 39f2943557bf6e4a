import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { RENDERER_DIR } from '../../core/app-root';
import { createEngine } from '../../core/engine';
import { consoleLogger } from '../../core/log';
import { startHttpServer } from '../http-server';
import { loadRuntime, type CommonFlags } from '../runtime';
import { UsageError } from '../usage-error';

export interface ServeFlags extends CommonFlags {
  host?: string;
  port?: string;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535, got ${JSON.stringify(text)}`);
  return port;
}

/** Runs the engine headless and serves the UI until SIGINT/SIGTERM. */
export async function serve(flags: ServeFlags): Promise<void> {
  const runtime = loadRuntime(flags);
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) throw new UsageError(`the UI is not built (${RENDERER_DIR} is missing): run \`npm run build\``);
  const host = flags.host ?? runtime.config.serve.host;
  const port = flags.port === undefined ? runtime.config.serve.port : parsePort(flags.port);
  const engine = createEngine({ ...runtime, mode: 'serve', log: consoleLogger });
  let server;
  try {
    server = await startHttpServer({ handlers: engine.handlers, events: engine.events, rendererDir: RENDERER_DIR, host, port, log: consoleLogger });
  } catch (error) {
    engine.close();
    throw new UsageError(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
  }
  void engine.start();
  if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
    consoleLogger.warn(`listening on ${host}, not loopback: anyone who can reach it and has the token can read this node's telemetry, and HTTP is not encrypted`);
  }
  process.stdout.write(`Clusterdeck is serving on ${server.url}\n`);
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
