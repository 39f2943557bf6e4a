// Writes failing for longer than the memory buffer holds (a real SQLite file whose size limit is
// reached: max_page_count makes SQLite report SQLITE_FULL exactly as a full disk does).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../electron/core/store/db';
import { Tsdb, type TsdbOptions } from '../../../../electron/core/store/tsdb/tsdb';
import { tempDir } from '../../../helpers/tmp';

const T0 = 1_735_689_600_000; // an hour boundary
const STEP = 5000;
const TICKS_PER_HOUR = 720;
const DAY = 24 * 3_600_000;
const SERIES = 200;
const OPTIONS: TsdbOptions = { intervalMs: STEP, retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY }, maxDiskBytes: null };

const valueAt = (k: number, i: number) => Math.round((k * 3 + (i % 40) + (i % 9) / 10) * 10) / 10;

function open(path: string, maxBufferedBytes?: number) {
  const db = openDatabase(path);
  const tsdb = new Tsdb(db, { ...OPTIONS, sealInWorker: false, ...(maxBufferedBytes === undefined ? {} : { maxBufferedBytes }) });
  const ids = Array.from({ length: SERIES }, (_, k) => tsdb.seriesId('n1', 'gpu.util_pct', `GPU-${k}`));
  return { db, tsdb, ids };
}

describe('Tsdb when the memory buffer overflows while writes fail', () => {
  it('never deletes ticks already on disk: it stops taking new ticks and says how many were not stored since when', () => {
    const path = join(tempDir(), 'overflow.db');
    // Room for 60 ticks of 200 series waiting in memory.
    const writer = open(path, 60 * SERIES * 8);
    const { db, tsdb, ids } = writer;
    const ingest = (i: number) =>
      tsdb.ingest(
        T0 + i * STEP,
        ids,
        ids.map((_, k) => valueAt(k, i)),
      );

    // 690 ticks written normally: each acknowledged as durable (status ok once ingest returned).
    const acknowledged: number[] = [];
    for (let i = 0; i < 690; i += 1) {
      ingest(i);
      expect(tsdb.status().state).toBe('ok');
      acknowledged.push(i);
    }

    // The disk fills up: later ticks (including the hour boundary at tick 720, which hands the
    // first hour to a seal that cannot be written) wait in memory until the buffer is full.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const states: string[] = [];
    for (let i = 690; i < 900; i += 1) {
      ingest(i);
      const state = tsdb.status().state;
      states.push(state);
      if (state === 'ok') acknowledged.push(i);
    }
    const firstFailed = 690 + states.indexOf('buffering');
    expect(firstFailed).toBeGreaterThanOrEqual(690);
    expect(firstFailed).toBeLessThan(TICKS_PER_HOUR);
    const status = tsdb.status();
    const notStored = /(\d+) ticks not stored since ([^;\s]+)/.exec(status.message ?? '');
    const firstRefused = notStored ? 900 - Number(notStored[1]) : 900;
    const seenWhileFull = tsdb.range(ids[5]!, T0, T0 + 900 * STEP, 10_000).t.length;

    // Space comes back; collection goes on past the next hour, so the next seal commits.
    db.pragma('max_page_count = 1073741823');
    tsdb.retryWrites();
    expect(tsdb.status().state).toBe('ok');
    for (let i = 900; i < 2 * TICKS_PER_HOUR + 30; i += 1) ingest(i);
    expect(tsdb.status().state).toBe('ok');
    tsdb.close();
    db.close();

    // What a restart sees: every acknowledged tick, every tick taken while buffering, no refused one.
    const reader = open(path);
    for (const k of [0, 5, SERIES - 1]) {
      const stored = new Set(reader.tsdb.range(reader.ids[k]!, T0, T0 + (2 * TICKS_PER_HOUR + 30) * STEP, 10_000).t);
      expect(acknowledged.filter((i) => !stored.has(T0 + i * STEP))).toEqual([]);
    }
    // The status said what was not stored: the newest ticks, from the first one refused.
    expect(status.state).toBe('dropping');
    expect(status.message).toMatch(/full/);
    expect(notStored, status.message ?? '').not.toBeNull();
    const refused = 900 - firstRefused;
    expect(firstRefused).toBeGreaterThan(TICKS_PER_HOUR);
    expect(notStored![2]).toBe(new Date(T0 + firstRefused * STEP).toISOString());
    expect(status.droppedSamples).toBe(refused * SERIES);
    // Queries saw every tick that was taken meanwhile, and none of the refused ones.
    expect(seenWhileFull).toBe(firstRefused);
    // Exactly: every tick but the refused ones, values unchanged.
    const expected = Array.from({ length: 2 * TICKS_PER_HOUR + 30 }, (_, i) => i).filter((i) => i < firstRefused || i >= 900);
    for (const k of [0, 5, SERIES - 1]) {
      const got = reader.tsdb.range(reader.ids[k]!, T0, T0 + (2 * TICKS_PER_HOUR + 30) * STEP, 10_000);
      expect(got.tier).toBe('raw');
      expect(got.t).toEqual(expected.map((i) => T0 + i * STEP));
      expect(got.v).toEqual(expected.map((i) => valueAt(k, i)));
    }
    expect(reader.db.pragma('integrity_check', { simple: true })).toBe('ok');
    reader.tsdb.close();
    reader.db.close();
  });
});
