/**
 * The failures timeline as pure functions: which lane an event goes on, what part of it the
 * window shows, which marks merge, and where they land in pixels. The component only draws.
 */
import { SEVERITY_RANK, type AlertSeverity, type FailureEvent, type FailureKind } from '../../../shared/model/alerts';

/** The node's own lane (unreachable, host, driver events with no GPU). */
export const NODE_LANE = 'node';

export interface Lane {
  /** NODE_LANE, or the GPU's device key. */
  id: string;
  label: string;
  /** The GPU's device key, null for the node lane. */
  gpu: string | null;
}

/** What the timeline knows of a GPU from the latest snapshot. */
export interface LaneGpu {
  /** gpuDeviceKey: the UUID, else the PCI bus id. */
  key: string;
  index: number;
  uuid: string | null;
  pciBusId: string | null;
}

export interface TimeSpan {
  fromMs: number;
  toMs: number;
}

/** Kinds that last: with no end yet they are still going and run to the window's end. */
const SPAN_KINDS: ReadonlySet<FailureKind> = new Set(['throttle', 'unreachable', 'auth-failed', 'host-key-changed', 'gpu-lost', 'host']);

/**
 * Whether an event is drawn as a bar: it has an end after its start, or it is still going (a
 * lasting kind, or an alert's firing span: an alert with no kernel lines). A kernel event (Xid,
 * fallen off the bus) is a point.
 */
export function isSpan(event: Pick<FailureEvent, 'kind' | 'startMs' | 'endMs' | 'raw' | 'alertId'>): boolean {
  if (event.endMs !== null) return event.endMs > event.startMs;
  if (SPAN_KINDS.has(event.kind)) return true;
  return event.alertId !== null && event.raw.length === 0;
}

/**
 * nvidia-smi writes "00000000:9B:00.0", the kernel "PCI:0000:9b:00"; both become "0000:9b:00" so
 * an event keyed by either finds the GPU.
 */
