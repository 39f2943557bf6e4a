/**
 * `clusterdeck run`: the engine headless, without the UI: collect, store, detect, alert and
 * notify, for a while or until SIGINT/SIGTERM. Each new alert and each change of an alert's
 * state is one line on stdout; a summary ends the run. Logs go to stderr.
 */
import type { Config } from '../../../shared/config';
import type { Alert } from '../../../shared/model/alerts';
import { ContractError } from '../../../shared/dispatch';
import { createEngine, type Engine } from '../../core/engine';
import { tuneHeapForLongRun } from '../../core/heap-tuning';
import { consoleLogger } from '../../core/log';
import { loadRuntime, type CommonFlags } from '../runtime';
import { sshEngineOptions, sshNodesFromFlags, type SshFlags } from '../ssh-flags';
import { terminalSafe, terminalSafeLogger } from '../terminal-text';
import { UsageError } from '../usage-error';
import { alertLine } from './alert-text';

export interface RunFlags extends CommonFlags, SshFlags {
  duration?: string;
  interval?: string;
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_DURATION_MS = 365 * 86_400_000;

/** "500ms", "5s", "2m", "1h" or a bare number of seconds, in ms; UsageError naming the flag otherwise. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!) : NaN;
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_DURATION_MS) {
    throw new UsageError(`${flag} takes a duration like 30s, 5m or 1h, got ${JSON.stringify(text)}`);
  }
  return ms;
}

/** The config with --interval applied (1 s to 1 h, as in config.yaml). */
function withInterval(config: Config, interval: string | undefined): Config {
  if (interval === undefined) return config;
  const intervalMs = parseDuration(interval, '--interval');
  if (intervalMs < 1000 || intervalMs > 3_600_000 || intervalMs % 1 !== 0) throw new UsageError(`--interval must be 1s to 1h, got ${JSON.stringify(interval)}`);
  return { ...config, collection: { ...config.collection, intervalMs } };
}

/** Lists the alerts after each change and reports the ones that are new or changed state. */
class AlertWatcher {
  private readonly seen = new Map<number, string>();
  private readonly last = new Map<number, Alert>();
  private chain: Promise<void> = Promise.resolve();
  private unavailable: string | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly write: (text: string) => void,
  ) {}

  /** Queues one refresh; refreshes never overlap. */
  refresh(): Promise<void> {
    this.chain = this.chain.then(() => this.check());
    return this.chain;
  }

  alerts(): Alert[] {
    return [...this.last.values()];
  }

  note(): string | null {
    return this.unavailable;
  }

  private async check(): Promise<void> {
    let alerts: Alert[];
    try {
      ({ alerts } = await this.engine.handlers['alerts:list']({ limit: 5000 }));
    } catch (error) {
      // Alerts not available (this build, or the engine is closing): the run still collects.
      this.unavailable = error instanceof ContractError ? error.message : (error as Error).message;
      return;
    }
    for (const alert of [...alerts].sort((a, b) => a.id - b.id)) {
      const key = `${alert.state}/${alert.view}`;
      const before = this.seen.get(alert.id);
      if (before !== key) this.write(`${alertLine(alert, before === undefined ? null : before.split('/')[1]!)}\n`);
      this.seen.set(alert.id, key);
      this.last.set(alert.id, alert);
    }
  }
}

/** Waits for the duration (when given) or SIGINT/SIGTERM, whichever comes first. */
function untilStopped(durationMs: number | null): Promise<'duration' | NodeJS.Signals> {
  return new Promise((done) => {
    let timer: NodeJS.Timeout | undefined;
    // The engine's timers do not hold the process (they are unref'd): this one does, until the end.
    const keepAlive = setInterval(() => {}, 3_600_000);
    const finish = (why: 'duration' | NodeJS.Signals) => {
      clearTimeout(timer);
      clearInterval(keepAlive);
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      done(why);
    };
    const onSigint = () => finish('SIGINT');
    const onSigterm = () => finish('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    if (durationMs !== null) timer = setTimeout(() => finish('duration'), durationMs);
  });
}

/** "3 alerts seen (1 firing, 2 resolved)" */
function alertCounts(alerts: Alert[]): string {
  const byView = new Map<string, number>();
  for (const alert of alerts) byView.set(alert.view, (byView.get(alert.view) ?? 0) + 1);
  const parts = [...byView].map(([view, n]) => `${n} ${view}`);
  return `${alerts.length} alert${alerts.length === 1 ? '' : 's'} seen${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Runs the engine until the duration is over or a signal stops it. Exit code 0 after a clean
 * run, 1 when no tick completed or the store could not write at the end.
 */
export async function run(flags: RunFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const runtime = loadRuntime(flags);
  const config = withInterval(runtime.config, flags.interval);
  const durationMs = flags.duration === undefined ? null : parseDuration(flags.duration, '--duration');
  const sshNodes = await sshNodesFromFlags(flags);
  const log = terminalSafeLogger(consoleLogger);
  tuneHeapForLongRun();
  const engine = createEngine({
    ...runtime,
    config,
    mode: 'serve',
    log,
    // With --ssh-config, the nodes it names; without, what serve collects (this machine and the inventory).
    useInventory: sshNodes.length === 0,
    ...sshEngineOptions(flags, sshNodes),
  });
  const started = Date.now();
  const watcher = new AlertWatcher(engine, write);
  const unsubscribe = engine.events.on('alerts:changed', () => void watcher.refresh());
  try {
    log.info(
      `running: ${engine.nodeStates().length} node(s) every ${config.collection.intervalMs / 1000} s` +
        `${durationMs === null ? ' until SIGINT/SIGTERM' : ` for ${durationMs / 1000} s`}; storing in ${runtime.dbPath}`,
    );
    const startup = engine.start();
    const why = await untilStopped(durationMs);
    await startup;
    await watcher.refresh();
    const status = engine.status();
    const states = engine.nodeStates();
    const up = states.filter((s) => s.status === 'up').length;
    const note = watcher.note();
    write(
      `${[
        `run ended (${why === 'duration' ? 'duration over' : why}) after ${Math.round((Date.now() - started) / 1000)} s`,
        `${status.ticks} tick${status.ticks === 1 ? '' : 's'}`,
        `${states.length} node${states.length === 1 ? '' : 's'} (${up} up)`,
        note === null ? alertCounts(watcher.alerts()) : `alerts unavailable: ${terminalSafe(note)}`,
        `storage ${status.storage.state}`,
      ].join(', ')}\n`,
    );
    return status.ticks > 0 && status.storage.state === 'ok' ? 0 : 1;
  } finally {
    unsubscribe();
    engine.close();
  }
}
