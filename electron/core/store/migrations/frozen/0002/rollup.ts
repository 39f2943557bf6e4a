/*
 * FROZEN COPY for migration 0002: electron/core/store/tsdb/rollup.ts as of commit 9afe871.
 * Never change this file. A migration must do forever what it did when it shipped, whatever the
 * live engine's code becomes; test/unit/store/migrations/frozen-0002.test.ts shows when the live
 * code has drifted from it (the engine must still read what this wrote).
 */
/**
 * Rollup points: min, max, sum, count and last of a series over fixed buckets (1 minute, 1 hour).
 * Sums are snapped to the decimals of the values they add up, so float error never leaks into
 * stored data (0.1 + 0.2 is stored as 0.3).
 */
import { decimalsOf } from './codec';

export class RollupPoints {
  t: number[] = [];
  min: number[] = [];
  max: number[] = [];
  sum: number[] = [];
  count: number[] = [];
  last: number[] = [];

  get length(): number {
    return this.t.length;
  }

  /** Adds a point, merging it into the last one when it has the same bucket time. */
  add(t: number, min: number, max: number, sum: number, count: number, last: number): void {
    const i = this.t.length - 1;
    if (i >= 0 && this.t[i] === t) {
      this.min[i] = Math.min(this.min[i]!, min);
      this.max[i] = Math.max(this.max[i]!, max);
      this.sum[i] = this.sum[i]! + sum;
      this.count[i] = this.count[i]! + count;
      this.last[i] = last;
      return;
    }
    this.t.push(t);
    this.min.push(min);
    this.max.push(max);
    this.sum.push(sum);
    this.count.push(count);
    this.last.push(last);
  }

  columns(): Float64Array[] {
    return [Float64Array.from(this.min), Float64Array.from(this.max), Float64Array.from(this.sum), Float64Array.from(this.count), Float64Array.from(this.last)];
  }

  times(): Float64Array {
    return Float64Array.from(this.t);
  }

  /** Snaps every sum to `decimals` (the decimals of the values summed). */
  snapSums(decimals: number): void {
    if (decimals < 0) return;
    const scale = 10 ** decimals;
    for (let i = 0; i < this.sum.length; i += 1) this.sum[i] = Math.round(this.sum[i]! * scale) / scale;
  }
}

/** Rolls `count` raw points up into buckets of `bucketMs` (bucket time = its start). */
export function rollUp(t: Float64Array, v: Float64Array, count: number, bucketMs: number): RollupPoints {
  const out = new RollupPoints();
  let i = 0;
  while (i < count) {
    const bucket = Math.floor(t[i]! / bucketMs) * bucketMs;
    let min = v[i]!;
    let max = min;
    let sum = 0;
    let n = 0;
    let last = min;
    while (i < count && t[i]! < bucket + bucketMs) {
      const x = v[i]!;
      if (x < min) min = x;
      if (x > max) max = x;
      sum += x;
      n += 1;
      last = x;
      i += 1;
    }
    out.add(bucket, min, max, sum, n, last);
  }
  out.snapSums(decimalsOf(v, count));
  return out;
}

/** Rolls rollup points up into coarser buckets (1 minute -> 1 hour). */
export function rollUpPoints(points: RollupPoints, bucketMs: number, decimals: number): RollupPoints {
  const out = new RollupPoints();
  for (let i = 0; i < points.length; i += 1) {
    out.add(Math.floor(points.t[i]! / bucketMs) * bucketMs, points.min[i]!, points.max[i]!, points.sum[i]!, points.count[i]!, points.last[i]!);
  }
  out.snapSums(decimals);
  return out;
}
