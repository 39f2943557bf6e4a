/** The time windows the overview offers; ids double as the charts' data-range test hook. */
export type RangeId = '5m' | '1h' | '6h' | '24h' | '7d' | '30d';

/** Where x-axis ticks go and how they are labelled. */
export type AxisTicks =
  /** Round local clock times every `stepMs` ("09:00", "Sun 00:00" at midnight). */
  | { unit: 'clock'; stepMs: number }
  /** Local midnights every `everyDays` days (weekly ones on Mondays), as "Mon 12" or "12 Mar". */
  | { unit: 'day'; everyDays: number; label: 'weekday' | 'date' };

export interface RangeDefinition {
  id: RangeId;
  label: string;
  spanMs: number;
  /**
   * Width of one history point asked for: maxPoints is spanMs / pointMs, so the store's buckets
   * come out round (30 s, 2 min, 15 min, 1 h) instead of 17.3 min.
   */
  pointMs: number;
  /** Points per series asked for; about one per pixel of a wide chart. */
  maxPoints: number;
  ticks: AxisTicks;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function range(id: RangeId, label: string, spanMs: number, pointMs: number, ticks: AxisTicks): RangeDefinition {
  return { id, label, spanMs, pointMs, maxPoints: Math.round(spanMs / pointMs), ticks };
}

export const RANGES: readonly RangeDefinition[] = [
  range('5m', '5 min', 5 * MINUTE, 500, { unit: 'clock', stepMs: MINUTE }),
  range('1h', '1 h', HOUR, 5000, { unit: 'clock', stepMs: 10 * MINUTE }),
  range('6h', '6 h', 6 * HOUR, 30_000, { unit: 'clock', stepMs: HOUR }),
  range('24h', '24 h', DAY, 2 * MINUTE, { unit: 'clock', stepMs: 3 * HOUR }),
  range('7d', '7 d', 7 * DAY, 15 * MINUTE, { unit: 'day', everyDays: 1, label: 'weekday' }),
  range('30d', '30 d', 30 * DAY, HOUR, { unit: 'day', everyDays: 7, label: 'date' }),
];

export function rangeById(id: RangeId): RangeDefinition {
  return RANGES.find((r) => r.id === id) ?? RANGES[0]!;
}

/**
 * The window every chart of the node page shows, fixed when the range or node is chosen so all
 * charts ask for the same history (and identical queries can be shared).
 *
 * A preset's window (no `custom`) follows live ticks: its end moves forward and its span is the
 * preset's. A custom window (drag-zoom, pan, a from/to picked in the range selector) is absolute:
 * it shows exactly fromMs..toMs, appends no live ticks, and `range` names the preset it came from
 * ("back to live" returns to it).
 */
export interface ChartWindow {
  range: RangeId;
  fromMs: number;
  toMs: number;
  /** Present (true) on an absolute window that does not follow live ticks. */
  custom?: true;
}

export function windowFor(range: RangeId, nowMs: number): ChartWindow {
  return { range, fromMs: nowMs - rangeById(range).spanMs, toMs: nowMs };
}

/** Whether live ticks extend this window (presets) or it stays where it is (custom windows). */
export function followsLive(window: ChartWindow): boolean {
  return window.custom !== true;
}

/** The shortest custom window: the axis labels minutes, so shorter shows no tick. */
export const MIN_CUSTOM_SPAN_MS = 2 * MINUTE;
/** The longest custom window, a little over the longest preset. */
export const MAX_CUSTOM_SPAN_MS = 92 * DAY;

/** An absolute window; `basis` is the preset "back to live" returns to. Whole milliseconds. */
export function customWindow(fromMs: number, toMs: number, basis: RangeId): ChartWindow {
  return { range: basis, fromMs: Math.round(fromMs), toMs: Math.round(toMs), custom: true };
}

/** Stable text of a window, for React keys and query sharing. */
export function windowKey(window: ChartWindow): string {
  return `${window.custom ? 'custom' : window.range}|${window.fromMs}|${window.toMs}`;
}

/** The data-range test hook and label id: the preset, or 'custom'. */
export function windowRangeId(window: ChartWindow): RangeId | 'custom' {
  return window.custom ? 'custom' : window.range;
}

/** Point widths a custom window may ask for, so buckets stay round. */
const POINT_LADDER = [
  500,
  1000,
  2000,
  5000,
  10_000,
  15_000,
  30_000,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  6 * HOUR,
  DAY,
];
/** About one point per pixel of a wide chart, as the presets ask. */
const CUSTOM_MAX_POINTS = 720;
const CLOCK_STEPS = [MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR];
const MAX_TICKS = 8;

function customTicks(spanMs: number): AxisTicks {
  const step = CLOCK_STEPS.find((s) => spanMs / s <= MAX_TICKS);
  if (step !== undefined) return { unit: 'clock', stepMs: step };
  if (spanMs / DAY <= 10) return { unit: 'day', everyDays: 1, label: 'weekday' };
  return { unit: 'day', everyDays: 7, label: 'date' };
}

/**
 * What a window asks for and how its axis is labelled: the preset's definition, or for a custom
 * window one derived from its span (round point width, ticks that fit).
 */
export function windowDefinition(window: ChartWindow): RangeDefinition {
  if (!window.custom) return rangeById(window.range);
  const spanMs = Math.max(1, window.toMs - window.fromMs);
  const pointMs = POINT_LADDER.find((p) => spanMs / p <= CUSTOM_MAX_POINTS) ?? DAY;
  return {
    id: window.range,
    label: 'custom',
    spanMs,
    pointMs,
    maxPoints: Math.min(10_000, Math.max(2, Math.ceil(spanMs / pointMs))),
    ticks: customTicks(spanMs),
  };
}

/**
 * The window a drag from `aMs` to `bMs` zooms to: inside the current window, at least
 * MIN_CUSTOM_SPAN_MS wide (widened around its middle, kept inside when it can be).
 */
export function zoomWindow(current: ChartWindow, aMs: number, bMs: number): ChartWindow {
  let fromMs = Math.max(current.fromMs, Math.min(aMs, bMs));
  let toMs = Math.min(current.toMs, Math.max(aMs, bMs));
  if (toMs - fromMs < MIN_CUSTOM_SPAN_MS) {
    const middle = (fromMs + toMs) / 2;
    fromMs = middle - MIN_CUSTOM_SPAN_MS / 2;
    toMs = middle + MIN_CUSTOM_SPAN_MS / 2;
    if (toMs > current.toMs) [fromMs, toMs] = [current.toMs - MIN_CUSTOM_SPAN_MS, current.toMs];
    if (fromMs < current.fromMs) [fromMs, toMs] = [current.fromMs, current.fromMs + MIN_CUSTOM_SPAN_MS];
  }
  return customWindow(fromMs, toMs, current.range);
}

/**
 * Half a window back (-1) or forward (+1). Forward stops at now; a window that reaches now with
 * its preset's span is that preset's live window again.
 */
export function panWindow(current: ChartWindow, direction: -1 | 1, nowMs: number): ChartWindow {
  const spanMs = current.toMs - current.fromMs;
  let toMs = current.toMs + (direction * spanMs) / 2;
  if (toMs >= nowMs) {
    if (spanMs === rangeById(current.range).spanMs) return windowFor(current.range, nowMs);
    toMs = nowMs;
  }
  return customWindow(toMs - spanMs, toMs, current.range);
}

/** Whether a forward pan would show anything newer. */
export function canPanForward(current: ChartWindow, nowMs: number): boolean {
  return current.custom === true && current.toMs < nowMs;
}

/** Leaves a custom window for its preset's live window. */
export function backToLive(current: ChartWindow, nowMs: number): ChartWindow {
  return windowFor(current.range, nowMs);
}

export type CustomRangeResult = { ok: true; window: ChartWindow } | { ok: false; field: 'from' | 'to'; message: string };

/** A datetime-local input's value ("2026-12-02T07:30", seconds optional) as local epoch ms. */
export function parseLocalDateTime(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const date = new Date(year, month - 1, day, hour, minute, second);
  // new Date rolls 31 Feb over to March: refuse what did not stay as written.
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day || date.getHours() !== hour) return null;
  return date.getTime();
}

