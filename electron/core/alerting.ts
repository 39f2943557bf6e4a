/**
 * The failures-and-alerts side of the engine, built once by the composition root (engine.ts):
 * the kernel log watcher and the failure detectors feed the alert engine (rules from the shipped
 * file and the user's folder, reloaded on change), whose notifications pass the noise control to
 * the sinks (Electron or notify-send, and the webhook) through a dispatcher that never blocks.
 * Each tick reaches it as a pipeline sink; the handlers reach it through the EngineContext.
 */
import type { Database } from 'better-sqlite3';
import type { Config } from '../../shared/config';
import type { CallRequest, CallResponse } from '../../shared/contract';
import { AlertStore } from './alerts/alert-store';
import { RESOLVED_RETENTION_MS, SqliteAlertEngine } from './alerts/alert-engine';
import { NoiseControl } from './alerts/noise';
import { watchRules, type RuleWatcher } from './alerts/rule-watcher';
import type { AlertEngine, NotificationSink, RuleSet } from './alerts/types';
import type { EngineEvents } from './events';
import type { Fleet } from './fleet';
import { FailureDetection } from './failures/failure-detection';
import { GpuBaselineStore } from './failures/gpu-baseline-store';
import { KernelEventStore } from './failures/kernel-event-store';
import { KernelLogWatcher } from './failures/kernel-log-watcher';
import { buildTimeline, MAX_TIMELINE_EVENTS } from './failures/timeline';
import type { HostRegistry } from './hosts/registry';
import type { Logger } from './log';
import { NotificationDispatcher } from './notify/dispatcher';
import { dispatchTimeoutMs, headlessSinks, webhookOnly } from './notify/headless-sinks';
import type { TickSink } from './pipeline/tick-pipeline';
import type { Clock } from './scheduler';
import type { NodeEventStore } from './store/node-events';

const HOUR_MS = 3_600_000;
/** Spans that began this long before a timeline's window still show (an unreachable week). */
const TIMELINE_LOOKBACK_MS = 7 * 24 * HOUR_MS;
const KERNEL_LOG_NOTE = 'kernel-log';

export interface AlertingOptions {
  db: Database;
  config: Config;
  clock: Clock;
  log: Logger;
  events: EngineEvents;
  fleet: Fleet;
  hosts: HostRegistry;
  nodeEvents: NodeEventStore;
  appVersion: string;
  /** The shipped rules file, and the user's folder of rule files. */
  defaultRulesFile: string | null;
  userRulesDir: string;
  /** The desktop's own sinks (Electron notifications); left out: notify-send where a session bus exists. */
  desktopSinks?: NotificationSink[];
  env?: NodeJS.ProcessEnv;
  /** Told when the rule watcher reloaded the rules after a file changed (the audit log's row). */
  onRulesReloaded?: (rules: RuleSet, userRulesDir: string) => void;
}

export interface Alerting {
  readonly engine: AlertEngine;
  /** The tick sink: detect failures, evaluate the rules, note what a node's kernel log cannot tell. */
  readonly sink: TickSink;
  readonly kernelLog: KernelLogWatcher;
  readonly detection: FailureDetection;
  timeline(query: CallRequest<'failures:timeline'>): CallResponse<'failures:timeline'>;
  /** Settings changed (rules folder, kernel log interval, notification sinks and limits). */
  applyConfig(config: Config, userRulesDir: string): void;
  /** Forgets a node that left the inventory (its memory and its GPU baseline). */
  forgetNode(nodeId: string): void;
  /** Starts reading kernel logs. */
  start(): void;
  /** Waits (at most timeoutMs) for notifications under way, e.g. before a CLI run exits. */
  flush(timeoutMs: number): Promise<void>;
  close(): void;
}

function logRuleErrors(log: Logger, rules: RuleSet): void {
  for (const error of rules.errors) log.warn(`alert rule skipped: ${error.file}${error.line === null ? '' : `:${error.line}`}: ${error.message}`);
}

