import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { migration0001 } from '../../../../electron/core/store/migrations/0001-initial';
import { migration0002 } from '../../../../electron/core/store/migrations/0002-tsdb';
import { keySpaces, seriesOfKey } from '../../../../electron/core/store/tsdb/chunk-key';
import { decodeChunk } from '../../../../electron/core/store/tsdb/codec';
import { Tsdb } from '../../../../electron/core/store/tsdb/tsdb';

const T0 = 1_735_689_600_000;
const HOUR = 3_600_000;

/** A database as Clusterdeck 0.1 left it: schema 1, one row per sample. */
function version1WithSamples(): Database.Database {
  const db = new Database(':memory:');
  migrate(db, [migration0001]);
  db.prepare("INSERT INTO nodes VALUES ('n1', 'n1', ?, ?, '{}')").run(T0, T0);
  db.prepare("INSERT INTO series (id, node_id, metric, device) VALUES (7, 'n1', 'gpu.power_w', 'GPU-x'), (9, 'n1', 'cpu.util_pct', '')").run();
  const insert = db.prepare('INSERT INTO samples VALUES (?, ?, ?)');
  // Two and a half hours at 5 s, with a gap in the second hour.
  for (let i = 0; i < 1800; i += 1) {
    if (i >= 800 && i < 900) continue;
    insert.run(7, T0 + i * 5000, Math.round((60 + (i % 300) * 1.37) * 100) / 100);
    insert.run(9, T0 + i * 5000, i % 101);
  }
  return db;
}

describe('migration 0002 (tsdb)', () => {
  it('moves every sample into compressed chunks exactly, and drops the row-per-sample table', () => {
    const db = version1WithSamples();
    const before = db.prepare('SELECT series_id, t, v FROM samples ORDER BY series_id, t').raw().all() as Array<[number, number, number]>;
    migrate(db, [migration0001, migration0002]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'samples'").pluck().get()).toBe(0);
    const after: Array<[number, number, number]> = [];
    for (const [key, startT, data] of db.prepare('SELECT id, start_t, data FROM chunks_raw').raw().all() as Array<[number, number, Buffer]>) {
      const chunk = decodeChunk(data, startT);
      chunk.t.forEach((t, i) => after.push([seriesOfKey(keySpaces().raw, key), t, chunk.columns[0]![i]!]));
    }
    after.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(after).toEqual(before);
    // Hour-aligned chunks: three hours per series.
    const spaces = keySpaces();
    const chunksOf = (table: 'raw' | '1m' | '1h', seriesId: number) =>
      (db.prepare(`SELECT id FROM chunks_${table}`).pluck().all() as number[]).filter((key) => seriesOfKey(spaces[table], key) === seriesId).length;
    expect(chunksOf('raw', 7)).toBe(3);
    expect(chunksOf('1m', 7)).toBe(3);
    expect(chunksOf('1h', 7)).toBe(1);
  });

  it('keeps series ids, and the engine reads the converted history in every tier', () => {
    const db = version1WithSamples();
    migrate(db, [migration0001, migration0002]);
    const tsdb = new Tsdb(db, { intervalMs: 5000, retention: { rawMs: 7 * 24 * HOUR, minuteMs: 90 * 24 * HOUR, hourMs: 730 * 24 * HOUR }, maxDiskBytes: null });
    expect(tsdb.seriesOf('n1', 'cpu.util_pct')).toEqual([{ id: 9, device: '' }]);
    const raw = tsdb.range(9, T0, T0 + HOUR - 1, 1000);
    expect(raw.v).toEqual(Array.from({ length: 720 }, (_, i) => i % 101));
    const hourly = tsdb.range(9, T0, T0 + 3 * HOUR, 3);
    expect(hourly.tier).toBe('1h');
    expect(hourly.t).toEqual([T0, T0 + HOUR, T0 + 2 * HOUR]);
    expect(hourly.max).toEqual([100, 100, 100]);
    expect(tsdb.latest([7, 9])).toEqual([
      { t: T0 + 1799 * 5000, v: Math.round((60 + (1799 % 300) * 1.37) * 100) / 100 },
      { t: T0 + 1799 * 5000, v: 1799 % 101 },
    ]);
  });

  it('recreates series without the foreign key to nodes (series may outlive or precede node rows)', () => {
    const db = version1WithSamples();
    migrate(db, [migration0001, migration0002]);
    expect(() => db.prepare("INSERT INTO series (node_id, metric, device) VALUES ('not-a-node', 'cpu.util_pct', '')").run()).not.toThrow();
  });
});
