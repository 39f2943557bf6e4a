import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../electron/core/store/db';
import { chunkKey, keySpaces } from '../../../../electron/core/store/tsdb/chunk-key';
import { encodeChunk } from '../../../../electron/core/store/tsdb/codec';
import { rollUp } from '../../../../electron/core/store/tsdb/rollup';
import { mergeMinutePieces, Tsdb, type TsdbOptions } from '../../../../electron/core/store/tsdb/tsdb';
import { tempDir } from '../../../helpers/tmp';

const T0 = 1_735_689_600_000; // an hour boundary
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OPTIONS: TsdbOptions = { intervalMs: 5000, retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY }, maxDiskBytes: null };

function open(path = ':memory:', options: Partial<TsdbOptions> = {}): { db: Database; tsdb: Tsdb } {
  const db = openDatabase(path);
  return { db, tsdb: new Tsdb(db, { ...OPTIONS, ...options }) };
}

/** value of series k at tick i: distinct, predictable, a short decimal. */
const valueAt = (k: number, i: number) => Math.round((k * 10 + (i % 50) + (i % 7) / 10) * 10) / 10;

function ingestTicks(tsdb: Tsdb, ids: number[], from: number, count: number, step = 5000): void {
  for (let i = from; i < from + count; i += 1) {
    tsdb.ingest(
      T0 + i * step,
      ids,
      ids.map((_, k) => valueAt(k, i)),
    );
  }
}

