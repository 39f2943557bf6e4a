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
import { dirname, join } from 'node:path';
import { defaultRulesFile, userRulesDir } from './alerts/default-rules-path';
import type { AlertEngine, NotificationSink } from './alerts/types';
import { createAlerting } from './alerting';
import { APP_VERSION } from './app-root';
import { AuditLog, SYSTEM_ACTOR } from './audit-log';
import { auditNodes, type EngineAuditOptions } from './audit-runner';
import { LiveConfig, storeLimits } from './apply-config';
import { InternalBus, type NodeStatusChange } from './bus';
import { AuditStore } from './compliance/audit-store';
import type { AuditRun } from './compliance/runner';
import { WorkflowStore } from './compliance/workflow-store';
import type { Policy } from './compliance/types';
import { CollectionLoop } from './collection-loop';
import { COLLECTOR_ACCESS } from './collectors/command-specs';
import { LocalNodeCollector } from './collectors/local-node';
import type { NodeCollector } from './collectors/node-collector';
import { SshNodeCollector } from './collectors/ssh-node';
import { EngineEvents } from './events';
import { FAILURE_ACCESS } from './failures/command-specs';
import { Fleet, tickDeadlineMs } from './fleet';
import { alertHandlers } from './handlers/alerts';
import { appHandlers } from './handlers/app';
import { auditHandlers } from './handlers/audits';
import { callerView } from './handlers/audit-trail';
import { newCaller, type Caller } from './handlers/caller';
import type { EngineContext } from './handlers/context';
import { hostKeyHandlers } from './handlers/host-keys';
import { metricsHandlers } from './handlers/metrics';
import { nodeHandlers } from './handlers/nodes';
import { settingsHandlers } from './handlers/settings';
import { sshConfigHandlers } from './handlers/ssh-config';
import { storageHandlers } from './handlers/storage';
import { ExecPolicy } from './hosts/exec-policy';
import { LocalHost } from './hosts/local';
import { hostRegistry, type HostRegistry } from './hosts/registry';
import { loadCredentials, noSecretStore, type SecretStore } from './hosts/ssh/credentials';
import { fingerprint, trustHostKey } from './hosts/ssh/known-hosts';
import { SshPool } from './hosts/ssh/ssh-pool';
import { InventoryStore } from './inventory/inventory-store';
import { consoleLogger, type Logger } from './log';
import { defaultKnownHostsFile } from './paths';
import { StatusHistory } from './pipeline/status-history-sink';
import { storeSink } from './pipeline/store-sink';
import { TickPipeline } from './pipeline/tick-pipeline';
import { uiEventsSink } from './pipeline/ui-events-sink';
import type { PdfPrinter } from './reports/types';
import { systemClock, type Clock } from './scheduler';
import { sourceHandlers } from './handlers/sources';
import { nodeExporterOverlay } from './sources/node-exporters';
import { SourceSet } from './source-set';
import { PrometheusNodeCollector } from './sources/prometheus-node-collector';
import { openDatabase } from './store/db';
import { NodeEventStore } from './store/node-events';
import { SqliteTelemetryStore, type SqliteStoreOptions, type TelemetryStore } from './store/telemetry-store';

/** The store's settings from the config file. */
export function storeOptions(dbPath: string, config: Config): SqliteStoreOptions {
  return { dbPath, ...storeLimits(config) };
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
  /**
   * Where alert notifications go besides the webhook of the config: the desktop passes Electron's
   * notifications; left out, headless sinks are chosen (notify-send where a session bus exists).
   */
  notificationSinks?: NotificationSink[];
  /** The shipped alert rules (default: rules/default.yaml of the app); null: none (tests). */
  defaultRulesFile?: string | null;
  /** Environment the headless notifier looks at (DBUS_SESSION_BUS_ADDRESS, PATH); default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Test hook: the nodes to collect instead of the local machine and the inventory. */
  collectors?: NodeCollector[];
  /** Prints PDF reports (Electron's printToPDF in the app, a system Chromium for serve and the CLI); none: PDF is unavailable. */
  pdfPrinter?: PdfPrinter;
}

