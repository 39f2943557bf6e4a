/**
 * What the rules see in one tick: metric rules compare each node's (and device's) value with their
 * threshold, detector rules take the signals of their detector. The result is the set of alert
 * instances whose condition holds now, one per fingerprint (rule | node | subject), and, for every
 * other open alert, whether its condition could be looked at (a node without a snapshot, a
 * detector that did not run, keeps its alert where it is).
 */
import type { AlertSeverity } from '../../../shared/model/alerts';
import { SEVERITY_RANK } from '../../../shared/model/alerts';
import type { NodeSnapshot } from '../../../shared/model/node';
import { matchesAll, matchesLabel } from './matchers';
import { levelAt, mayHold, metricLevels } from './levels';
import { metricBuffer, readRuleMetric, type MetricBuffer } from './rule-metrics';
import type { AlertRule, AlertTick, DetectorId, LabelMatcher, MetricLevel, RuleSet, Signal } from './types';

/** Detectors that report an event once (its alert holds until the event's time + keep_firing_for); the others report a condition every tick. */
export const EVENT_DETECTORS: ReadonlySet<DetectorId> = new Set<DetectorId>(['xid', 'gpu-ecc-uncorrected', 'gpu-ecc-dbe']);

/**
 * How late an event may be read and still raise its alert when its keep_firing_for has run out:
 * kernel logs are read every few seconds to minutes, and a node's clock may be behind. An event
 * older than that (the current boot's log read on first contact, a journal caught up after
 * downtime) is history: it is on the timeline, and alerts nobody.
 */
export const EVENT_GRACE_MS = 5 * 60_000;

export interface AlertInstance {
  fingerprint: string;
  rule: AlertRule;
  nodeId: string;
  subject: string;
  gpu: string | null;
  value: number | null;
  text: string;
  severity: AlertSeverity;
  labels: Record<string, string>;
  /** When the condition held: the event's time, else the tick. */
  atMs: number;
}

export function fingerprintOf(ruleId: string, nodeId: string, subject: string): string {
  return `${ruleId}|${nodeId}|${subject}`;
}

export function isEventRule(rule: AlertRule): boolean {
  return rule.watch.kind === 'detector' && EVENT_DETECTORS.has(rule.watch.detector);
}

export { compare } from './levels';

function ruleSeverity(rule: AlertRule, suggested: AlertSeverity | null): AlertSeverity {
  return rule.severity === 'from-signal' ? (suggested ?? 'warning') : rule.severity;
}

/** A metric rule with what each tick needs of it worked out once. */
export interface MetricRuleEntry {
  rule: AlertRule;
  levels: readonly MetricLevel[];
  /** Its selectors as a list (empty: every node and device). */
  selectors: ReadonlyArray<readonly [string, LabelMatcher]>;
}

/** The metric rules of one metric. */
export interface MetricRules {
  metric: string;
  /** Its devices are GPU keys (the alert's `gpu`). */
  gpu: boolean;
  rules: readonly MetricRuleEntry[];
}

/** The rules of a rule set, indexed so a tick touches only the rules that watch what it carries. */
export class RuleIndex {
  readonly byId: ReadonlyMap<string, AlertRule>;
  readonly byMetric: ReadonlyMap<string, readonly AlertRule[]>;
  /** byMetric, in the same order, with each rule's levels and selectors prepared. */
  readonly metricRules: readonly MetricRules[];
  readonly byDetector: ReadonlyMap<DetectorId, readonly AlertRule[]>;
  /** Whether some metric rule selects on the node's labels ("group"). */
  readonly needsGroups: boolean;

  constructor(readonly set: RuleSet) {
    const byMetric = new Map<string, AlertRule[]>();
    const byDetector = new Map<DetectorId, AlertRule[]>();
    let needsGroups = false;
    for (const rule of set.rules) {
      if (rule.watch.kind === 'metric') {
        byMetric.set(rule.watch.metric, [...(byMetric.get(rule.watch.metric) ?? []), rule]);
        if ('group' in rule.watch.selectors) needsGroups = true;
      } else {
        byDetector.set(rule.watch.detector, [...(byDetector.get(rule.watch.detector) ?? []), rule]);
      }
    }
    this.byId = new Map(set.rules.map((rule) => [rule.id, rule]));
    this.byMetric = byMetric;
    this.metricRules = [...byMetric].map(([metric, rules]) => ({
      metric,
      gpu: metric.startsWith('gpu.'),
      rules: rules.map((rule) => ({ rule, levels: metricLevels(rule), selectors: Object.entries(rule.watch.selectors) })),
    }));
    this.byDetector = byDetector;
    this.needsGroups = needsGroups;
  }
}

/** A metric rule's selectors: node, device, and group (any of the node's labels). */
function metricSelected(selectors: MetricRuleEntry['selectors'], nodeId: string, device: string, groups: readonly string[]): boolean {
  for (const [name, matcher] of selectors) {
    if (name === 'group') {
      if (!groups.some((group) => matchesLabel(matcher, group))) return false;
    } else if (!matchesLabel(matcher, name === 'node' ? nodeId : name === 'device' ? device : undefined)) {
      return false;
    }
  }
  return true;
}

