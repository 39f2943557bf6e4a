// Migration 0002 runs on frozen copies of the codec, chunk keys and rollups
// (electron/core/store/migrations/frozen/0002/). These tests compare them with the live engine's:
// what the migration wrote must stay readable and findable forever, and any drift of the live
// code from the frozen copy shows up here instead of silently changing an old migration.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as frozenKeys from '../../../../electron/core/store/migrations/frozen/0002/chunk-key';
import * as frozenCodec from '../../../../electron/core/store/migrations/frozen/0002/codec';
import * as frozenRollup from '../../../../electron/core/store/migrations/frozen/0002/rollup';
import * as liveKeys from '../../../../electron/core/store/tsdb/chunk-key';
import * as liveCodec from '../../../../electron/core/store/tsdb/codec';
import * as liveRollup from '../../../../electron/core/store/tsdb/rollup';

const MIGRATIONS = join(__dirname, '../../../../electron/core/store/migrations');
const T0 = 1_735_689_600_000;
const HOUR = 3_600_000;

/** A deterministic pseudo-random stream (tests must not depend on Math.random). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Chunks of the kinds telemetry makes: grid and irregular times, gauges, decimals, counters, floats, rollup columns. */
function samples(): Array<{ t: Float64Array; columns: Float64Array[] }> {
  const rnd = lcg(7);
  const n = 720;
  const grid = Float64Array.from({ length: n }, (_, i) => T0 + i * 5000);
  const irregular = Float64Array.from({ length: n }, (_, i) => T0 + i * 5000 + Math.floor(rnd() * 40));
  let counter = 4.2e13;
  const rollup = liveRollup.rollUp(
    grid,
    Float64Array.from({ length: n }, () => Math.round(rnd() * 30_000) / 100),
    n,
    60_000,
  );
  return [
    { t: grid, columns: [Float64Array.from({ length: n }, () => Math.round(90 + rnd() * 10))] },
    { t: grid, columns: [Float64Array.from({ length: n }, () => Math.round((60 + rnd() * 600) * 100) / 100)] },
    { t: irregular, columns: [Float64Array.from({ length: n }, () => (counter += Math.floor(rnd() * 1e9)))] },
    { t: grid, columns: [Float64Array.from({ length: n }, () => rnd() * Math.PI)] },
    { t: rollup.times(), columns: rollup.columns() },
    { t: Float64Array.of(T0), columns: [Float64Array.of(-12.5)] },
  ];
}

function plain(chunk: { t: Float64Array; columns: Float64Array[] }) {
  return { t: Array.from(chunk.t), columns: chunk.columns.map((c) => Array.from(c)) };
}

describe("migration 0002's frozen code against the live engine", () => {
  it('imports nothing of the live engine: only its frozen copies, Node and the migration types', () => {
    expect(readFileSync(join(MIGRATIONS, '0002-tsdb.ts'), 'utf8')).toContain("from './frozen/0002/codec'");
    const files = [join(MIGRATIONS, '0002-tsdb.ts'), ...readdirSync(join(MIGRATIONS, 'frozen/0002')).map((name) => join(MIGRATIONS, 'frozen/0002', name))];
    for (const file of files) {
      const imports = [...readFileSync(file, 'utf8').matchAll(/^import[^;]*? from '([^']+)';/gms)].map((m) => m[1]);
      for (const from of imports) expect([file, from]).toEqual([file, expect.stringMatching(/^(\.\/frozen\/0002\/|\.\/[a-z-]+$|node:|better-sqlite3$)/)]);
    }
  });

  it('the live codec decodes what the frozen codec wrote, exactly (migrated chunks stay readable)', () => {
    for (const chunk of samples()) {
      const blob = frozenCodec.encodeChunk(chunk.t, chunk.columns, chunk.t.length, chunk.t[0]!);
      expect(plain(liveCodec.decodeChunk(blob, chunk.t[0]!))).toEqual(plain(chunk));
    }
  });

  it('the frozen codec still decodes what the live codec writes today (the format has not drifted)', () => {
    // If this fails after a deliberate change of the live format, the frozen copy stays as it
    // is; the first test above must still pass, and this one is then rewritten to say so.
    for (const chunk of samples()) {
      const blob = liveCodec.encodeChunk(chunk.t, chunk.columns, chunk.t.length, chunk.t[0]!);
      expect(plain(frozenCodec.decodeChunk(blob, chunk.t[0]!))).toEqual(plain(chunk));
      expect(frozenCodec.decimalsOf(chunk.columns[0]!)).toBe(liveCodec.decimalsOf(chunk.columns[0]!));
    }
  });

  it('gives migrated chunks the keys under which the engine looks for them', () => {
    const frozen = frozenKeys.keySpaces(HOUR, 7 * 24 * HOUR);
    const live = liveKeys.keySpaces(HOUR, 7 * 24 * HOUR);
    expect(frozen).toEqual(live);
    for (const tier of ['raw', '1m', '1h'] as const) {
      for (const [period, series, split] of [
        [T0, 7, 0],
        [T0 + 5 * HOUR, 123_456, 5],
        [T0 + 400 * 24 * HOUR, liveKeys.MAX_SERIES_ID, 1],
      ] as const) {
        const start = Math.floor(period / live[tier].spanMs) * live[tier].spanMs;
        expect(frozenKeys.chunkKey(frozen[tier], start, series, split)).toBe(liveKeys.chunkKey(live[tier], start, series, split));
      }
    }
  });

  it('rolls samples up as the live engine does', () => {
    const rnd = lcg(3);
    const n = 720;
    const t = Float64Array.from({ length: n }, (_, i) => T0 + i * 5000);
    const v = Float64Array.from({ length: n }, () => Math.round(rnd() * 1000) / 10);
    const frozenMinutes = frozenRollup.rollUp(t, v, n, 60_000);
    const liveMinutes = liveRollup.rollUp(t, v, n, 60_000);
    expect({ ...frozenMinutes }).toEqual({ ...liveMinutes });
    expect({ ...frozenRollup.rollUpPoints(frozenMinutes, HOUR, 1) }).toEqual({ ...liveRollup.rollUpPoints(liveMinutes, HOUR, 1) });
  });
});
