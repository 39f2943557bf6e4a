/**
 * The composition root: builds hosts, collectors, store and scheduler from a config, and
 * exposes the contract's handlers and events. Every shell (Electron main, serve, CLI) creates
 * its engine here and nowhere else.
 */
import type { Config } from '../../shared/config';
import type { AppInfo, CallHandlers, EngineStatus } from '../../shared/contract';
import { ContractError } from '../../shared/dispatch';
import type { NodeSnapshot } from '../../shared/model/node';
import { LocalNodeCollector, type NodeCollector } from './collectors/local-node';
import { EngineEvents } from './events';
import { LocalHost } from './hosts/local';
import { consoleLogger, type Logger } from './log';
import { Scheduler, snapToGrid, systemClock, type Clock } from './scheduler';
import { openDatabase } from './store/db';
import { SqliteTelemetryStore, type SqliteStoreOptions, type TelemetryStore } from './store/telemetry-store';
import { APP_VERSION } from './app-root';

const PRIME_WINDOW_MS = 500;
const DAY_MS = 86_400_000;

/** The store's settings from the config file. */
export function storeOptions(dbPath: string, config: Config): SqliteStoreOptions {
  const { storage, collection } = config;
  return {
    dbPath,
    intervalMs: collection.intervalMs,
    retention: {
      rawMs: storage.rawRetentionDays * DAY_MS,
      minuteMs: storage.minuteRetentionDays * DAY_MS,
      hourMs: storage.hourRetentionDays * DAY_MS,
    },
    maxDiskBytes: storage.maxDiskMb === null ? null : storage.maxDiskMb * 1024 * 1024,
  };
}

export interface EngineOptions {
  config: Config;
  dbPath: string;
  configPath: string;
  /** Why the config file could not be used (the engine then runs on defaults). */
  configError?: string | null;
  mode: AppInfo['mode'];
  /** A better_sqlite3.node for this runtime (Electron's own build). */
  nativeBinding?: string;
  clock?: Clock;
  log?: Logger;
  /** The nodes to collect; defaults to this machine. */
  collectors?: NodeCollector[];
}

export interface Engine {
  readonly handlers: CallHandlers;
  readonly events: EngineEvents;
  status(): EngineStatus;
  /** Starts the collection loop (after a first counter reading, so the first rates are real). */
  start(): Promise<void>;
  /** Runs one tick now and returns its snapshots (the CLI's `collect --once`). */
  collectOnce(): Promise<NodeSnapshot[]>;
  /** Stops collecting and closes the database. */
  close(): void;
}

export function createEngine(options: EngineOptions): Engine {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  const intervalMs = config.collection.intervalMs;
  const db = openDatabase(options.dbPath, { nativeBinding: options.nativeBinding });
  const store: TelemetryStore = new SqliteTelemetryStore(db, storeOptions(options.dbPath, config));
  const events = new EngineEvents((error) => log.error('event listener failed', error));
  const collectors = options.collectors ?? [
    new LocalNodeCollector(new LocalHost(), { nvidiaSmiTimeoutMs: config.collection.nvidiaSmiTimeoutMs }),
  ];

  let status: EngineStatus = {
    state: 'starting',
    ticks: 0,
    lastTickAt: null,
    lastTickDurationMs: null,
    lastError: null,
    storage: store.status(),
  };
  const setStatus = (next: EngineStatus) => {
    status = next;
    events.emit('engine:statusChanged', status);
  };

  async function tick(gridTimeMs: number): Promise<NodeSnapshot[]> {
    const started = performance.now();
    const snapshots = await Promise.all(collectors.map((collector) => collector.collect(gridTimeMs)));
    let lastError: string | null = null;
    try {
      store.writeTick(snapshots);
      store.maintain(clock.now());
    } catch (error) {
      lastError = `could not store tick: ${(error as Error).message}`;
      log.error('could not store tick', error);
    }
    const storage = store.status();
    if (storage.state !== 'ok' && status.storage.state === 'ok') log.warn(storage.message ?? 'storage is not writable');
    for (const snapshot of snapshots) events.emit('snapshot:collected', snapshot);
    const degraded = lastError !== null || storage.state !== 'ok' || snapshots.some((s) => s.errors.length > 0);
    setStatus({
      state: degraded ? 'degraded' : 'running',
      ticks: status.ticks + 1,
      lastTickAt: gridTimeMs,
      lastTickDurationMs: Math.round((performance.now() - started) * 10) / 10,
      lastError: lastError ?? storage.message ?? snapshots.flatMap((s) => s.errors.map((e) => `${s.id} ${e.collector}: ${e.message}`))[0] ?? null,
      storage,
    });
    return snapshots;
  }

  const scheduler = new Scheduler(
    intervalMs,
    async (gridTimeMs) => {
      try {
        await tick(gridTimeMs);
      } catch (error) {
        log.error('collection tick failed', error);
      }
    },
    clock,
  );

  let closed = false;
  let primed: Promise<void> | null = null;
  /** One counter reading, then a short pause: rates over half a second beat rates since boot. */
  const prime = () =>
    (primed ??= Promise.all(collectors.map((c) => c.prime())).then(() => new Promise<void>((done) => setTimeout(done, PRIME_WINDOW_MS))));

  const handlers: CallHandlers = {
    'app:info': async () => ({
      version: APP_VERSION,
      mode: options.mode,
      intervalMs,
      dbPath: options.dbPath,
      configPath: options.configPath,
      configError: options.configError ?? null,
    }),
    'engine:status': async () => status,
    'nodes:list': async () => store.listNodes(),
    'nodes:latest': async ({ nodeId }) => store.latestSnapshot(nodeId),
    'metrics:query': async (query) => {
      if (query.toMs - query.fromMs > 3 * 365 * DAY_MS) throw new ContractError('bad-request', 'range longer than 3 years');
      return store.queryMetric(query);
    },
    'metrics:latest': async (query) => store.latestValues(query),
    'storage:stats': async () => store.stats(),
  };

  return {
    handlers,
    events,
    status: () => status,
    start: async () => {
      await prime();
      if (!closed) scheduler.start();
    },
    collectOnce: async () => {
      await prime();
      return tick(snapToGrid(clock.now(), intervalMs));
    },
    close: () => {
      if (closed) return;
      closed = true;
      scheduler.stop();
      setStatus({ ...status, state: 'stopped' });
      store.close();
    },
  };
}
