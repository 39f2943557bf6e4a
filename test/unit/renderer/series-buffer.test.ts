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
});
