import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CorruptChunkError } from '../../../../electron/core/store/tsdb/bytes';
import { decimalsOf, decodeChunk, encodeChunk } from '../../../../electron/core/store/tsdb/codec';

const T0 = 1_735_689_600_000;

function grid(n: number, step = 5000, start = T0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => start + i * step);
}

/** A deterministic pseudo-random stream (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function roundTrip(t: Float64Array, columns: Float64Array[]): { bytes: number } {
  const blob = encodeChunk(t, columns, t.length, t[0] ?? T0);
  const decoded = decodeChunk(blob, t[0] ?? T0);
  expect(Array.from(decoded.t)).toEqual(Array.from(t));
  expect(decoded.columns.map((c) => Array.from(c))).toEqual(columns.map((c) => Array.from(c)));
  return { bytes: blob.length };
}

describe('chunk codec', () => {
  it('finds the fewest decimals that give every value back exactly', () => {
    expect(decimalsOf(Float64Array.from([45, 46, 100]))).toBe(0);
    expect(decimalsOf(Float64Array.from([93.7, 0.2, 12]))).toBe(1);
    expect(decimalsOf(Float64Array.from([300.25, 67.03]))).toBe(2);
    expect(decimalsOf(Float64Array.from([Math.PI]))).toBe(-1);
    expect(decimalsOf(Float64Array.from([2 ** 60]))).toBe(-1);
  });

  it('round-trips integer gauges, decimals, byte counters and negative values exactly', () => {
    const rnd = lcg(1);
    const n = 720;
    const t = grid(n);
    const util = Float64Array.from({ length: n }, () => Math.round(90 + rnd() * 10));
    const power = Float64Array.from({ length: n }, () => Math.round((60 + rnd() * 600) * 100) / 100);
    let counter = 4.2e13;
    const bytes = Float64Array.from({ length: n }, () => (counter += Math.floor(rnd() * 1e9)));
    const memory = Float64Array.from({ length: n }, () => Math.floor(8e9 + rnd() * 1e8) * 1024);
    const negative = Float64Array.from({ length: n }, () => Math.round((rnd() - 0.5) * 2000) / 10);
    for (const column of [util, power, bytes, memory, negative]) roundTrip(t, [column]);
  });

  it('keeps huge byte counters (past a petabyte) as integers when one chunk spans a small range', () => {
    const t = grid(720);
    const counter = Float64Array.from({ length: 720 }, (_, i) => 2 ** 52 + 123_456_789 * i);
    const { bytes } = roundTrip(t, [counter]);
    // A float fallback would cost about 8 bytes a value; deltas of a steady counter cost nearly nothing.
    expect(bytes).toBeLessThan(200);
  });

  it('round-trips values that are not short decimals through the float fallback', () => {
    const rnd = lcg(2);
    const t = grid(100);
    roundTrip(t, [Float64Array.from({ length: 100 }, () => rnd() * 1e6)]);
    roundTrip(t, [Float64Array.from({ length: 100 }, (_, i) => (i % 2 ? 2 ** 60 : -1e-9))]);
  });

  it('round-trips gaps and irregular timestamps', () => {
    const gap = Float64Array.from([...grid(10), ...grid(10, 5000, T0 + 3_600_000)]);
    roundTrip(gap, [Float64Array.from({ length: 20 }, (_, i) => i)]);
    const rnd = lcg(3);
    const jittered = Float64Array.from({ length: 300 }, (_, i) => T0 + i * 5000 + Math.floor(rnd() * 40) - 20);
    roundTrip(jittered, [Float64Array.from({ length: 300 }, () => 1)]);
    roundTrip(Float64Array.from([T0]), [Float64Array.from([42])]);
    roundTrip(new Float64Array(0), [new Float64Array(0)]);
  });

  it('round-trips several columns (a rollup chunk) in one blob', () => {
    const t = grid(60, 60_000);
    const cols = [0, 1, 2, 3, 4].map((k) => Float64Array.from({ length: 60 }, (_, i) => i * k + 0.5));
    roundTrip(t, cols);
  });

  it('stores flat stretches and the time grid in almost nothing', () => {
    const { bytes } = roundTrip(grid(720), [new Float64Array(720).fill(345)]);
    expect(bytes).toBeLessThan(24);
  });

  it('refuses damaged blobs with a clear error, never hanging or allocating wildly', () => {
    const t = grid(720);
    const blob = encodeChunk(t, [Float64Array.from({ length: 720 }, (_, i) => i % 7)], 720, T0);
    const cases = [
      blob.subarray(0, 3),
      blob.subarray(0, blob.length - 5),
      Buffer.concat([Buffer.from([9]), blob.subarray(1)]),
      Buffer.from([1, 0xff, 0xff, 0xff, 0xff, 0x7f]),
      Buffer.alloc(0),
    ];
    const rnd = lcg(4);
    for (let i = 0; i < 200; i += 1) {
      const copy = Buffer.from(blob);
      const at = Math.floor(rnd() * copy.length);
      copy[at] = copy[at]! ^ (1 + Math.floor(rnd() * 255));
      cases.push(copy);
    }
    for (let i = 0; i < 50; i += 1) cases.push(Buffer.concat([Buffer.from([1]), randomBytes(64)]));
    for (const damaged of cases) {
      try {
        const decoded = decodeChunk(damaged, T0);
        // A flipped bit inside compressed data may still decode; then it decodes to the right shape.
        expect(decoded.t.length).toBe(decoded.columns[0]?.length ?? decoded.t.length);
      } catch (error) {
        expect(error).toBeInstanceOf(CorruptChunkError);
      }
    }
  });
});
