/**
 * The shapes the failure detectors, the alert engine, the notifiers and the benchmark agree on.
 * Detectors (failures/) turn each tick and each kernel log read into signals; rules (rules/*.yaml,
 * loaded by rule-loader.ts) say which signals and metric values become alerts; the alert engine
 * keeps each alert's lifecycle in SQLite and hands notifications to the noise control, which hands
 * what survives to the notification sinks (notify/).
 */
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import type { Alert, AlertSeverity, AlertSummary, AlertTransition, RuleError, RuleInfo, Silence, SilenceMatcher } from '../../../shared/model/alerts';

/** Every detector. A rule watching `detector: X` sees the signals of X. */
export const DETECTOR_IDS = [
  /** A decoded Xid from the kernel log (not 79: that is gpu-fallen-off-bus). Event. Labels: xid, name, mnemonic. */
  'xid',
  /** A GPU missing by UUID, the count below the node's baseline, or the kernel says it fell off. Condition per GPU. */
  'gpu-fallen-off-bus',
  /** Volatile uncorrected ECC errors increased since the last reading. Event per GPU. */
  'gpu-ecc-uncorrected',
  /** Double-bit ECC errors: retired double-bit pages increased. Event per GPU. */
  'gpu-ecc-dbe',
  /** Retired pages pending (a reset is needed to retire them). Condition per GPU. */
  'gpu-retired-pages-pending',
  /** Remapped rows pending (a reset is needed). Condition per GPU. */
  'gpu-row-remap-pending',
  /** Row remapping failed: the GPU should be replaced. Condition per GPU. */
  'gpu-row-remap-failure',
  /** nvidia-smi / NVML failed on the node (driver not loaded, no devices, version mismatch, NVML error). Condition per node. */
  'gpu-driver-error',
  /** A clock event reason active: hw slowdown, thermal (hw or sw), power brake. Condition per GPU and reason. Label: reason. */
  'gpu-throttle',
  /** The node does not answer (SSH connect or collection failed). Condition per node. */
  'node-unreachable',
  /** The node refuses our login. Condition per node. */
  'node-auth-failed',
  /** The node presents a host key other than the trusted one. Condition per node. */
  'node-host-key-changed',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

/**
 * One thing a detector saw on one node. A condition detector reports a signal every tick the
 * condition holds (absence means it cleared); an event detector reports a signal once per event,
 * with the event's own time, and the rule's keep_firing_for says how long its alert stays.
 */
export interface Signal {
  detector: DetectorId;
  nodeId: string;
  /**
   * What the signal is about, stable across ticks: '' for the node, a GPU's key, `KEY:reason` for
   * throttling. gpu-fallen-off-bus uses the GPU's PCI bus id as nvidia-smi writes it
   * (`00000000:9B:00.0`), so the kernel's lines and the missing GPU are one alert.
   */
  subject: string;
  /** The GPU's key (UUID; the PCI bus id where only the kernel named it), or null. */
  gpu: string | null;
  /** When it happened (the kernel line's time; the tick for conditions). */
  atMs: number;
  /** A number for the message ({{value}}), e.g. an error count. */
  value: number | null;
  /** Decoded text for the message ({{text}}): Xid name, meaning and recommended action; driver message. */
  text: string;
  /** The severity the source suggests (the Xid catalog); a rule with `severity: from-signal` takes it. */
  severity: AlertSeverity | null;
  /** Extra labels: xid, reason, gpu_index, pci... (matched by rules, silences, inhibition). */
  labels: Readonly<Record<string, string>>;
  /** The kernel lines behind it, if any. */
  raw?: readonly string[];
}

/** What the detectors saw in one tick. */
export interface DetectorTick {
  atMs: number;
  signals: readonly Signal[];
  /**
   * Per node, the detectors that could look this tick. A condition alert whose detector did not
   * look (the node was unreachable, its nvidia-smi failed) keeps its state instead of resolving.
   */
  evaluated: ReadonlyMap<string, ReadonlySet<DetectorId>>;
}

export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

/** A label matcher in a rule: equality, or a regular expression over the whole value. */
export interface LabelMatcher {
  value: string;
  regex: RegExp | null;
}

/**
 * One severity level of a metric rule (Netdata's warn/crit in one alarm): the alert is at the
 * highest level whose condition holds, and a level the firing alert is at (or above) holds until
 * the value passes that level's own recover.
 */
export interface MetricLevel {
  severity: AlertSeverity;
  op: CompareOp;
  threshold: number;
  /** Hysteresis for this level (default: threshold). */
  recover: number | null;
}

export type RuleWatch =
  | {
      kind: 'metric';
      /** A stored metric (shared/model/metrics.ts) or a derived one (alerts/rule-metrics.ts). */
      metric: string;
      /** On node, device and node labels ("group"). */
      selectors: Readonly<Record<string, LabelMatcher>>;
      op: CompareOp;
      threshold: number;
      /** Hysteresis: once firing, it resolves only when the value passes this (default: threshold). */
      recover: number | null;
      /**
       * A rule written with `levels:`: its levels, lowest severity first (op, threshold and
       * recover are then the lowest level's). Absent: one level, the rule's severity.
       */
      levels?: readonly MetricLevel[];
    }
  | {
      kind: 'detector';
      detector: DetectorId;
      /** On the signal's labels, node and gpu. */
      selectors: Readonly<Record<string, LabelMatcher>>;
    };

/** A rule as loaded and validated. */
export interface AlertRule {
  id: string;
  name: string;
  watch: RuleWatch;
  forMs: number;
  keepFiringForMs: number;
  /** For a rule with levels: its highest level's. */
  severity: AlertSeverity | 'from-signal';
  labels: Readonly<Record<string, string>>;
  /** Template: {{node}} {{gpu}} {{subject}} {{value}} {{text}} {{labels.NAME}}. */
  message: string;
  runbook: string;
  rationale: string;
  source: { file: string; line: number | null };
}

/** Alertmanager's inhibit rule: an alert matching `source` suppresses those matching `target` with equal `equal` labels. */
export interface InhibitRule {
  source: Readonly<Record<string, LabelMatcher>>;
  target: Readonly<Record<string, LabelMatcher>>;
  equal: readonly string[];
  source_file: { file: string; line: number | null };
}

export interface RuleSet {
  rules: readonly AlertRule[];
  inhibit: readonly InhibitRule[];
  errors: readonly RuleError[];
}

/** One tick for the alert engine: the snapshots (metric rules), node states and detector signals. */
export interface AlertTick {
  atMs: number;
  snapshots: readonly NodeSnapshot[];
  states: readonly NodeState[];
  detectors: DetectorTick;
}

/** A notification for the sinks (OS notification, notify-send, webhook). */
export interface Notification {
  kind: 'alert' | 'resolved' | 'summary';
  severity: AlertSeverity;
  /** "GPU fallen off the bus: gpu-07 GPU 3" */
  title: string;
  /** The decoded text; for a summary, one line per alert. */
  body: string;
  nodeId: string | null;
  /** The alert a click opens; the first for a summary. */
  alertId: number | null;
  alertIds: readonly number[];
  ruleId: string | null;
  atMs: number;
}

export interface NotificationSink {
  readonly name: string;
  /** Resolves when delivered; the dispatcher aborts it past its timeout. Never called concurrently for one sink. */
  send(notification: Notification, signal: AbortSignal): Promise<void>;
}

/** The engine's alert side as the handlers, the CLI and the benchmark use it. */
export interface AlertEngine {
  /** Evaluates one tick; returns the notifications it decided on (already handed to the sinks). */
  evaluate(tick: AlertTick): Notification[];
  /** fromMs/toMs: only alerts whose span overlaps [fromMs, toMs). */
  list(query: {
    views?: readonly Alert['view'][];
    nodeId?: string;
    gpu?: string;
    severities?: readonly AlertSeverity[];
    fromMs?: number;
    toMs?: number;
    limit: number;
  }): {
    alerts: Alert[];
    total: number;
  };
  get(id: number): { alert: Alert; transitions: AlertTransition[]; rule: RuleInfo | null } | null;
  summary(): AlertSummary;
  ack(id: number, by: string, comment: string | null): Alert;
  snooze(id: number, durationMs: number, by: string): Alert;
  silence(matchers: readonly SilenceMatcher[], durationMs: number, comment: string, by: string): Silence;
  expireSilence(id: number, by: string): Silence;
  silences(): Silence[];
  rules(): { rules: RuleInfo[]; errors: RuleError[] };
  /** Replaces the rules (a reload); open alerts of removed rules resolve. */
  setRules(rules: RuleSet): void;
  onChange(listener: (summary: AlertSummary) => void): () => void;
}

/** A kernel log failure as recorded in kernel_events (one row per failure, once across restarts). */
export interface StoredKernelEvent {
  id: number;
  nodeId: string;
  bootId: string;
  /** Wall clock of the first line, or null where the log gives none (dmesg -T). */
  atMs: number | null;
  uptimeMs: number | null;
  /** When Clusterdeck read it. */
  recordedMs: number;
  /** 'fallen-off-bus' for Xid 79 and for "fallen off the bus" lines without an Xid. */
  kind: 'xid' | 'fallen-off-bus';
  /** The GPU in nvidia-smi's form, `00000000:9B:00.0`. */
  pciId: string;
  xid: number | null;
  severity: AlertSeverity;
  /** The catalog's name ("GPU has fallen off the bus"), or "Unknown Xid N". */
  name: string;
  /** Decoded: meaning, recommended action, the driver's own text. */
  detail: string;
  raw: string[];
}

/** The noise control as the alert engine sees it: notifications offered, and those it lets out. */
export interface NoiseGate {
  offer(n: Notification, nowMs: number): void;
  release(nowMs: number): Notification[];
}
