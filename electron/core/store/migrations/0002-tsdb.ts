import type { Database } from 'better-sqlite3';
// Frozen copies of the codec, chunk keys and rollups as they were when this migration shipped:
// a later change to the engine's own must not change what this migration writes.
import { chunkKey, keySpaces } from './frozen/0002/chunk-key';
import { decimalsOf, encodeChunk } from './frozen/0002/codec';
import { rollUp, rollUpPoints, RollupPoints } from './frozen/0002/rollup';
import type { Migration } from './types';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

/**
 * The time-series layout: samples move from one row each into compressed per-series chunks
 * (raw, 1-minute and 1-hour tiers), with a head table for the ticks not sealed yet. Also device
 * and metric metadata. Existing samples are converted, not dropped.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'tsdb',
  up(db) {
    // Series no longer point at nodes: the store keeps series of sources that are not nodes
    // of the inventory (imports, benchmarks) and must not fail a tick over a missing node row.
    db.exec(`
      CREATE TABLE series_new (
        id INTEGER PRIMARY KEY,
        node_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        device TEXT NOT NULL DEFAULT '',
        UNIQUE (node_id, metric, device)
      ) STRICT;
      INSERT INTO series_new (id, node_id, metric, device) SELECT id, node_id, metric, device FROM series;
      DROP TABLE series;
      ALTER TABLE series_new RENAME TO series;
      CREATE TABLE metrics (
        name TEXT PRIMARY KEY,
        unit TEXT NOT NULL,
        label TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE devices (
        node_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        label TEXT,
        details TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        PRIMARY KEY (node_id, kind, key)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE layouts (
        id INTEGER PRIMARY KEY,
        series_ids BLOB NOT NULL UNIQUE
      ) STRICT;
      CREATE TABLE head (
        id INTEGER PRIMARY KEY,
        t INTEGER NOT NULL,
        layout_id INTEGER NOT NULL,
        vals BLOB NOT NULL
      ) STRICT;
      CREATE TABLE head_1h (
        series_id INTEGER NOT NULL,
        t INTEGER NOT NULL,
        min REAL NOT NULL,
        max REAL NOT NULL,
        sum REAL NOT NULL,
        count INTEGER NOT NULL,
        last REAL NOT NULL,
        PRIMARY KEY (series_id, t)
      ) STRICT, WITHOUT ROWID;
    `);
    // The rowid is the key: (period number, series id, split) packed into one integer (see
    // frozen/0002/chunk-key.ts). Chunks of one seal share a period and are inserted in series order,
    // so rows always go in at the end of the b-tree and pages fill completely, no second index
    // is needed, a series' chunks are one rowid range per period, and retention deletes from
    // the front.
    for (const tier of ['raw', '1m', '1h']) {
      db.exec(`
        CREATE TABLE chunks_${tier} (
          id INTEGER PRIMARY KEY,
          start_t INTEGER NOT NULL,
          n INTEGER NOT NULL,
          data BLOB NOT NULL
        ) STRICT;
      `);
    }
    convertSamples(db);
    db.exec('DROP TABLE samples');
  },
};

/** Every series' samples, hour by hour, into raw and 1-minute chunks; hourly points into weekly chunks. */
function convertSamples(db: Database): void {
  const spaces = keySpaces(HOUR, WEEK);
  const insert = (tier: string) => db.prepare(`INSERT INTO chunks_${tier} (id, start_t, n, data) VALUES (?, ?, ?, ?)`);
  const insertRaw = insert('raw');
  const insertMinute = insert('1m');
  const insertHour = insert('1h');
  const seriesIds = db.prepare('SELECT DISTINCT series_id FROM samples ORDER BY series_id').pluck().all() as number[];
  const samplesOf = db.prepare('SELECT t, v FROM samples WHERE series_id = ? ORDER BY t').raw();
  for (const seriesId of seriesIds) {
    const rows = samplesOf.all(seriesId) as Array<[number, number]>;
    const t = Float64Array.from(rows, (r) => r[0]);
    const v = Float64Array.from(rows, (r) => r[1]);
    let hours = new RollupPoints();
    const sealHours = () => {
      if (hours.length === 0) return;
      insertHour.run(
        chunkKey(spaces['1h'], hours.t[0]!, seriesId, 0),
        hours.t[0],
        hours.length,
        encodeChunk(hours.times(), hours.columns(), hours.length, hours.t[0]!),
      );
      hours = new RollupPoints();
    };
    let start = 0;
    while (start < t.length) {
      const period = Math.floor(t[start]! / HOUR) * HOUR;
      let end = start;
      while (end < t.length && t[end]! < period + HOUR) end += 1;
      const pt = t.subarray(start, end);
      const pv = v.subarray(start, end);
      const n = end - start;
      insertRaw.run(chunkKey(spaces.raw, period, seriesId, 0), pt[0], n, encodeChunk(pt, [pv], n, pt[0]!));
      const minutes = rollUp(pt, pv, n, 60_000);
      // One 1-minute piece per hour, numbered within its day (the engine compacts finished days).
      const day = Math.floor(period / spaces['1m'].spanMs) * spaces['1m'].spanMs;
      const split = Math.round((period - day) / HOUR);
      insertMinute.run(
        chunkKey(spaces['1m'], day, seriesId, split),
        minutes.t[0],
        minutes.length,
        encodeChunk(minutes.times(), minutes.columns(), minutes.length, minutes.t[0]!),
      );
      const hourPoints = rollUpPoints(minutes, HOUR, decimalsOf(pv, n));
      if (hours.length > 0 && Math.floor(hourPoints.t[0]! / WEEK) > Math.floor(hours.t[0]! / WEEK)) sealHours();
      for (let i = 0; i < hourPoints.length; i += 1) {
        hours.add(hourPoints.t[i]!, hourPoints.min[i]!, hourPoints.max[i]!, hourPoints.sum[i]!, hourPoints.count[i]!, hourPoints.last[i]!);
      }
      start = end;
    }
    sealHours();
  }
}
