import { describe, expect, it } from 'vitest';
import { SeriesBuffer } from '../../../renderer/src/charts/seriesBuffer';

const raw = { stepMs: 5000, bucketed: false, intervalMs: 5000 };
const bucketed = { stepMs: 60_000, bucketed: true, intervalMs: 5000 };

describe('SeriesBuffer (a chart line fed by history, then by live snapshots)', () => {
  it('appends raw live values after the history, once each, in order', () => {
    const buffer = new SeriesBuffer('', raw);
    buffer.loadHistory({ device: '', t: [0, 5000, 10_000], v: [1, 2, 3], min: null, max: null }, raw, 10_000);
    expect(buffer.append(10_000, 99)).toBe(false);
    expect(buffer.append(15_000, 4)).toBe(true);
    expect(buffer.append(15_000, 5)).toBe(false);
    expect(buffer.line).toEqual([
      { x: 0, y: 1 },
      { x: 5000, y: 2 },
      { x: 10_000, y: 3 },
      { x: 15_000, y: 4 },
    ]);
    expect(buffer.low).toEqual([]);
  });

  it('folds live values into the open bucket like the store groups them, widening the envelope', () => {
    const buffer = new SeriesBuffer('', bucketed);
    // Bucket 60 000 holds two samples so far (60 000 and 65 000) averaging 10.
    buffer.loadHistory({ device: '', t: [0, 60_000], v: [5, 10], min: [1, 8], max: [9, 12] }, bucketed, 65_000);
    expect(buffer.append(70_000, 40)).toBe(true);
    expect(buffer.line.at(-1)).toEqual({ x: 60_000, y: 20 });
    expect(buffer.low.at(-1)).toEqual({ x: 60_000, y: 8 });
    expect(buffer.high.at(-1)).toEqual({ x: 60_000, y: 40 });
    expect(buffer.append(120_000, 7)).toBe(true);
    expect(buffer.line.at(-1)).toEqual({ x: 120_000, y: 7 });
    expect(buffer.line).toHaveLength(3);
  });

  it('ignores live values the history already covers', () => {
    const buffer = new SeriesBuffer('', bucketed);
    buffer.loadHistory({ device: '', t: [0], v: [5], min: [5], max: [5] }, bucketed, 30_000);
    expect(buffer.append(25_000, 100)).toBe(false);
    expect(buffer.line).toEqual([{ x: 0, y: 5 }]);
  });

  it('trims points left of the window but keeps one so the line reaches the edge', () => {
    const buffer = new SeriesBuffer('', raw);
    buffer.loadHistory({ device: '', t: [0, 5000, 10_000, 15_000], v: [1, 2, 3, 4], min: null, max: null }, raw, 15_000);
    buffer.trimBefore(12_000);
    expect(buffer.line.map((p) => p.x)).toEqual([10_000, 15_000]);
  });

  it('folds live values into 1-minute rollup buckets and opens the next minute on time', () => {
    const minute = { stepMs: 60_000, bucketed: true, intervalMs: 5000 };
    const t0 = 1_700_000_040_000; // a minute boundary
    const buffer = new SeriesBuffer('GPU-a', minute);
    // The store's 1-minute tier: the open minute t0 has samples at t0 and t0 + 5 s so far.
    buffer.loadHistory({ device: 'GPU-a', t: [t0 - 60_000, t0], v: [10, 20], min: [5, 18], max: [15, 22] }, minute, t0 + 5000);
    expect(buffer.append(t0 + 10_000, 50)).toBe(true);
    expect(buffer.line.at(-1)).toEqual({ x: t0, y: 30 });
    expect(buffer.high.at(-1)).toEqual({ x: t0, y: 50 });
    expect(buffer.append(t0 + 60_000, 1)).toBe(true);
    expect(buffer.line.map((p) => p.x)).toEqual([t0 - 60_000, t0, t0 + 60_000]);
    expect(buffer.low).toHaveLength(3);
    expect(buffer.high).toHaveLength(3);
  });

  it('folds live values into 1-hour rollups bucketed wider (2 h), aligned like the store', () => {
    const twoHours = { stepMs: 7_200_000, bucketed: true, intervalMs: 5000 };
    const start = 1_699_999_200_000; // a multiple of 2 h
    const buffer = new SeriesBuffer('', twoHours);
    // The query ended 1 h into the bucket: 721 samples at 5 s (both ends included), averaging 40.
    buffer.loadHistory({ device: '', t: [start - 7_200_000, start], v: [30, 40], min: [20, 35], max: [50, 45] }, twoHours, start + 3_600_000);
    expect(buffer.append(start + 3_600_000, 99)).toBe(false); // covered by the query
    expect(buffer.append(start + 3_605_000, 40 + 722)).toBe(true);
    expect(buffer.line.at(-1)!.x).toBe(start);
    expect(buffer.line.at(-1)!.y).toBeCloseTo(41, 5);
    expect(buffer.high.at(-1)).toEqual({ x: start, y: 762 });
    // The next live value past the bucket starts a new 2-hour point.
    expect(buffer.append(start + 7_200_000, 7)).toBe(true);
    expect(buffer.line.at(-1)).toEqual({ x: start + 7_200_000, y: 7 });
  });

  it('keeps envelope bounds aligned when a bucketed series came without one', () => {
    const buffer = new SeriesBuffer('', bucketed);
    buffer.loadHistory({ device: '', t: [0, 60_000], v: [5, 10], min: null, max: null }, bucketed, 65_000);
    expect(buffer.low).toEqual([
      { x: 0, y: 5 },
      { x: 60_000, y: 10 },
    ]);
    buffer.append(120_000, 3);
    expect(buffer.low).toHaveLength(buffer.line.length);
  });
});
