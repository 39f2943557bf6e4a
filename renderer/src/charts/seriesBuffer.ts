/**
 * The points of one line (one metric on one device) plus its min/max envelope, kept in the
 * {x, y} arrays Chart.js draws from directly (parsing off), and mutated in place so the chart
 * never needs its datasets rebuilt for a new tick.
 *
 * History comes raw (one point per collection) or bucketed (avg per bucket plus min/max). Live
 * values keep the same shape: raw values are appended; bucketed ones are folded into the bucket
 * they fall in, exactly as the store's `(t / bucket) * bucket` grouping would, so a 24 h chart
 * does not grow a dense tail of raw points.
 */
import type { SeriesPoints } from '../../../shared/contract';

export interface Point {
  x: number;
  y: number;
}

export interface SeriesResolution {
  /** Width of one point: the collection interval for raw data, else the bucket width. */
  stepMs: number;
  /** True when points are bucket averages carrying a min/max envelope. */
  bucketed: boolean;
  /** The engine's collection interval, to estimate how many samples a partial bucket holds. */
  intervalMs: number;
}

/** Running sums of the newest bucket, so live values update its average. */
interface OpenBucket {
  start: number;
  sum: number;
  count: number;
}

export class SeriesBuffer {
  readonly line: Point[] = [];
  /** Envelope bounds; stay empty for raw data. */
  readonly low: Point[] = [];
  readonly high: Point[] = [];
  private open: OpenBucket | null = null;
  /** Live values at or before this time are already part of the loaded history. */
  private coveredUntil = -Infinity;

  constructor(
    readonly device: string,
    private resolution: SeriesResolution,
  ) {}

  get bucketed(): boolean {
    return this.resolution.bucketed;
  }

  /** Replaces everything with a query result's series, fetched up to `toMs`. */
  loadHistory(series: SeriesPoints, resolution: SeriesResolution, toMs: number): void {
    this.resolution = resolution;
    this.line.length = 0;
    this.low.length = 0;
    this.high.length = 0;
    this.open = null;
    const { t, v, min, max } = series;
    for (let i = 0; i < t.length; i++) {
      this.line.push({ x: t[i]!, y: v[i]! });
      if (resolution.bucketed) {
        // A series without an envelope (raw points among bucketed ones) gets a flat one, so the
        // bounds stay aligned with the line for live values folded in later.
        this.low.push({ x: t[i]!, y: min?.[i] ?? v[i]! });
        this.high.push({ x: t[i]!, y: max?.[i] ?? v[i]! });
      }
    }
    const last = this.line[this.line.length - 1];
    if (resolution.bucketed) {
      // The store cannot say when a bucket's last sample was taken, so trust the query's end.
      this.coveredUntil = toMs;
      if (last) {
        const samplesSoFar = Math.floor((Math.min(toMs, last.x + resolution.stepMs - 1) - last.x) / resolution.intervalMs) + 1;
        const count = Math.max(1, samplesSoFar);
        this.open = { start: last.x, sum: last.y * count, count };
      }
    } else {
      this.coveredUntil = last ? last.x : -Infinity;
    }
  }

  /** Adds one live value; returns false when it was already drawn (or is older than what is). */
  append(t: number, value: number): boolean {
    if (t <= this.coveredUntil) return false;
    const last = this.line[this.line.length - 1];
    if (!this.resolution.bucketed) {
      if (last && t <= last.x) return false;
      this.line.push({ x: t, y: value });
      return true;
    }
    const start = Math.floor(t / this.resolution.stepMs) * this.resolution.stepMs;
    const open = this.open;
    if (open && last && open.start === start && last.x === start) {
      open.sum += value;
      open.count += 1;
      last.y = open.sum / open.count;
      const low = this.low[this.low.length - 1];
      const high = this.high[this.high.length - 1];
      if (low) low.y = Math.min(low.y, value);
      if (high) high.y = Math.max(high.y, value);
      return true;
    }
    if (last && start <= last.x) return false;
    this.line.push({ x: start, y: value });
    this.low.push({ x: start, y: value });
    this.high.push({ x: start, y: value });
    this.open = { start, sum: value, count: 1 };
    return true;
  }

  /**
   * Drops points left of the window, keeping the last one before it so the line still reaches
   * the left edge instead of starting a step in.
   */
  trimBefore(fromMs: number): void {
    for (const points of [this.line, this.low, this.high]) {
      let drop = 0;
      while (drop + 1 < points.length && points[drop + 1]!.x <= fromMs) drop++;
      if (drop > 0) points.splice(0, drop);
    }
  }
}
