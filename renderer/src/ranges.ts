/** The time windows the overview offers; ids double as the charts' data-range test hook. */
export type RangeId = '5m' | '1h' | '24h';

export interface RangeDefinition {
  id: RangeId;
  label: string;
  spanMs: number;
  /** Spacing of x-axis ticks, chosen so labels land on round clock times. */
  tickStepMs: number;
}

export const RANGES: readonly RangeDefinition[] = [
  { id: '5m', label: '5 min', spanMs: 5 * 60_000, tickStepMs: 60_000 },
  { id: '1h', label: '1 h', spanMs: 3_600_000, tickStepMs: 10 * 60_000 },
  { id: '24h', label: '24 h', spanMs: 86_400_000, tickStepMs: 3 * 3_600_000 },
];

export function rangeById(id: RangeId): RangeDefinition {
  return RANGES.find((r) => r.id === id) ?? RANGES[0]!;
}

/** History points asked for per series; about one per two pixels of a wide chart. */
export const MAX_POINTS = 600;

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