/** A datetime-local value for a local time, to prefill the picker. */
export function toLocalDateTimeInput(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Validates a from/to picked in the range selector; errors name the field they belong to. */
export function parseCustomRange(fromText: string, toText: string, nowMs: number, basis: RangeId): CustomRangeResult {
  const fromMs = parseLocalDateTime(fromText);
  if (fromMs === null) return { ok: false, field: 'from', message: 'Enter a start date and time.' };
  const toMs = parseLocalDateTime(toText);
  if (toMs === null) return { ok: false, field: 'to', message: 'Enter an end date and time.' };
  if (fromMs >= nowMs) return { ok: false, field: 'from', message: 'The start must be in the past.' };
  if (toMs <= fromMs) return { ok: false, field: 'to', message: 'The end must be after the start.' };
  if (toMs - fromMs < MIN_CUSTOM_SPAN_MS) return { ok: false, field: 'to', message: 'Choose at least 2 minutes.' };
  if (toMs - fromMs > MAX_CUSTOM_SPAN_MS) return { ok: false, field: 'from', message: 'Choose at most 92 days.' };
  // An end in the future shows up to now.
  const endMs = Math.min(toMs, nowMs);
  if (endMs - fromMs < MIN_CUSTOM_SPAN_MS) return { ok: false, field: 'from', message: 'Start at least 2 minutes ago.' };
  return { ok: true, window: customWindow(fromMs, endMs, basis) };
}
