/**
 * A real alert engine over a real SQLite file for the alert tests: a settable clock, the real
 * noise control (burst and rate limits set out of the way unless a test wants them), and a
 * record of what reached the sinks.
 */
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { ConfigSchema } from '../../../shared/config';
import type { AlertSeverity } from '../../../shared/model/alerts';
import type { NodeSnapshot } from '../../../shared/model/node';
import { SqliteAlertEngine } from '../../../electron/core/alerts/alert-engine';
import { NoiseControl, type NotificationSettings } from '../../../electron/core/alerts/noise';
import type { AlertRule, AlertTick, DetectorId, InhibitRule, LabelMatcher, Notification, RuleSet, Signal } from '../../../electron/core/alerts/types';
import { silentLogger } from '../../../electron/core/log';
import { openDatabase } from '../../../electron/core/store/db';
import { gpu, snapshot } from '../../helpers/snapshots';
import { tempDir } from '../../helpers/tmp';

export const T0 = Date.UTC(2025, 0, 6, 12, 0, 0);
export const MIN = 60_000;
export const GPU_KEY = 'GPU-aaaaaaaa-0000-0000-0000-000000000000';

export function eq(value: string): LabelMatcher {
  return { value, regex: null };
}

export function metricRule(overrides: Partial<AlertRule> & { threshold?: number; recover?: number | null; metric?: string } = {}): AlertRule {
  const { threshold = 85, recover = null, metric = 'gpu.temperature_c', ...rest } = overrides;
  return {
    id: 'gpu-hot',
    name: 'GPU hot',
    watch: { kind: 'metric', metric, selectors: {}, op: '>', threshold, recover },
    forMs: 0,
    keepFiringForMs: 0,
    severity: 'warning',
    labels: { team: 'infra' },
    message: '{{node}} GPU {{gpu}} at {{value}} C',
    runbook: 'Check the fans.',
    rationale: 'Hot GPUs throttle.',
    source: { file: 'test.yaml', line: 1 },
    ...rest,
  };
}

export function detectorRule(id: string, detector: DetectorId, overrides: Partial<AlertRule> = {}): AlertRule {
  return {
    id,
    name: id,
    watch: { kind: 'detector', detector, selectors: {} },
    forMs: 0,
    keepFiringForMs: 0,
    severity: 'critical',
    labels: {},
    message: '{{node}}: {{text}}',
    runbook: '',
    rationale: '',
    source: { file: 'test.yaml', line: 2 },
    ...overrides,
  };
}

export function ruleSet(rules: AlertRule[], inhibit: InhibitRule[] = []): RuleSet {
  return { rules, inhibit, errors: [] };
}

export function signal(detector: DetectorId, nodeId: string, atMs: number, overrides: Partial<Signal> = {}): Signal {
  return { detector, nodeId, subject: '', gpu: null, atMs, value: null, text: `${detector} seen`, severity: null, labels: {}, ...overrides };
}

/** A node's snapshot with one GPU at this temperature. */
export function hot(nodeId: string, atMs: number, temperatureC: number): NodeSnapshot {
  return snapshot(atMs, { id: nodeId, hostname: nodeId, gpus: [gpu({ temperatureC })] });
}

export interface TickParts {
  snapshots?: NodeSnapshot[];
  signals?: Signal[];
  /** Per node, the detectors that looked; default: every detector a signal names, on the nodes of the signals and snapshots. */
  evaluated?: Record<string, DetectorId[]>;
}

export function tick(atMs: number, parts: TickParts = {}): AlertTick {
  const signals = parts.signals ?? [];
  const snapshots = parts.snapshots ?? [];
  const evaluated = new Map<string, Set<DetectorId>>();
  if (parts.evaluated) {
    for (const [node, detectors] of Object.entries(parts.evaluated)) evaluated.set(node, new Set(detectors));
  }
  return { atMs, snapshots, states: [], detectors: { atMs, signals, evaluated } };
}

export interface Harness {
  engine: SqliteAlertEngine;
  db: Database;
  dbPath: string;
  clock: { now: () => number; set(ms: number): void };
  /** Everything delivered to the sinks, in order. */
  delivered: Notification[];
  /** Evaluates a tick at its time (the clock moves there first). */
  run(atMs: number, parts?: TickParts): Notification[];
  /** A second engine over the same file, as after a restart. */
  restart(rules?: RuleSet): Harness;
}

export interface HarnessOptions {
  dbPath?: string;
  minSeverity?: AlertSeverity;
  startMs?: number;
  /** Noise control settings over the harness's (e.g. quiet hours, in UTC). */
  notifications?: Partial<NotificationSettings>;
}

export function harness(rules: RuleSet, options: HarnessOptions = {}): Harness {
  const dbPath = options.dbPath ?? join(tempDir('cd-alerts-'), 'clusterdeck.db');
  const db = openDatabase(dbPath);
  let now = options.startMs ?? T0;
  const clock = { now: () => now, set: (ms: number) => (now = ms) };
  const delivered: Notification[] = [];
  const settings = {
    ...ConfigSchema.parse({}).notifications,
    burstCount: 1000,
    perRulePerHour: 10_000,
    minSeverity: 'info' as const,
    ...options.notifications,
  };
  const engine = new SqliteAlertEngine({
    db,
    clock,
    rules,
    noise: new NoiseControl(settings, { timeZone: 'UTC' }),
    deliver: (notifications) => delivered.push(...notifications),
    log: silentLogger,
    minSeverity: options.minSeverity,
  });
  const self: Harness = {
    engine,
    db,
    dbPath,
    clock,
    delivered,
    run(atMs, parts = {}) {
      clock.set(atMs);
      return engine.evaluate(tick(atMs, parts));
    },
    restart(next = rules) {
      db.close();
      return harness(next, { ...options, dbPath, startMs: now });
    },
  };
  return self;
}

export function transitionsOf(h: Harness, id: number): string[] {
  return (h.engine.get(id)?.transitions ?? []).map((t) => t.to);
}