function count(db: Database, table: string): number {
  return db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

describe('Tsdb ingest and sealing', () => {
  it('keeps the open hour in head rows and seals it into raw and 1-minute chunks at the boundary', () => {
    const { db, tsdb } = open();
    const ids = [tsdb.seriesId('n1', 'cpu.util_pct', ''), tsdb.seriesId('n1', 'gpu.util_pct', 'GPU-a')];
    ingestTicks(tsdb, ids, 0, 720);
    expect(count(db, 'head')).toBe(720);
    expect(count(db, 'chunks_raw')).toBe(0);
    ingestTicks(tsdb, ids, 720, 1);
    expect(count(db, 'chunks_raw')).toBe(2);
    expect(count(db, 'chunks_1m')).toBe(2);
    expect(count(db, 'head_1h')).toBe(2);
    expect(count(db, 'head')).toBe(1);
    const result = tsdb.range(ids[1]!, T0, T0 + 720 * 5000, 1000);
    expect(result.tier).toBe('raw');
    expect(result.t).toHaveLength(721);
    expect(result.v).toEqual(Array.from({ length: 721 }, (_, i) => valueAt(1, i)));
  });

  it('answers raw queries across sealed chunks and memory, bucketed with an envelope over maxPoints', () => {
    const { tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    ingestTicks(tsdb, [id], 0, 1500);
    const raw = tsdb.range(id, T0, T0 + 1499 * 5000, 2000);
    expect(raw.v).toEqual(Array.from({ length: 1500 }, (_, i) => valueAt(0, i)));
    const bucketed = tsdb.range(id, T0, T0 + 1499 * 5000, 100);
    expect(bucketed.t.length).toBeLessThanOrEqual(101);
    expect(bucketed.stepMs % 5000).toBe(0);
    expect(Math.max(...bucketed.max!)).toBe(Math.max(...raw.v));
    expect(Math.min(...bucketed.min!)).toBe(Math.min(...raw.v));
    bucketed.v.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(bucketed.min![i]! - 1e-9));
  });

  it('picks the 1-minute tier for long ranges, with exact min/max/avg per bucket', () => {
    const { tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    ingestTicks(tsdb, [id], 0, 3 * 720);
    const result = tsdb.range(id, T0, T0 + 3 * HOUR, 60);
    expect(result.tier).toBe('1m');
    expect(result.stepMs).toBe(180_000);
    const first = Array.from({ length: 36 }, (_, i) => valueAt(0, i));
    expect(result.t[0]).toBe(T0);
    expect(result.min![0]).toBe(Math.min(...first));
    expect(result.max![0]).toBe(Math.max(...first));
    expect(result.v[0]).toBeCloseTo(first.reduce((a, b) => a + b) / first.length, 9);
  });

  it('picks the 1-hour tier for month-long ranges and includes the open week and hour', () => {
    const { tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    // One sample a minute for 9 days, so 1-hour chunks are sealed weekly and a week stays open.
    for (let i = 0; i < 9 * 24 * 60; i += 1) tsdb.ingest(T0 + i * 60_000, [id], [i % 100]);
    const result = tsdb.range(id, T0, T0 + 9 * DAY, 216);
    expect(result.tier).toBe('1h');
    expect(result.t).toHaveLength(9 * 24);
    expect(result.min![0]).toBe(0);
    expect(result.max![0]).toBe(59);
    expect(result.v.at(-1)).toBeCloseTo(Array.from({ length: 60 }, (_, k) => (9 * 24 * 60 - 60 + k) % 100).reduce((a, b) => a + b) / 60, 9);
  });

  it('uses a coarser tier once the finer one no longer covers the start of the range', () => {
    const { tsdb } = open(':memory:', { retention: { rawMs: DAY, minuteMs: 2 * DAY, hourMs: 730 * DAY } });
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    ingestTicks(tsdb, [id], 0, 10);
    tsdb.ingest(T0 + 3 * DAY, [id], [1]);
    expect(tsdb.pickTier(T0 + 3 * DAY - HOUR, 5000)).toBe('raw');
    expect(tsdb.pickTier(T0 + 3 * DAY - 1.5 * DAY, 5000)).toBe('1m');
    expect(tsdb.pickTier(T0, 5000)).toBe('1h');
  });

  it('returns the latest value of many series from memory', () => {
    const { tsdb } = open();
    const ids = Array.from({ length: 50 }, (_, k) => tsdb.seriesId('n1', 'gpu.util_pct', `GPU-${k}`));
    ingestTicks(tsdb, ids, 0, 3);
    expect(tsdb.latest(ids.slice(0, 3))).toEqual([0, 1, 2].map((k) => ({ t: T0 + 2 * 5000, v: valueAt(k, 2) })));
    expect(tsdb.latest([99_999])).toEqual([null]);
  });

  it('drops out-of-order samples and counts them', () => {
    const { tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    ingestTicks(tsdb, [id], 5, 1);
    tsdb.ingest(T0, [id], [99]);
    expect(tsdb.status().outOfOrderSamples).toBe(1);
    expect(tsdb.range(id, T0, T0 + HOUR, 100).v).toEqual([valueAt(0, 5)]);
  });
});

describe('Tsdb durability and reopening', () => {
  it('replays head rows on open: every ingested tick is there after a restart without a flush', () => {
    const path = join(tempDir(), 'replay.db');
    const first = open(path);
    const ids = [first.tsdb.seriesId('n1', 'cpu.util_pct', ''), first.tsdb.seriesId('n1', 'memory.used_pct', '')];
    ingestTicks(first.tsdb, ids, 0, 1000);
    first.db.close(); // no flush: as after kill -9
    const second = open(path);
    expect(second.tsdb.range(ids[0]!, T0, T0 + 999 * 5000, 5000).v).toEqual(Array.from({ length: 1000 }, (_, i) => valueAt(0, i)));
    expect(second.tsdb.latest(ids)).toEqual([0, 1].map((k) => ({ t: T0 + 999 * 5000, v: valueAt(k, 999) })));
    ingestTicks(second.tsdb, ids, 1000, 500);
    expect(second.tsdb.range(ids[1]!, T0, T0 + 1499 * 5000, 5000).v).toEqual(Array.from({ length: 1500 }, (_, i) => valueAt(1, i)));
    second.db.close();
  });

  it('seals a week of hourly points right after a restart in its middle, an hour split by a flush merged across it', () => {
    const path = join(tempDir(), 'week.db');
    const first = open(path);
    const id = first.tsdb.seriesId('n1', 'cpu.util_pct', '');
    const minutes = 9 * 24 * 60;
    const valueOf = (i: number) => (i * 7) % 100;
    const ingestMinutes = (tsdb: Tsdb, from: number, to: number) => {
      for (let i = from; i < to; i += 1) tsdb.ingest(T0 + i * 60_000, [id], [valueOf(i)]);
    };
    // Five days and a half hour, the half hour flushed (a first piece of that hour), then a restart.
    ingestMinutes(first.tsdb, 0, 5 * 24 * 60 + 30);
    first.tsdb.flush();
    first.db.close();
    const second = open(path);
    ingestMinutes(second.tsdb, 5 * 24 * 60 + 30, minutes);
    const result = second.tsdb.range(id, T0, T0 + 9 * DAY, 216);
    expect(result.tier).toBe('1h');
    expect(result.t).toEqual(Array.from({ length: 9 * 24 }, (_, h) => T0 + h * HOUR));
    const hourMean = (h: number) => Array.from({ length: 60 }, (_, k) => valueOf(h * 60 + k)).reduce((a, b) => a + b) / 60;
    result.v.forEach((v, h) => expect(v).toBeCloseTo(hourMean(h), 9));
    // The hour split by the flush and the restart is one point with both pieces.
    expect(result.min![5 * 24]).toBe(Math.min(...Array.from({ length: 60 }, (_, k) => valueOf(5 * 24 * 60 + k))));
    // Weeks (epoch-aligned) begin a day and eight days after T0: two sealed into 1-hour chunks,
    // one before the restart and one after; head_1h holds the open week's sealed hours only.
    const week = 7 * DAY;
    const openWeekStart = Math.floor((T0 + 9 * DAY - 1) / week) * week;
    expect(openWeekStart).toBe(T0 + 8 * DAY);
    expect(count(second.db, 'chunks_1h')).toBe(2);
    const open1h = second.db.prepare('SELECT min(t) AS first, count(*) AS n FROM head_1h').get() as { first: number; n: number };
    expect(open1h).toEqual({ first: openWeekStart, n: 23 });
    second.db.close();
  });

  it('flush() seals the open hour; later samples of that hour seal into a second chunk', () => {
    const { db, tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    ingestTicks(tsdb, [id], 0, 100);
    tsdb.flush();
    expect(count(db, 'head')).toBe(0);
    expect(count(db, 'chunks_raw')).toBe(1);
    ingestTicks(tsdb, [id], 100, 700);
    expect(count(db, 'chunks_raw')).toBe(2);
    expect(tsdb.range(id, T0, T0 + 800 * 5000, 5000).v).toEqual(Array.from({ length: 800 }, (_, i) => valueAt(0, i)));
    const hour = tsdb.range(id, T0, T0 + DAY, 24);
    expect(hour.tier).toBe('1h');
    expect(hour.t[0]).toBe(T0);
    const firstHour = Array.from({ length: 720 }, (_, i) => valueAt(0, i));
    expect(hour.v[0]).toBeCloseTo(firstHour.reduce((a, b) => a + b) / 720, 9);
  });
});

describe('Tsdb retention, disk cap and failing writes', () => {
  it('deletes chunks past each tier retention, a small step at a time', () => {
    const { db, tsdb } = open(':memory:', { retention: { rawMs: 2 * HOUR, minuteMs: 4 * HOUR, hourMs: 730 * DAY } });
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    for (let i = 0; i < 6 * 60; i += 1) tsdb.ingest(T0 + i * 60_000, [id], [i]);
    expect(count(db, 'chunks_raw')).toBe(5);
    tsdb.maintain(T0 + 6 * HOUR, 2);
    expect(count(db, 'chunks_raw')).toBe(3);
    tsdb.maintain(T0 + 6 * HOUR);
    expect(count(db, 'chunks_raw')).toBe(1);
    // 1-minute chunks are kept by whole days (a day's hourly pieces become one chunk).
    expect(count(db, 'chunks_1m')).toBe(5);
    expect(tsdb.range(id, T0 + 4 * HOUR, T0 + 6 * HOUR, 1000).v[0]).toBe(240);
  });

  it('under a disk cap, gives up fine detail before coarse history', () => {
    const { db, tsdb } = open(':memory:', { maxDiskBytes: 1 });
    const ids = Array.from({ length: 20 }, (_, k) => tsdb.seriesId('n1', 'gpu.util_pct', `GPU-${k}`));
    for (let i = 0; i < 3 * 24 * 60; i += 1)
      tsdb.ingest(
        T0 + i * 60_000,
        ids,
        ids.map((_, k) => (i * 7 + k * 13) % 101),
      );
    const minutePoints = () => db.prepare('SELECT sum(n) FROM chunks_1m').pluck().get() as number;
    const before = [count(db, 'chunks_raw'), minutePoints()];
    tsdb.maintain(T0 + 3 * DAY, 40);
    expect(count(db, 'chunks_raw')).toBe(before[0]! - 40);
    expect(minutePoints()).toBe(before[1]);
  });

  it('keeps collecting in memory when the disk is full, then writes everything once space returns', () => {
    const { db, tsdb } = open(join(tempDir(), 'full.db'));
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    const filler = Array.from({ length: 200 }, (_, k) => tsdb.seriesId('n1', 'gpu.util_pct', `GPU-${k}`));
    ingestTicks(tsdb, [id], 0, 10);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    ingestTicks(tsdb, [id, ...filler], 10, 50);
    const status = tsdb.status();
    expect(status.state).toBe('buffering');
    expect(status.message).toMatch(/full/);
    expect(status.bufferedTicks).toBeGreaterThan(0);
    // Queries still see the buffered ticks.
    expect(tsdb.range(id, T0, T0 + 60 * 5000, 1000).v).toHaveLength(60);
    db.pragma('max_page_count = 1073741823');
    tsdb.retryWrites();
    expect(tsdb.status().state).toBe('ok');
    expect(db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(60);
    db.close();
  });

  it('keeps collecting when the database turns read-only, and bounds the memory it uses', () => {
    const { db, tsdb } = open(':memory:', { maxBufferedBytes: 20 * 8 * 3 });
    const ids = [tsdb.seriesId('n1', 'cpu.util_pct', ''), tsdb.seriesId('n1', 'memory.used_pct', ''), tsdb.seriesId('n1', 'cpu.load1', '')];
    ingestTicks(tsdb, ids, 0, 5);
    db.pragma('query_only = ON');
    ingestTicks(tsdb, ids, 5, 40);
    // Room for 20 ticks: those after them are refused (the data kept is never what goes).
    const status = tsdb.status();
    expect(status.state).toBe('dropping');
    expect(status.message).toMatch(/read-only/);
    expect(status.message).toContain(`20 ticks not stored since ${new Date(T0 + 25 * 5000).toISOString()}`);
    expect(status.bufferedTicks).toBe(20);
    expect(status.droppedSamples).toBe(20 * 3);
    db.pragma('query_only = OFF');
    tsdb.retryWrites();
    expect(tsdb.status().state).toBe('ok');
    ingestTicks(tsdb, ids, 45, 1);
    const kept = tsdb.range(ids[0]!, T0, T0 + 45 * 5000, 1000);
    expect(kept.t).toEqual([...Array.from({ length: 25 }, (_, i) => T0 + i * 5000), T0 + 45 * 5000]);
  });
});

describe('Tsdb with writes failing, callers reusing their arrays', () => {
  it('stores the values a tick had when it was ingested, not what the caller later put in its array', () => {
    const path = join(tempDir(), 'reuse.db');
    const first = open(path);
    const ids = [first.tsdb.seriesId('n1', 'cpu.util_pct', ''), first.tsdb.seriesId('n1', 'memory.used_pct', '')];
    ingestTicks(first.tsdb, ids, 0, 3);
    first.db.pragma('query_only = ON');
    // One array, reused for every tick as a collector does.
    const values = [0, 0];
    const expected: number[][] = [];
    for (let i = 3; i < 8; i += 1) {
      values[0] = valueAt(0, i);
      values[1] = valueAt(1, i);
      expected.push([...values]);
      first.tsdb.ingest(T0 + i * 5000, ids, values);
    }
    values[0] = -1;
    values[1] = -1;
    // Within the retry back-off: the later ticks were never tried, only kept.
    expect(first.tsdb.status().state).toBe('buffering');
    expect(first.tsdb.status().bufferedTicks).toBe(5);
    first.db.pragma('query_only = OFF');
    first.tsdb.retryWrites();
    expect(first.tsdb.status().state).toBe('ok');
    first.db.close(); // no flush: the head rows are what a restart sees
    const second = open(path);
    for (const k of [0, 1]) {
      const got = second.tsdb.range(ids[k]!, T0, T0 + 7 * 5000, 1000);
      expect(got.v).toEqual([...[0, 1, 2].map((i) => valueAt(k, i)), ...expected.map((row) => row[k])]);
    }
    second.db.close();
  });
});

describe('chunk split numbering', () => {
  it("numbers a series' next piece after its highest split: 1-minute pieces migrated by hour of day never collide", () => {
    const { db, tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    const space = keySpaces()['1m'];
    const insert = db.prepare('INSERT INTO chunks_1m (id, start_t, n, data) VALUES (?, ?, ?, ?)');
    // As migration 0002 leaves a day whose samples began at 08:00: pieces 8..11 (split = hour of day).
    for (let hour = 8; hour < 12; hour += 1) {
      const t = Float64Array.from({ length: 60 }, (_, i) => T0 + hour * HOUR + i * 60_000);
      const v = Float64Array.from({ length: 60 }, () => hour);
      const minutes = rollUp(t, v, 60, 60_000);
      insert.run(chunkKey(space, T0, id, hour), minutes.t[0], minutes.length, encodeChunk(minutes.times(), minutes.columns(), minutes.length, minutes.t[0]!));
    }
    // The engine goes on from 12:00; counting pieces, its fifth of the day would take split 8.
    for (let i = 12 * 60; i <= 18 * 60; i += 1) tsdb.ingest(T0 + i * 60_000, [id], [i]);
    expect(tsdb.status().state).toBe('ok');
    expect(tsdb.status().bufferedTicks).toBe(0);
    expect(count(db, 'head')).toBe(1);
    expect(count(db, 'chunks_1m')).toBe(10);
    // Migrated hours, sealed hours and the open tick at 18:00, minute by minute.
    const got = tsdb.range(id, T0 + 8 * HOUR, T0 + 18 * HOUR, 600);
    expect(got.tier).toBe('1m');
    expect(got.t).toEqual(Array.from({ length: 601 }, (_, m) => T0 + 8 * HOUR + m * 60_000));
    expect(got.v).toEqual(Array.from({ length: 601 }, (_, m) => (m < 240 ? 8 + Math.floor(m / 60) : 8 * 60 + m)));
  });
});

describe('series identity', () => {
  it('keeps a GPU history by UUID when it moves to another slot', () => {
    const { tsdb } = open();
    const before = tsdb.seriesId('n1', 'gpu.util_pct', 'GPU-1234');
    ingestTicks(tsdb, [before], 0, 5);
    const after = tsdb.seriesId('n1', 'gpu.util_pct', 'GPU-1234');
    expect(after).toBe(before);
    expect(tsdb.seriesOf('n1', 'gpu.util_pct')).toEqual([{ id: before, device: 'GPU-1234' }]);
  });

  it('finds a series by node, metric and device without creating one, before and after a reopen', () => {
    const path = join(tempDir('tsdb-ids-'), 'store.db');
    const first = open(path);
    expect(first.tsdb.knownId('n1', 'gpu.util_pct', 'GPU-a')).toBeUndefined();
    expect(first.tsdb.seriesOf('n1', 'gpu.util_pct')).toEqual([]);
    const a = first.tsdb.seriesId('n1', 'gpu.util_pct', 'GPU-a');
    const b = first.tsdb.seriesId('n1', 'gpu.util_pct', 'GPU-b');
    const other = first.tsdb.seriesId('n2', 'gpu.util_pct', 'GPU-a');
    expect(new Set([a, b, other]).size).toBe(3);
    expect(first.tsdb.knownId('n1', 'gpu.util_pct', 'GPU-a')).toBe(a);
    expect(first.tsdb.knownId('n1', 'gpu.util_pct', 'GPU-c')).toBeUndefined();
    expect(first.tsdb.knownId('n1', 'gpu.power_w', 'GPU-a')).toBeUndefined();
    first.db.close();
    const second = open(path);
    expect(second.tsdb.knownId('n1', 'gpu.util_pct', 'GPU-b')).toBe(b);
    expect(second.tsdb.knownId('n2', 'gpu.util_pct', 'GPU-a')).toBe(other);
    expect(second.tsdb.seriesOf('n1', 'gpu.util_pct')).toEqual([
      { id: a, device: 'GPU-a' },
      { id: b, device: 'GPU-b' },
    ]);
    second.db.close();
  });

  it('creates many series in one go, the known ones kept, and none at all when the database cannot be written', () => {
    const { db, tsdb } = open();
    const known = tsdb.seriesId('n1', 'cpu.util_pct', '');
    const keys = [
      { nodeId: 'n1', metric: 'cpu.util_pct', device: '' },
      ...Array.from({ length: 500 }, (_, k) => ({ nodeId: `n${k % 50}`, metric: 'gpu.util_pct', device: `GPU-${k}` })),
      { nodeId: 'n3', metric: 'gpu.util_pct', device: 'GPU-3' }, // twice in one call: one series
    ];
    const ids = tsdb.seriesIds(keys);
    expect(ids[0]).toBe(known);
    expect(new Set(ids).size).toBe(501);
    expect(ids[501]).toBe(ids[4]);
    expect(count(db, 'series')).toBe(501);
    keys.forEach((key, i) => expect(tsdb.knownId(key.nodeId, key.metric, key.device)).toBe(ids[i]));

    db.pragma('query_only = ON');
    expect(() => tsdb.seriesIds([{ nodeId: 'n1', metric: 'gpu.power_w', device: 'GPU-a' }])).toThrow();
    expect(tsdb.knownId('n1', 'gpu.power_w', 'GPU-a')).toBeUndefined();
    db.pragma('query_only = OFF');
    const [later] = tsdb.seriesIds([{ nodeId: 'n1', metric: 'gpu.power_w', device: 'GPU-a' }]);
    expect(tsdb.knownId('n1', 'gpu.power_w', 'GPU-a')).toBe(later);
    expect(count(db, 'series')).toBe(502);
  });
});

describe('1-minute compaction', () => {
  it('merges a finished day of hourly 1-minute pieces into one chunk with the same points', () => {
    const { db, tsdb } = open();
    const id = tsdb.seriesId('n1', 'cpu.util_pct', '');
    // Two days and an hour of one sample a minute.
    for (let i = 0; i < 49 * 60; i += 1) tsdb.ingest(T0 + i * 60_000, [id], [(i * 7) % 100]);
    const before = tsdb.range(id, T0, T0 + DAY, 1440);
    expect(before.tier).toBe('1m');
    expect(count(db, 'chunks_1m')).toBe(48);
    for (let i = 0; i < 5; i += 1) tsdb.maintain(T0 + 49 * HOUR);
    expect(count(db, 'chunks_1m')).toBe(2);
    expect(tsdb.range(id, T0, T0 + DAY, 1440)).toEqual(before);
  });

  it('skips a series with a damaged piece (kept as it is) and compacts the others and later days', () => {
    const { db, tsdb } = open();
    const ids = [0, 1, 2].map((k) => tsdb.seriesId('n1', 'gpu.util_pct', `GPU-${k}`));
    // Two days and an hour of one sample a minute.
    for (let i = 0; i < 49 * 60; i += 1)
      tsdb.ingest(
        T0 + i * 60_000,
        ids,
        ids.map((_, k) => (i * 7 + k) % 100),
      );
    const space = keySpaces()['1m'];
    const piecesOf = (id: number, day: number) =>
      db
        .prepare('SELECT count(*) FROM chunks_1m WHERE id >= ? AND id < ?')
        .pluck()
        .get(chunkKey(space, day, id, 0), chunkKey(space, day, id + 1, 0)) as number;
    // Damage one hourly piece of the first series on the first day.
    db.prepare('UPDATE chunks_1m SET data = ? WHERE id = ?').run(Buffer.from([0xee, 1, 2, 3]), chunkKey(space, T0, ids[0]!, 5));
    const before = tsdb.range(ids[1]!, T0, T0 + 2 * DAY, 2880);
    for (let i = 0; i < 20 && tsdb.hasCompactionWork(); i += 1) tsdb.maintain(T0 + 49 * HOUR);
    expect(tsdb.hasCompactionWork()).toBe(false);
    expect(tsdb.status().state).toBe('ok');
    expect(piecesOf(ids[0]!, T0)).toBe(24);
    expect(piecesOf(ids[0]!, T0 + DAY)).toBe(1);
    for (const id of ids.slice(1)) for (const day of [T0, T0 + DAY]) expect(piecesOf(id, day)).toBe(1);
    expect(tsdb.range(ids[1]!, T0, T0 + 2 * DAY, 2880)).toEqual(before);
    const corrupt = tsdb.status().corruptChunks;
    expect(corrupt).toBe(1);
    for (let i = 0; i < 5; i += 1) tsdb.maintain(T0 + 49 * HOUR);
    expect(tsdb.status().corruptChunks).toBe(corrupt);
  });
});

describe("merging a day's 1-minute pieces", () => {
  const piece = (rows: Array<[number, number, number, number, number, number]>) => ({
    t: Float64Array.from(rows.map((r) => r[0])),
    columns: [1, 2, 3, 4, 5].map((c) => Float64Array.from(rows.map((r) => r[c]!))),
  });
  const points = (m: ReturnType<typeof mergeMinutePieces>) => m.t.map((t, i) => [t, m.min[i], m.max[i], m.sum[i], m.count[i], m.last[i]]);

  it('puts hourly pieces in time order whatever order they come in, merging a minute two pieces share', () => {
    const later = piece([
      [180, 5, 6, 11, 2, 6],
      [240, 1, 1, 1, 1, 1],
    ]);
    const earlier = piece([
      [60, 1, 2, 3, 2, 2],
      [120, 3, 4, 7, 2, 4],
      [180, 7, 9, 16, 2, 9],
    ]);
    expect(points(mergeMinutePieces([later, earlier]))).toEqual([
      [60, 1, 2, 3, 2, 2],
      [120, 3, 4, 7, 2, 4],
      [180, 5, 9, 27, 4, 6],
      [240, 1, 1, 1, 1, 1],
    ]);
  });

  it('sorts every row when pieces overlap', () => {
    const a = piece([
      [60, 1, 1, 1, 1, 1],
      [180, 3, 3, 3, 1, 3],
    ]);
    const b = piece([
      [120, 2, 2, 2, 1, 2],
      [240, 4, 4, 4, 1, 4],
    ]);
    expect(points(mergeMinutePieces([a, b])).map((p) => p[0])).toEqual([60, 120, 180, 240]);
  });
});