export function normalisePciId(id: string): string | null {
  const match = /^(?:PCI:)?(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([0-9a-f]{2})(?:\.[0-7])?$/i.exec(id.trim());
  if (!match) return null;
  const domain = (match[1] ?? '0000').slice(-4);
  return `${domain}:${match[2]}:${match[3]}`.toLowerCase();
}

/** The snapshot GPU an event's gpu key names (by device key, UUID or PCI id), or null. */
export function gpuOfEvent(gpuKey: string, gpus: readonly LaneGpu[]): LaneGpu | null {
  const pci = normalisePciId(gpuKey);
  return gpus.find((g) => g.key === gpuKey || g.uuid === gpuKey || (pci !== null && g.pciBusId !== null && normalisePciId(g.pciBusId) === pci)) ?? null;
}

/** The lane an event belongs on: its GPU's, or the node's. */
export function laneIdOf(event: Pick<FailureEvent, 'gpu'>, gpus: readonly LaneGpu[]): string {
  if (event.gpu === null || event.gpu === '') return NODE_LANE;
  return gpuOfEvent(event.gpu, gpus)?.key ?? event.gpu;
}

/**
 * A lane name for a GPU the snapshot does not list: its PCI bus and device ("06:00") when the
 * kernel named it so, else the start of its UUID (the detail shows the whole key).
 */
export function shortGpuName(key: string): string {
  const pci = normalisePciId(key);
  if (pci !== null) return pci.slice(5);
  return key.length > 12 ? `${key.slice(0, 12)}…` : key;
}

/**
 * The node lane, then one lane per GPU in index order, then lanes for GPUs the events name but
 * the snapshot no longer lists (a GPU that fell off the bus). `onlyGpu` keeps that GPU's lane alone.
 */
export function buildLanes(gpus: readonly LaneGpu[], events: readonly Pick<FailureEvent, 'gpu'>[], onlyGpu: string | null = null): Lane[] {
  const lanes: Lane[] = [{ id: NODE_LANE, label: 'Node', gpu: null }];
  for (const gpu of [...gpus].sort((a, b) => a.index - b.index)) lanes.push({ id: gpu.key, label: `GPU ${gpu.index}`, gpu: gpu.key });
  const known = new Set(lanes.map((l) => l.id));
  for (const event of events) {
    const id = laneIdOf(event, gpus);
    if (known.has(id)) continue;
    known.add(id);
    lanes.push({ id, label: `GPU ${shortGpuName(id)}`, gpu: id });
  }
  return onlyGpu === null ? lanes : lanes.filter((l) => l.id === onlyGpu);
}

/** The part of an event the window shows, or null when it lies outside. A running span ends at the window's end. */
export function clipToWindow(
  event: Pick<FailureEvent, 'kind' | 'startMs' | 'endMs' | 'raw' | 'alertId'>,
  window: TimeSpan,
): { startMs: number; endMs: number } | null {
  if (!isSpan(event)) return event.startMs >= window.fromMs && event.startMs <= window.toMs ? { startMs: event.startMs, endMs: event.startMs } : null;
  const end = event.endMs ?? window.toMs;
  if (end < window.fromMs || event.startMs > window.toMs) return null;
  return { startMs: Math.max(event.startMs, window.fromMs), endMs: Math.min(end, window.toMs) };
}

/** Epoch ms to a pixel offset in a plot `widthPx` wide showing the window. */
export function pixelOf(timeMs: number, window: TimeSpan, widthPx: number): number {
  const span = window.toMs - window.fromMs;
  return span > 0 ? ((timeMs - window.fromMs) / span) * widthPx : 0;
}

export function worstSeverity(events: readonly Pick<FailureEvent, 'severity'>[]): AlertSeverity {
  let worst: AlertSeverity = 'info';
  for (const e of events) if (SEVERITY_RANK[e.severity] > SEVERITY_RANK[worst]) worst = e.severity;
  return worst;
}

export interface TimelineMark {
  shape: 'point' | 'span';
  laneId: string;
  /** The kind of the worst event in the mark. */
  kind: FailureKind;
  severity: AlertSeverity;
  /** Clipped to the window. */
  startMs: number;
  endMs: number;
  /** A span with no end yet. */
  ongoing: boolean;
  /** Left edge (a point's centre) and width in pixels; a span is at least MIN_SPAN_PX wide. */
  x: number;
  width: number;
  /** Oldest first. */
  events: FailureEvent[];
}

/** A span narrower than this is still visible and clickable. */
export const MIN_SPAN_PX = 3;
/** Points closer than this share one marker (a repeating Xid would otherwise be a smear). */
export const POINT_MERGE_PX = 8;

function worstEvent(events: readonly FailureEvent[]): FailureEvent {
  return events.reduce((worst, e) => (SEVERITY_RANK[e.severity] > SEVERITY_RANK[worst.severity] ? e : worst));
}

function finish(mark: Omit<TimelineMark, 'kind' | 'severity' | 'x' | 'width'>, window: TimeSpan, widthPx: number): TimelineMark {
  const worst = worstEvent(mark.events);
  const x = pixelOf(mark.startMs, window, widthPx);
  const width = mark.shape === 'point' ? 0 : Math.max(MIN_SPAN_PX, pixelOf(mark.endMs, window, widthPx) - x);
  return { ...mark, kind: worst.kind, severity: worstSeverity(mark.events), x, width };
}

/**
 * One lane's marks: spans of one kind that overlap merge into one bar; points within
 * POINT_MERGE_PX of the previous one join its marker.
 */
function laneMarks(laneId: string, events: readonly FailureEvent[], window: TimeSpan, widthPx: number): TimelineMark[] {
  const marks: TimelineMark[] = [];
  const spansByKind = new Map<FailureKind, Array<Omit<TimelineMark, 'kind' | 'severity' | 'x' | 'width'>>>();
  const points: Array<Omit<TimelineMark, 'kind' | 'severity' | 'x' | 'width'>> = [];
  const sorted = [...events].sort((a, b) => a.startMs - b.startMs);
  for (const event of sorted) {
    const clipped = clipToWindow(event, window);
    if (!clipped) continue;
    if (!isSpan(event)) {
      const last = points.at(-1);
      if (last && pixelOf(clipped.startMs, window, widthPx) - pixelOf(last.startMs, window, widthPx) < POINT_MERGE_PX) {
        last.events.push(event);
        last.endMs = clipped.startMs;
      } else points.push({ shape: 'point', laneId, startMs: clipped.startMs, endMs: clipped.startMs, ongoing: false, events: [event] });
      continue;
    }
    const ongoing = event.endMs === null;
    const spans = spansByKind.get(event.kind) ?? [];
    spansByKind.set(event.kind, spans);
    const last = spans.at(-1);
    if (last && clipped.startMs <= last.endMs) {
      last.endMs = Math.max(last.endMs, clipped.endMs);
      last.ongoing ||= ongoing;
      last.events.push(event);
    } else spans.push({ shape: 'span', laneId, startMs: clipped.startMs, endMs: clipped.endMs, ongoing, events: [event] });
  }
  for (const spans of spansByKind.values()) for (const span of spans) marks.push(finish(span, window, widthPx));
  for (const point of points) marks.push(finish(point, window, widthPx));
  // Spans first so points draw above them; each group in time order.
  return marks.sort((a, b) => (a.shape === b.shape ? a.startMs - b.startMs : a.shape === 'span' ? -1 : 1));
}

export interface TimelineLayout {
  lanes: Array<{ lane: Lane; marks: TimelineMark[] }>;
  /** Events the window shows, across the lanes drawn. */
  shown: number;
}

/** Everything the component draws for a plot `widthPx` wide. */
export function layoutTimeline(
  events: readonly FailureEvent[],
  gpus: readonly LaneGpu[],
  window: TimeSpan,
  widthPx: number,
  onlyGpu: string | null = null,
): TimelineLayout {
  const lanes = buildLanes(gpus, events, onlyGpu);
  const byLane = new Map<string, FailureEvent[]>();
  for (const event of events) {
    const id = laneIdOf(event, gpus);
    const list = byLane.get(id) ?? [];
    list.push(event);
    byLane.set(id, list);
  }
  let shown = 0;
  const laid = lanes.map((lane) => {
    const marks = laneMarks(lane.id, byLane.get(lane.id) ?? [], window, widthPx);
    shown += marks.reduce((n, m) => n + m.events.length, 0);
    return { lane, marks };
  });
  return { lanes: laid, shown };
}

const KIND_LABELS: Readonly<Record<FailureKind, string>> = {
  xid: 'Xid',
  'fallen-off-bus': 'Fallen off the bus',
  ecc: 'ECC errors',
  'retired-pages': 'Retired pages',
  'row-remap': 'Row remapping',
  driver: 'Driver / NVML',
  throttle: 'Throttling',
  unreachable: 'Unreachable',
  'auth-failed': 'Authentication failing',
  'host-key-changed': 'Host key changed',
  'gpu-lost': 'GPU missing',
  host: 'Host',
};

export function kindLabel(kind: FailureKind): string {
  return KIND_LABELS[kind];
}

/** A mark's one-line summary (its tooltip and accessible name). */
export function describeMark(mark: TimelineMark, formatTime: (ms: number) => string): string {
  const first = mark.events[0]!;
  const when = mark.shape === 'span' ? `${formatTime(mark.startMs)}–${mark.ongoing ? 'now' : formatTime(mark.endMs)}` : formatTime(mark.startMs);
  const more = mark.events.length > 1 ? ` (+${mark.events.length - 1} more)` : '';
  return `${first.title}${more} · ${mark.severity} · ${when}`;
}

/** A stable id for a mark, for React keys and test hooks. */
export function markId(mark: TimelineMark): string {
  return `${mark.laneId}|${mark.shape}|${mark.kind}|${mark.events[0]!.startMs}`;
}
