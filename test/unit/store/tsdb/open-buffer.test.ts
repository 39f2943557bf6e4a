import { describe, expect, it } from 'vitest';
import { OpenBuffer } from '../../../../electron/core/store/tsdb/open-buffer';

const T0 = 1_735_689_600_000;

function filled(values: readonly number[], times = values.map((_, i) => T0 + i * 5000)): OpenBuffer {
  const buffer = new OpenBuffer();
  values.forEach((v, i) => buffer.push(times[i]!, v));
  return buffer;
}

/** Same float64 bits (so -0 and 0, and NaN, are told apart as the store would keep them). */
function bits(values: ArrayLike<number>): string[] {
  return Array.from(values, (v) => Buffer.from(new Float64Array([v]).buffer).toString('hex'));
}

describe('OpenBuffer', () => {
  it('gives back exactly the times and values pushed, whatever their form', () => {
    const cases: number[][] = [
      [45, 46, 0, 100, 99, 12],
      [45.3, 46.1, 0.7, 99.95, 12.25],
      [300.25, 287.5, 301.125],
      [4_416_200_704, 4_416_204_800, 4_300_000_000, 8_589_934_592],
      [12_345.666666666666, 0.1 + 0.2, Math.PI, 1e-9],
      [-3, -2.5, 7, -1e6],
      [1e300, 5, 1.7976931348623157e308],
      [5, 5.5, 5.25, 5.125, 5.0625, 5.03125, 5.015625],
    ];
    for (const values of cases) {
      const buffer = filled(values);
      const { t, v } = buffer.view();
      expect(buffer.length).toBe(values.length);
      expect(Array.from(t)).toEqual(values.map((_, i) => T0 + i * 5000));
      expect(bits(v)).toEqual(bits(values));
    }
  });

  it('keeps times off the grid and times that are not whole milliseconds', () => {
    const times = [T0, T0 + 5000, T0 + 10_013, T0 + 60_000, T0 + 60_000.5, T0 + 61_000];
    const values = [1, 2, 3, 4, 5, 6];
    const { t, v } = filled(values, times).view();
    expect(Array.from(t)).toEqual(times);
    expect(Array.from(v)).toEqual(values);
  });

  it('moves to more decimals, then to float64, without changing what it held', () => {
    const buffer = new OpenBuffer();
    const pushed: number[] = [];
    for (const [i, v] of [7, 7.5, 7.25, 7.001, 1 / 3, 8].entries()) {
      buffer.push(T0 + i * 5000, v);
      pushed.push(v);
      expect(bits(buffer.view().v)).toEqual(bits(pushed));
    }
  });

  it('counts the samples before a boundary, and drops them', () => {
    const values = Array.from({ length: 30 }, (_, i) => (i * 7) % 101);
    const buffer = filled(values);
    expect(buffer.countBefore(T0)).toBe(0);
    expect(buffer.countBefore(T0 + 1)).toBe(1);
    expect(buffer.countBefore(T0 + 12 * 5000)).toBe(12);
    expect(buffer.countBefore(T0 + 1e9)).toBe(30);
    buffer.view(); // a decoded view answers the same
    expect(buffer.countBefore(T0 + 12 * 5000)).toBe(12);
    buffer.dropFirst(12);
    expect(buffer.length).toBe(18);
    expect(buffer.firstT).toBe(T0 + 12 * 5000);
    expect(Array.from(buffer.view().v)).toEqual(values.slice(12));
    buffer.push(T0 + 30 * 5000, 55.5);
    expect(Array.from(buffer.view().v)).toEqual([...values.slice(12), 55.5]);
    buffer.dropFirst(100);
    expect(buffer.length).toBe(0);
    expect(buffer.firstT).toBeNaN();
    expect(buffer.view().t).toHaveLength(0);
  });

  it('a view is renewed by the next push', () => {
    const buffer = filled([1, 2]);
    const before = buffer.view();
    buffer.push(T0 + 10_000, 3);
    expect(before.v).toHaveLength(2);
    expect(Array.from(buffer.view().v)).toEqual([1, 2, 3]);
  });

  it('holds an hour of a percentage on the grid in about 2 bytes a sample, not 16', () => {
    const values = Array.from({ length: 720 }, (_, i) => Math.round((50 + 40 * Math.sin(i / 7)) * 10) / 10);
    const buffer = filled(values);
    expect(bits(buffer.view().v)).toEqual(bits(values));
    expect(buffer.encodedBytes).toBeLessThan(720 * 3);
    // A value with no short decimal form costs its 8 bytes, and a time byte (the first two times more).
    const rates = filled(values.map((v) => v / 3));
    expect(rates.encodedBytes).toBeLessThanOrEqual(720 * 9 + 16);
  });
});