export interface Engine {
  /** The handlers of the default caller: the OS user, an administrator (the CLI, scripts). */
  readonly handlers: CallHandlers;
  /**
   * Handlers for a new caller (a desktop window, a `serve` session) with its own profile, which
   * starts as the default and changes with profile:set; an auditor is refused the ADMIN_ONLY_CALLS.
   */
  callerHandlers(): CallHandlers;
  /** The hash-chained audit log (the CLI's `audit-log verify`). */
  readonly auditLog: AuditLog;
  readonly events: EngineEvents;
  /** The engine's internal signals (ticks, status changes), for features inside the engine. */
  readonly bus: InternalBus;
  /** Each collected node's Host (node id -> Host), for features other than collection. */
  readonly hosts: HostRegistry;
  /** Alerts, silences and rules (the CLI's `alerts` and `run` use it besides the handlers). */
  readonly alerts: AlertEngine;
  /** Reads every node's kernel log now (the CLI's `run` before its first tick; tests). */
  pollKernelLogs(): Promise<void>;
  /** The store's open period in memory: samples held and their bytes (benchmarks). */
  openBuffers(): { series: number; samples: number; bytes: number };
  /** Audits the engine's nodes (all, or options.nodeIds) with a policy, over their own connections. */
  audit(policy: Policy, options?: EngineAuditOptions): Promise<AuditRun>;
  /** Waits at most timeoutMs for notifications under way (before a CLI run exits). */
  flushNotifications(timeoutMs: number): Promise<void>;
  status(): EngineStatus;
  /** Starts the collection loop (after a first counter reading, so the first rates are real). */
  start(): Promise<void>;
  /** Runs one tick now and returns its snapshots (the CLI's `collect --once`). */
  collectOnce(): Promise<NodeSnapshot[]>;
  /** Status of every node (after collectOnce: who failed and why). */
  nodeStates(): NodeState[];
  /** A node's recorded status changes in [fromMs, toMs), oldest first. */
  nodeEvents(nodeId: string, fromMs: number, toMs: number): NodeStatusChange[];
  /** Stops collecting and closes the database. */
  close(): void;
}

