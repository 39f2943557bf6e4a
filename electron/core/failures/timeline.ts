/**
 * A node's failures on one time axis (the failures:timeline call): decoded Xid events and
 * fallen-off-bus points from the kernel log, unreachable / login / host key / driver spans and GPUs
 * lost from the node's status history, and the firing span of each failure alert (throttling, ECC,
 * retirement, host). Pure: the caller reads the rows; this only lays them out.
 */
import type { Alert, AlertSeverity, FailureEvent, FailureKind } from '../../../shared/model/alerts';
import type { StoredKernelEvent } from '../alerts/types';
import type { NodeStatusChange } from '../bus';
import { kernelEventTime } from './detectors/xid-signal';
import { MAX_EVENT_RAW_LINES } from './xid';

/** Events one call returns at most; past it the newest are kept and `truncated` says so. */
export const MAX_TIMELINE_EVENTS = 2000;
const MAX_TITLE = 512;
const MAX_DETAIL = 8192;
const MAX_RAW_LINE = 4096;

export interface TimelineInput {
  nodeId: string;
  /** One GPU (its UUID, or its PCI bus id): that GPU's events and the node's own; absent: all. */
  gpu?: string | null;
  fromMs: number;
  toMs: number;
  kernelEvents: readonly StoredKernelEvent[];
  nodeEvents: readonly NodeStatusChange[];
  alerts: readonly Alert[];
  /** The node's GPUs (the baseline): kernel events name a PCI id, this gives the GPU's UUID. */
  gpus?: ReadonlyArray<{ key: string; pciBusId: string | null }>;
}

export interface Timeline {
  events: FailureEvent[];
  truncated: boolean;
}

/** Node status -> timeline span. */
const NODE_SPANS: Readonly<Record<string, { kind: FailureKind; title: string }>> = {
  unreachable: { kind: 'unreachable', title: 'Node unreachable' },
  'auth-failed': { kind: 'auth-failed', title: 'Login refused' },
  'host-key-mismatch': { kind: 'host-key-changed', title: 'Host key changed' },
};

/** GPU collection status -> driver span: the driver failures, and the states that hint at a hung GPU. */
const GPU_STATUS_SPANS: Readonly<Record<string, { title: string; severity: AlertSeverity }>> = {
  'driver-not-loaded': { title: 'NVIDIA driver not loaded', severity: 'critical' },
  'no-devices': { title: 'nvidia-smi found no GPUs', severity: 'critical' },
  'version-mismatch': { title: 'NVML driver/library version mismatch', severity: 'critical' },
  'nvml-error': { title: 'NVML failed', severity: 'critical' },
  timeout: { title: 'nvidia-smi timed out', severity: 'warning' },
  failed: { title: 'nvidia-smi failed', severity: 'warning' },
};

/** An alert's kind, from its rule id or detector label; null: not a failure the timeline shows. */
const ALERT_KINDS: ReadonlyArray<readonly [RegExp, FailureKind]> = [
  [/fallen-off|off-the-bus|off-bus/, 'fallen-off-bus'],
  [/xid/, 'xid'],
  [/remap/, 'row-remap'],
  [/retired|retire/, 'retired-pages'],
  [/ecc|dbe/, 'ecc'],
  [/driver|nvml/, 'driver'],
  [/throttl|slowdown|clock-event|power-brake/, 'throttle'],
  [/unreachable/, 'unreachable'],
  [/auth/, 'auth-failed'],
  [/host-key/, 'host-key-changed'],
];
/** Kinds the kernel log and the status history already draw: their alerts lend their id, not a second bar. */
const DRAWN_ELSEWHERE: ReadonlySet<FailureKind> = new Set(['xid', 'unreachable', 'auth-failed', 'host-key-changed', 'driver']);

export function alertKind(alert: Pick<Alert, 'ruleId' | 'labels' | 'gpu'>): FailureKind | null {
  const names = [alert.labels.detector ?? '', alert.ruleId].map((name) => name.toLowerCase());
  for (const name of names) for (const [pattern, kind] of ALERT_KINDS) if (pattern.test(name)) return kind;
  // Other node alerts (disk full, memory pressure, load) are the host's; other GPU metric alerts are not failures.
  return alert.gpu === null ? 'host' : null;
}

const clip = (text: string, max: number) => (text.length <= max ? text : text.slice(0, max));

function inRange(startMs: number, endMs: number | null, fromMs: number, toMs: number): boolean {
  return startMs < toMs && (endMs === null ? true : endMs >= fromMs);
}

interface Spans {
  open: Map<string, FailureEvent>;
  out: FailureEvent[];
}

function openSpan(spans: Spans, id: string, event: FailureEvent): void {
  if (spans.open.has(id)) return;
  spans.open.set(id, event);
  spans.out.push(event);
}

function closeSpan(spans: Spans, id: string, atMs: number): void {
  const span = spans.open.get(id);
  if (span === undefined) return;
  span.endMs = atMs;
  spans.open.delete(id);
}

function statusSpans(input: TimelineInput): FailureEvent[] {
  const spans: Spans = { open: new Map(), out: [] };
  const changes = [...input.nodeEvents].filter((c) => c.nodeId === input.nodeId).sort((a, b) => a.atMs - b.atMs);
  const base = { nodeId: input.nodeId, raw: [], alertId: null };
  for (const change of changes) {
    const id = `${change.kind}\u0000${change.subject}`;
    // A span already open before the window: its first change in the window names it as `previous`.
    if (!spans.open.has(id) && change.previous !== null && change.previous !== change.state) {
      const before = spanOf(input, { ...change, state: change.previous, message: null }, input.fromMs, base);
      if (before !== null) openSpan(spans, id, before);
    }
    closeSpan(spans, id, change.atMs);
    const span = spanOf(input, change, change.atMs, base);
    if (span !== null) openSpan(spans, id, span);
  }
  return spans.out;
}