export function createAlerting(options: AlertingOptions): Alerting {
  const { db, clock, log, fleet } = options;
  const env = options.env ?? process.env;
  let config = options.config;

  // Notifications: the sinks this run has, behind a dispatcher that never blocks the engine.
  const sinksFor = (settings: Config['notifications']): NotificationSink[] => {
    const webhook = { appVersion: options.appVersion };
    if (options.desktopSinks) return [...(settings.desktop ? options.desktopSinks : []), ...webhookOnly(settings, webhook)];
    return headlessSinks(settings, env, webhook);
  };
  const dispatcherFor = (settings: Config['notifications']) =>
    new NotificationDispatcher({ sinks: sinksFor(settings), log, timeoutMs: dispatchTimeoutMs(settings) });
  let dispatcher = dispatcherFor(config.notifications);

  // Noise control remembers the last hour's notifications across a restart (rate limits, bursts).
  const noise = new NoiseControl(config.notifications, { history: new AlertStore(db).recentNotifications(clock.now() - HOUR_MS) });

  // Rules: the shipped file and the user's folder, reloaded when a file changes.
  let userRulesDir = options.userRulesDir;
  let engine: SqliteAlertEngine | null = null;
  const startRules = (dir: string): RuleWatcher =>
    watchRules({
      defaultFile: options.defaultRulesFile,
      userDir: dir,
      onChange: (rules) => {
        logRuleErrors(log, rules);
        log.info(`alert rules reloaded: ${rules.rules.length} rules, ${rules.errors.length} refused`);
        engine?.setRules(rules);
        options.onRulesReloaded?.(rules, dir);
      },
      log: (message) => log.warn(message),
    });
  let rules = startRules(userRulesDir);
  logRuleErrors(log, rules.current());

  engine = new SqliteAlertEngine({
    db,
    clock,
    rules: rules.current(),
    noise,
    deliver: (notifications) => dispatcher.deliver(notifications),
    log,
    minSeverity: config.notifications.minSeverity,
  });
  const alerts = engine;
  alerts.onChange((summary) => options.events.emit('alerts:changed', summary));

  // Failures: kernel events recorded once, detectors over each tick.
  const kernelEvents = new KernelEventStore(db, { log });
  const detection = new FailureDetection({ db });
  const baseline = new GpuBaselineStore(db);
  for (const nodeId of fleet.ids()) {
    // After a restart: a GPU that fell off the bus in this boot is still a failure until it is back.
    const cursor = kernelEvents.cursor(nodeId);
    if (cursor) detection.loadBootEvents(nodeId, kernelEvents.inBoot(nodeId, cursor.bootId));
  }
  const kernelLog = new KernelLogWatcher({
    hosts: options.hosts,
    store: kernelEvents,
    intervalMs: config.alerts.kernelLogIntervalMs,
    clock,
    log,
    onEvents: (nodeId, events) => detection.addKernelEvents(nodeId, events),
  });

  // Kernel events are kept as long as resolved alerts; the oldest go once an hour.
  let kernelPrunedAtMs = Number.NEGATIVE_INFINITY;
  const pruneKernelEvents = (nowMs: number) => {
    if (nowMs - kernelPrunedAtMs < HOUR_MS) return;
    kernelPrunedAtMs = nowMs;
    try {
      kernelEvents.prune(nowMs - RESOLVED_RETENTION_MS);
    } catch (error) {
      log.error('old kernel events could not be pruned', error);
    }
  };

  const sink: TickSink = {
    name: 'alerts',
    write(tick) {
      pruneKernelEvents(tick.nowMs);
      const states = tick.states();
      const detectors = detection.detect({ atMs: tick.nowMs, snapshots: tick.snapshots, states });
      alerts.evaluate({ atMs: tick.nowMs, snapshots: tick.snapshots, states, detectors });
      for (const state of states) fleet.setNote(state.id, KERNEL_LOG_NOTE, kernelLog.capability(state.id));
    },
  };

  const timeline = (query: CallRequest<'failures:timeline'>): CallResponse<'failures:timeline'> => {
    const { nodeId, fromMs, toMs } = query;
    return buildTimeline({
      nodeId,
      gpu: query.gpu ?? null,
      fromMs,
      toMs,
      kernelEvents: kernelEvents.between(nodeId, fromMs, toMs, MAX_TIMELINE_EVENTS),
      nodeEvents: options.nodeEvents.list(nodeId, fromMs - TIMELINE_LOOKBACK_MS, toMs),
      alerts: alerts.list({ nodeId, fromMs, toMs, limit: MAX_TIMELINE_EVENTS, views: ['firing', 'pending', 'acknowledged', 'silenced', 'resolved'] }).alerts,
      gpus: baseline.list(nodeId),
    });
  };

  let closed = false;
  return {
    engine: alerts,
    sink,
    kernelLog,
    detection,
    timeline,
    applyConfig(next, nextRulesDir) {
      const previous = config;
      config = next;
      if (previous.alerts.kernelLogIntervalMs !== next.alerts.kernelLogIntervalMs) kernelLog.setInterval(next.alerts.kernelLogIntervalMs);
      if (nextRulesDir !== userRulesDir) {
        rules.stop();
        userRulesDir = nextRulesDir;
        rules = startRules(userRulesDir);
        logRuleErrors(log, rules.current());
        alerts.setRules(rules.current());
      }
      if (JSON.stringify(previous.notifications) !== JSON.stringify(next.notifications)) {
        noise.setSettings(next.notifications);
        alerts.setMinSeverity(next.notifications.minSeverity);
        // New sinks from now on; the old dispatcher finishes what it has, then closes.
        const old = dispatcher;
        dispatcher = dispatcherFor(next.notifications);
        void old.idle().then(() => old.close());
      }
    },
    forgetNode: (nodeId) => detection.forgetNode(nodeId, { baseline: true }),
    start: () => kernelLog.start(),
    async flush(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([dispatcher.idle(), deadline]);
      clearTimeout(timer);
    },
    close() {
      if (closed) return;
      closed = true;
      rules.stop();
      void kernelLog.stop();
      void dispatcher.close();
    },
  };
}
