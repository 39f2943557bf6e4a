/**
 * The composition root: builds hosts, collectors, store and scheduler from a config, and
 * exposes the contract's handlers and events. Every shell (Electron main, serve, CLI) creates
 * its engine here and nowhere else.
 */
import type { Config } from '../../shared/config';
import type { AppInfo, CallHandlers, EngineStatus } from '../../shared/contract';
import { ContractError } from '../../shared/dispatch';
import type { NodeState, SshNode } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LocalNodeCollector } from './collectors/local-node';
import type { NodeCollector } from './collectors/node-collector';
import { SshNodeCollector } from './collectors/ssh-node';
import { Fleet, nodeHealth } from './fleet';
import { expandHome, loadCredentials, noSecretStore, passphraseSecretName, type SecretStore } from './hosts/ssh/credentials';
import { fingerprint, replaceHostKey, trustHostKey, verifyHostKey } from './hosts/ssh/known-hosts';
import { SshPool } from './hosts/ssh/ssh-pool';
import { InventoryStore } from './inventory/inventory-store';
import { defaultSshConfigPath, readSshConfig } from './inventory/ssh-config-import';
import { defaultKnownHostsFile } from './paths';
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
  /** The app's own known_hosts (OpenSSH format), written when the user trusts a key. */
  knownHostsFile?: string;
  /** Further known_hosts files, only read (default: ~/.ssh/known_hosts). */
  userKnownHostsFiles?: string[];
  /** Trust unknown host keys on first sight, like OpenSSH's StrictHostKeyChecking=accept-new. */
  acceptNewHostKeys?: boolean;
  /** Where passphrases may be kept (the desktop's OS keychain); none elsewhere. */
  secrets?: SecretStore;
  /** Collect this machine as a node (default true). */
  includeLocal?: boolean;
  /** Collect the stored SSH inventory (default true). */
  useInventory?: boolean;
  /** SSH nodes for this run only, not stored (the CLI's --ssh-config hosts). */
  sshNodes?: SshNode[];
  /** Test hook: the nodes to collect instead of the local machine and the inventory. */
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
  /** Status of every node (after collectOnce: who failed and why). */
  nodeStates(): NodeState[];
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
  const inventory = new InventoryStore(db);
  const events = new EngineEvents((error) => log.error('event listener failed', error));
  const secrets = options.secrets ?? noSecretStore;
  const knownHostsFile = options.knownHostsFile ?? defaultKnownHostsFile(options.dbPath);
  const hostKeyFiles = [knownHostsFile, ...(options.userKnownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')])];
  const pool = new SshPool({
    hostKeys: {
      files: hostKeyFiles,
      acceptNew: options.acceptNewHostKeys ?? false,
      trust: (endpoint, key) => {
        trustHostKey(knownHostsFile, endpoint.host, endpoint.port, key);
        log.info(`trusted the host key of ${endpoint.host}:${endpoint.port} (${fingerprint(key.blob)}) on first use`);
      },
    },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, secrets),
  });
  // Collections wait at most most of an interval: a dead node never holds the tick.
  const fleet = new Fleet(Math.max(1000, Math.round(intervalMs * 0.8)), log);
  const addSshNode = (node: SshNode) => {
    fleet.add(new SshNodeCollector(node, pool, { nvidiaSmiTimeoutMs: config.collection.nvidiaSmiTimeoutMs, log }));
  };
  if (options.collectors) {
    for (const collector of options.collectors) fleet.add(collector);
  } else {
    if (options.includeLocal !== false) {
      fleet.add(new LocalNodeCollector(new LocalHost(), { nvidiaSmiTimeoutMs: config.collection.nvidiaSmiTimeoutMs }));
    }
    if (options.useInventory !== false) {
      for (const node of inventory.list()) {
        if (fleet.has(node.id)) log.warn(`inventory node ${node.id} has the same name as this machine and is skipped`);
        else addSshNode(node);
      }
      for (const warning of inventory.warnings) log.warn(warning);
    }
    for (const node of options.sshNodes ?? []) addSshNode(node);
  }

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
  let lastStates = '';
  const publishStates = () => {
    const states = fleet.states();
    const json = JSON.stringify(states);
    if (json !== lastStates) {
      lastStates = json;
      events.emit('nodes:changed', states);
    }
    return states;
  };

  async function tick(gridTimeMs: number, waitForAll = false): Promise<NodeSnapshot[]> {
    const started = performance.now();
    const { snapshots } = await fleet.tick(gridTimeMs, waitForAll);
    let lastError: string | null = null;
    try {
      store.writeTick(snapshots);
      for (const snapshot of snapshots) fleet.setStoreNote(snapshot.id, store.seriesNote(snapshot.id));
      store.maintain(clock.now());
    } catch (error) {
      lastError = `could not store tick: ${(error as Error).message}`;
      log.error('could not store tick', error);
    }
    const storage = store.status();
    if (storage.state !== 'ok' && status.storage.state === 'ok') log.warn(storage.message ?? 'storage is not writable');
    for (const snapshot of snapshots) events.emit('snapshot:collected', snapshot);
    const states = publishStates();
    // Only the engine's own trouble degrades it; nodes that are down are counted apart.
    const degraded = lastError !== null || storage.state !== 'ok';
    setStatus({
      state: degraded ? 'degraded' : 'running',
      ticks: status.ticks + 1,
      lastTickAt: gridTimeMs,
      lastTickDurationMs: Math.round((performance.now() - started) * 10) / 10,
      lastError: lastError ?? storage.message,
      storage,
      nodes: nodeHealth(states),
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
  const prime = () => (primed ??= fleet.prime().then(() => new Promise<void>((done) => setTimeout(done, PRIME_WINDOW_MS))));

  const stateOf = (nodeId: string): NodeState => {
    const state = fleet.states().find((s) => s.id === nodeId);
    if (!state) throw new ContractError('not-found', `no node called ${nodeId}`);
    return state;
  };
  const sshCollector = (nodeId: string): SshNodeCollector => {
    const collector = fleet.collector(nodeId);
    if (!(collector instanceof SshNodeCollector)) throw new ContractError('not-found', `no SSH node called ${nodeId}`);
    return collector;
  };
  const addToInventory = (node: SshNode) => {
    if (fleet.has(node.id)) throw new ContractError('bad-request', `a node called ${node.id} already exists`);
    inventory.add(node, clock.now());
    addSshNode(node);
  };

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
    'nodes:states': async () => fleet.states(),
    'nodes:add': async ({ node }) => {
      addToInventory(node);
      publishStates();
      return stateOf(node.id);
    },
    'nodes:update': async ({ nodeId, labels }) => {
      const node = inventory.get(nodeId);
      if (!node) throw new ContractError('not-found', `no SSH node called ${nodeId}`);
      const updated = { ...node, labels };
      inventory.update(updated, clock.now());
      sshCollector(nodeId).setLabels(labels);
      publishStates();
      return stateOf(nodeId);
    },
    'nodes:remove': async ({ nodeId }) => {
      inventory.remove(nodeId);
      fleet.remove(nodeId);
      publishStates();
      return { removed: true as const };
    },
    'nodes:retry': async ({ nodeId }) => {
      const collector = sshCollector(nodeId);
      collector.retryNow();
      return stateOf(nodeId);
    },
    'sshConfig:read': async ({ path }) => {
      const file = path ?? defaultSshConfigPath();
      try {
        const { candidates, warnings } = await readSshConfig(file, new Set(fleet.ids()));
        return { path: file, candidates: candidates.map(({ node: _node, ...candidate }) => candidate), warnings };
      } catch (error) {
        throw new ContractError('bad-request', (error as Error).message);
      }
    },
    // Only the desktop shell has a file picker; it replaces this handler (electron/main).
    'sshConfig:pick': async () => {
      throw new ContractError('unavailable', 'choosing a file needs the desktop app; type the path of the config instead');
    },
    'sshConfig:import': async ({ path, aliases }) => {
      const file = path ?? defaultSshConfigPath();
      let read: Awaited<ReturnType<typeof readSshConfig>>;
      try {
        read = await readSshConfig(file, new Set(fleet.ids()));
      } catch (error) {
        throw new ContractError('bad-request', (error as Error).message);
      }
      const added: string[] = [];
      const skipped: Array<{ alias: string; reason: string }> = [];
      for (const alias of aliases) {
        const candidate = read.candidates.find((c) => c.alias === alias);
        if (!candidate) skipped.push({ alias, reason: 'no such Host in the file' });
        else if (candidate.known) skipped.push({ alias, reason: 'already in the inventory' });
        else if (!candidate.node) skipped.push({ alias, reason: candidate.problem ?? 'not importable' });
        else {
          addToInventory(candidate.node);
          added.push(alias);
        }
      }
      publishStates();
      return { added, skipped };
    },
    'hostKeys:trust': async ({ nodeId, fingerprint: confirmed }) => {
      const collector = sshCollector(nodeId);
      const prompt = collector.hostKeyPrompt();
      if (!prompt) throw new ContractError('bad-request', `${nodeId} is not waiting for a host key decision`);
      // The key written must be the one confirmed: the prompt is what the node last showed, the
      // key is what its connection last met, and a reconnect in between can change it.
      const key = collector.presentedKey();
      const presented = key ? fingerprint(key.blob) : null;
      if (key === null || prompt.fingerprint !== confirmed || presented !== confirmed) {
        throw new ContractError('bad-request', `the host now presents ${presented ?? prompt.fingerprint}, not the key you confirmed; check again`);
      }
      const verdict = verifyHostKey(hostKeyFiles, prompt.host, prompt.port, key);
      if (verdict.kind === 'revoked') throw new ContractError('bad-request', `${confirmed} is revoked in ${verdict.file}; it cannot be trusted`);
      replaceHostKey(knownHostsFile, prompt.host, prompt.port, key);
      log.info(`user trusted the host key of ${prompt.host}:${prompt.port} (${confirmed})`);
      pool.resetBackoff(prompt.host, prompt.port);
      collector.retryNow();
      publishStates();
      return stateOf(nodeId);
    },
    'keys:passphrase': async ({ keyPath, passphrase }) => {
      if (!secrets.available) throw new ContractError('unavailable', 'passphrases can only be kept by the desktop app (OS keychain); load the key into ssh-agent instead');
      secrets.set(passphraseSecretName(expandHome(keyPath)), passphrase);
      for (const id of fleet.ids()) {
        const collector = fleet.collector(id);
        if (collector instanceof SshNodeCollector) collector.retryNow();
      }
      return { stored: true as const };
    },
  };

  return {
    handlers,
    events,
    status: () => status,
    nodeStates: () => fleet.states(),
    start: async () => {
      await prime();
      if (!closed) scheduler.start();
    },
    collectOnce: async () => {
      await prime();
      return tick(snapToGrid(clock.now(), intervalMs), true);
    },
    close: () => {
      if (closed) return;
      closed = true;
      scheduler.stop();
      fleet.closeAll();
      pool.closeAll();
      setStatus({ ...status, state: 'stopped' });
      store.close();
    },
  };
}
