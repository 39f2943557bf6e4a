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
 * The window every chart shows, fixed when the range or node is chosen so all charts ask for
 * the same history (and identical queries can be shared). Live ticks move the end forward.
 */
export interface ChartWindow {
  range: RangeId;
  fromMs: number;
  toMs: number;
}

export function windowFor(range: RangeId, nowMs: number): ChartWindow {
  return { range, fromMs: nowMs - rangeById(range).spanMs, toMs: nowMs };
}