export function createEngine(options: EngineOptions): Engine {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? consoleLogger;
  const intervalMs = config.collection.intervalMs;
  const nvidiaSmiTimeoutMs = config.collection.nvidiaSmiTimeoutMs;

  // Storage: telemetry, inventory, status history, all in one SQLite file.
  const db = openDatabase(options.dbPath, { nativeBinding: options.nativeBinding });
  const sqliteStore = new SqliteTelemetryStore(db, storeOptions(options.dbPath, config));
  const store: TelemetryStore = sqliteStore;
  const inventory = new InventoryStore(db);
  const nodeEvents = new NodeEventStore(db);
  const auditLog = new AuditLog(db, () => clock.now());
  const auditStore = new AuditStore(db);
  const workflow = new WorkflowStore(db);

  // Signals: public events for the windows and the HTTP stream; the internal bus for the engine.
  const events = new EngineEvents((error) => log.error('event listener failed', error));
  const bus = new InternalBus((error) => log.error('internal listener failed', error));

  // Hosts: what they may run and read (each feature's declarations); SSH connections with
  // verified host keys and the user's credentials.
  const execPolicy = ExecPolicy.of(COLLECTOR_ACCESS, FAILURE_ACCESS);
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

  // Nodes: this machine, the stored inventory, the CLI's nodes for this run.
  // Collections wait at most most of an interval: a dead node never holds the tick.
  const fleet = new Fleet(tickDeadlineMs(intervalMs), log);
  const addSshNode = (node: SshNode) => fleet.add(new SshNodeCollector(node, pool, { nvidiaSmiTimeoutMs, log, execPolicy, exporters: nodeExporterOverlay }));
  if (options.collectors) {
    for (const collector of options.collectors) fleet.add(collector);
  } else {
    if (options.includeLocal !== false) fleet.add(new LocalNodeCollector(new LocalHost(execPolicy), { nvidiaSmiTimeoutMs }));
    if (options.useInventory !== false) {
      for (const node of inventory.list()) {
        if (fleet.has(node.id)) log.warn(`inventory node ${node.id} has the same name as this machine and is skipped`);
        else addSshNode(node);
      }
      for (const warning of inventory.warnings) log.warn(warning);
    }
    for (const node of options.sshNodes ?? []) addSshNode(node);
  }

  // Prometheus-compatible sources (source-set.ts): their nodes join the fleet as they are
  // discovered; a machine already collected over SSH or as this machine keeps that collection.
  const sshHostOf = (id: string) => inventory.get(id)?.host ?? options.sshNodes?.find((n) => n.id === id)?.host;
  const sources = new SourceSet({
    configDir: dirname(options.configPath),
    secrets,
    log,
    clock,
    fleet,
    sshHostOf,
    onNodesLeft: (nodeIds, why) => {
      if (why === 'removed') for (const nodeId of nodeIds) alerting.forgetNode(nodeId);
      loop.publishStates();
    },
  });
  sources.apply(config.sources, { discover: false });

  // Failures and alerts: kernel logs, detectors, rules, notifications.
  const hosts = hostRegistry(fleet);
  const configDir = dirname(options.configPath);
  const rulesDirOf = (c: Config) => userRulesDir(c.alerts.rulesDir, configDir);
  const alerting = createAlerting({
    db,
    config,
    clock,
    log,
    events,
    fleet,
    hosts,
    nodeEvents,
    appVersion: APP_VERSION,
    defaultRulesFile: options.defaultRulesFile === undefined ? defaultRulesFile() : options.defaultRulesFile,
    userRulesDir: rulesDirOf(config),
    desktopSinks: options.notificationSinks,
    env: options.env,
    onRulesReloaded: (rules, dir) => auditLog.append(SYSTEM_ACTOR, 'rules:reloaded', dir, { rules: rules.rules.length, refused: rules.errors.length }),
  });

  // Each tick's snapshots go to these sinks, in this order.
  const pipeline = new TickPipeline().add(storeSink(store, fleet)).add(uiEventsSink(events)).add(new StatusHistory(nodeEvents, bus).sink()).add(alerting.sink);
  const loop = new CollectionLoop({ intervalMs, clock, log, fleet, store, pipeline, events, bus });
  // Nodes found by a tick's fetch join between ticks; a source without nodes yet looks again.
  bus.on('tick:collected', ({ atMs }) => sources.afterTick(atMs));
  // Settings apply here without a restart.
  const live = new LiveConfig(config, {
    loop,
    fleet,
    store,
    onAlertsChanged: (_alerts, next) => alerting.applyConfig(next, rulesDirOf(next)),
    onNotificationsChanged: (_notifications, next) => alerting.applyConfig(next, rulesDirOf(next)),
  });

  const context: EngineContext = {
    app: {
      mode: options.mode,
      get intervalMs() {
        return live.current().collection.intervalMs;
      },
      dbPath: options.dbPath,
      configPath: options.configPath,
      configError: options.configError ?? null,
    },
    clock,
    log,
    store,
    inventory,
    fleet,
    pool,
    secrets,
    knownHostsFile,
    hostKeyFiles,
    status: () => loop.status(),
    publishStates: () => loop.publishStates(),
    config: () => live.current(),
    applyConfig: (next) => {
      live.apply(next);
      sources.apply(next.sources);
    },
    sources,
    alerts: alerting.engine,
    get userRulesDir() {
      return rulesDirOf(live.current());
    },
    timeline: (query) => alerting.timeline(query),
    forgetNode: (nodeId) => alerting.forgetNode(nodeId),
    events,
    auditLog,
    auditStore,
    workflow,
    userPoliciesDir: join(configDir, 'policies'),
    pdfPrinter: options.pdfPrinter ?? null,
    audit: (policy, auditOptions) => auditNodes({ hosts }, policy, auditOptions),
    nodeGroups: (nodeId) => inventory.get(nodeId)?.labels ?? [],
    transaction: (fn) => db.transaction(fn)(),
    addToInventory: (node) => {
      if (fleet.has(node.id)) throw new ContractError('bad-request', `a node called ${node.id} already exists`);
      inventory.add(node, clock.now());
      addSshNode(node);
    },
    editInventory: (node) => {
      if (!inventory.get(node.id)) throw new ContractError('not-found', `no SSH node called ${node.id} in the inventory`);
      inventory.update(node, clock.now());
      fleet.remove(node.id);
      addSshNode(node);
    },
    sourceHistory: (query) => {
      const collector = fleet.collector(query.nodeId);
      return collector instanceof PrometheusNodeCollector ? collector.history(query) : null;
    },
  };
  // Handlers that are the same for every caller; each caller's view adds its profile, the role
  // check and the audit log (handlers/audit-trail.ts).
  const shared = {
    ...appHandlers(context),
    ...nodeHandlers(context),
    ...metricsHandlers(context),
    ...storageHandlers(context),
    ...hostKeyHandlers(context),
    ...sshConfigHandlers(context),
    ...alertHandlers(context),
    ...settingsHandlers(context),
    ...sourceHandlers(context),
  };
  const handlersFor = (caller: Caller): CallHandlers => callerView({ ...shared, ...auditHandlers(context, caller) }, caller, auditLog);
  const handlers = handlersFor(newCaller());

  let closed = false;
  return {
    handlers,
    callerHandlers: () => handlersFor(newCaller()),
    auditLog,
    events,
    bus,
    hosts,
    alerts: alerting.engine,
    pollKernelLogs: () => alerting.kernelLog.pollNow(),
    openBuffers: () => sqliteStore.tsdb.openBuffers(),
    flushNotifications: (timeoutMs) => alerting.flush(timeoutMs),
    audit: (policy, auditOptions) => auditNodes({ hosts }, policy, auditOptions),
    status: () => loop.status(),
    nodeStates: () => fleet.states(),
    nodeEvents: (nodeId, fromMs, toMs) => nodeEvents.list(nodeId, fromMs, toMs),
    start: async () => {
      alerting.start();
      await sources.discoverPending(clock.now());
      return loop.start();
    },
    collectOnce: async () => {
      await sources.discoverPending(clock.now());
      return loop.collectOnce();
    },
    close: () => {
      if (closed) return;
      closed = true;
      loop.stop();
      alerting.close();
      fleet.closeAll();
      sources.close();
      pool.closeAll();
      store.close();
    },
  };
}