function spanOf(input: TimelineInput, change: NodeStatusChange, startMs: number, base: { nodeId: string; raw: string[]; alertId: null }): FailureEvent | null {
  const detail = change.message ?? '';
  if (change.kind === 'node') {
    const span = NODE_SPANS[change.state];
    return span ? { ...base, kind: span.kind, gpu: null, startMs, endMs: null, severity: 'critical', title: span.title, detail } : null;
  }
  if (change.kind === 'gpus') {
    const span = GPU_STATUS_SPANS[change.state];
    return span ? { ...base, kind: 'driver', gpu: null, startMs, endMs: null, severity: span.severity, title: span.title, detail } : null;
  }
  if (change.state !== 'missing') return null;
  return {
    ...base,
    kind: 'gpu-lost',
    gpu: change.subject,
    startMs,
    endMs: null,
    severity: 'critical',
    title: 'GPU lost',
    detail: detail || 'No longer listed by nvidia-smi.',
  };
}

function kernelPoint(event: StoredKernelEvent, gpuOfPci: ReadonlyMap<string, string>): FailureEvent {
  const fallen = event.kind === 'fallen-off-bus';
  return {
    kind: fallen ? 'fallen-off-bus' : 'xid',
    nodeId: event.nodeId,
    gpu: gpuOfPci.get(event.pciId) ?? (event.pciId || null),
    startMs: kernelEventTime(event),
    endMs: null,
    severity: event.severity,
    title: clip(event.xid === null ? event.name : `Xid ${event.xid}: ${event.name}`, MAX_TITLE),
    detail: clip(event.detail, MAX_DETAIL),
    raw: event.raw.slice(0, MAX_EVENT_RAW_LINES).map((line) => clip(line, MAX_RAW_LINE)),
    alertId: null,
  };
}

function alertSpan(alert: Alert, kind: FailureKind): FailureEvent | null {
  // Only what fired: a pending alert that cleared before its `for` was a spike, not a failure.
  if (alert.firedAtMs === null) return null;
  return {
    kind,
    nodeId: alert.nodeId,
    gpu: alert.gpu,
    startMs: alert.firedAtMs,
    endMs: alert.resolvedAtMs,
    severity: alert.severity,
    title: clip(alert.title, MAX_TITLE),
    detail: clip(alert.message, MAX_DETAIL),
    raw: [],
    alertId: alert.id,
  };
}

/** A lost GPU is the fallen-off-bus alert's failure too. */
const linkKind = (kind: FailureKind): FailureKind => (kind === 'gpu-lost' ? 'fallen-off-bus' : kind);

/** How much earlier than the point an alert may start and still be its alert (the kernel read lags). */
const LINK_SLACK_MS = 60_000;

/** The alert of that kind covering a time on that GPU, to link a kernel point or status span to it. */
function coveringAlert(alertsByKind: ReadonlyMap<FailureKind, readonly Alert[]>, event: FailureEvent): number | null {
  for (const alert of alertsByKind.get(linkKind(event.kind)) ?? []) {
    if (event.gpu !== null && alert.gpu !== event.gpu && alert.subject !== event.gpu && !alert.subject.startsWith(`${event.gpu}:`)) continue;
    if (alert.pendingSinceMs <= event.startMs + LINK_SLACK_MS && (alert.resolvedAtMs === null || alert.resolvedAtMs >= event.startMs)) return alert.id;
  }
  return null;
}

export function buildTimeline(input: TimelineInput): Timeline {
  const gpuOfPci = new Map((input.gpus ?? []).filter((g) => g.pciBusId !== null).map((g) => [g.pciBusId!, g.key]));
  const pciOfGpu = new Map([...gpuOfPci].map(([pci, key]) => [key, pci]));
  const alerts = input.alerts.filter((a) => a.nodeId === input.nodeId).map((alert) => ({ alert, kind: alertKind(alert) }));
  const alertsByKind = new Map<FailureKind, Alert[]>();
  for (const { alert, kind } of alerts) {
    if (kind === null) continue;
    const list = alertsByKind.get(kind);
    if (list === undefined) alertsByKind.set(kind, [alert]);
    else list.push(alert);
  }

  const events: FailureEvent[] = [];
  for (const event of input.kernelEvents) {
    if (event.nodeId !== input.nodeId) continue;
    // A point is in the window or not (an end of null on a span means still going).
    const point = kernelPoint(event, gpuOfPci);
    if (point.startMs >= input.fromMs) events.push(point);
  }
  events.push(...statusSpans(input));
  for (const event of events) event.alertId = coveringAlert(alertsByKind, event);
  for (const { alert, kind } of alerts) {
    if (kind === null || DRAWN_ELSEWHERE.has(kind)) continue;
    const span = alertSpan(alert, kind);
    if (span !== null) events.push(span);
  }

  const wanted = input.gpu ?? null;
  const sameGpu = (gpu: string | null) => gpu === null || wanted === null || gpu === wanted || pciOfGpu.get(wanted) === gpu || gpuOfPci.get(wanted) === gpu;
  const selected = events
    .filter((e) => inRange(e.startMs, e.endMs, input.fromMs, input.toMs) && sameGpu(e.gpu))
    .sort((a, b) => a.startMs - b.startMs || a.kind.localeCompare(b.kind));
  const truncated = selected.length > MAX_TIMELINE_EVENTS;
  return { events: truncated ? selected.slice(selected.length - MAX_TIMELINE_EVENTS) : selected, truncated };
}