export interface TickView {
  /** Conditions that hold now, by fingerprint. */
  active: Map<string, AlertInstance>;
  /** Whether the rule's condition for this node could be looked at this tick (a node gone from the fleet counts as looked at). */
  evaluated(rule: AlertRule, nodeId: string): boolean;
}

/** Reads one metric's values in one snapshot into `out` (rule-metrics.ts's readRuleMetric). */
export type MetricReader = (metric: string, snapshot: NodeSnapshot, out: MetricBuffer) => void;

const NO_GROUPS: readonly string[] = [];
/** Reused by every tick: evaluateTick is synchronous and never re-entered. */
const values = metricBuffer();

/**
 * The instances whose condition holds in this tick. `firingSeverity` gives the severity of each
 * fingerprint's firing alert (null: none firing): a metric rule's level holds until the value
 * passes its `recover` (hysteresis), and the instance is at the highest level that holds.
 */
export function evaluateTick(
  index: RuleIndex,
  tick: AlertTick,
  firingSeverity: (fingerprint: string) => AlertSeverity | null,
  readMetric: MetricReader = readRuleMetric,
): TickView {
  const active = new Map<string, AlertInstance>();
  const groups = new Map<string, readonly string[]>();
  if (index.needsGroups) for (const state of tick.states) groups.set(state.id, state.labels);
  const snapshotNodes = new Set<string>();

  for (const snapshot of tick.snapshots) {
    snapshotNodes.add(snapshot.id);
    const nodeGroups = groups.get(snapshot.id) ?? NO_GROUPS;
    for (const { metric, gpu, rules } of index.metricRules) {
      readMetric(metric, snapshot, values);
      if (values.length === 0) continue;
      for (const { rule, levels, selectors } of rules) {
        for (let i = 0; i < values.length; i += 1) {
          const value = values.values[i]!;
          // Most values hold no level whatever is firing: no fingerprint, no lookup, no instance.
          if (!mayHold(levels, value)) continue;
          const device = values.devices[i]!;
          if (selectors.length > 0 && !metricSelected(selectors, snapshot.id, device, nodeGroups)) continue;
          const fingerprint = fingerprintOf(rule.id, snapshot.id, device);
          const severity = levelAt(levels, value, firingSeverity(fingerprint));
          if (severity === null) continue;
          active.set(fingerprint, {
            fingerprint,
            rule,
            nodeId: snapshot.id,
            subject: device,
            gpu: device !== '' && gpu ? device : null,
            value,
            text: '',
            severity,
            labels: device === '' ? { ...rule.labels } : { ...rule.labels, device },
            atMs: tick.atMs,
          });
        }
      }
    }
  }

  for (const signal of tick.detectors.signals) {
    const rules = index.byDetector.get(signal.detector);
    if (!rules) continue;
    const labels = { ...signal.labels, node: signal.nodeId, gpu: signal.gpu ?? '', subject: signal.subject };
    const event = EVENT_DETECTORS.has(signal.detector);
    for (const rule of rules) {
      if (!matchesAll(rule.watch.selectors, labels)) continue;
      if (event && signal.atMs + rule.keepFiringForMs + EVENT_GRACE_MS < tick.atMs) continue;
      addSignal(active, rule, signal, event ? signal.atMs : tick.atMs);
    }
  }

  const evaluatedDetectors = tick.detectors.evaluated;
  // A node no longer in the fleet (removed from the inventory) will never be looked at again: its conditions are gone.
  const fleet = tick.states.length > 0 ? new Set(tick.states.map((state) => state.id)) : null;
  return {
    active,
    evaluated: (rule, nodeId) => {
      if (fleet && !fleet.has(nodeId)) return true;
      return rule.watch.kind === 'metric' ? snapshotNodes.has(nodeId) : (evaluatedDetectors.get(nodeId)?.has(rule.watch.detector) ?? false);
    },
  };
}

/** Several signals for one fingerprint in a tick (two Xids on one GPU) are one alert: the latest, at the worst severity. */
function addSignal(active: Map<string, AlertInstance>, rule: AlertRule, signal: Signal, atMs: number): void {
  const fingerprint = fingerprintOf(rule.id, signal.nodeId, signal.subject);
  const severity = ruleSeverity(rule, signal.severity);
  const previous = active.get(fingerprint);
  if (previous && previous.atMs > atMs) {
    if (SEVERITY_RANK[severity] > SEVERITY_RANK[previous.severity]) previous.severity = severity;
    return;
  }
  active.set(fingerprint, {
    fingerprint,
    rule,
    nodeId: signal.nodeId,
    subject: signal.subject,
    gpu: signal.gpu,
    value: signal.value,
    text: signal.text,
    severity: previous && SEVERITY_RANK[previous.severity] > SEVERITY_RANK[severity] ? previous.severity : severity,
    labels: { ...rule.labels, ...signal.labels },
    atMs,
  });
}
