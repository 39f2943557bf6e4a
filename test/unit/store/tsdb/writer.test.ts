import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../electron/core/store/db';
import { engineConfig } from '../../../../electron/core/store/tsdb/common';
import { SeriesIndex } from '../../../../electron/core/store/tsdb/series-index';
import { Writer } from '../../../../electron/core/store/tsdb/writer';

const T0 = 1_735_689_600_000;
const DAY = 24 * 3_600_000;

function setUp(maxBufferedBytes?: number) {
  const db = openDatabase(':memory:');
  const config = engineConfig({ intervalMs: 5000, retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY }, maxDiskBytes: null, maxBufferedBytes });
  const index = new SeriesIndex(db);
  const writer = new Writer(db, config, index, new Map(), false);
  return { db, index, writer };
}

const headRows = (db: ReturnType<typeof openDatabase>) => db.prepare('SELECT t, layout_id FROM head ORDER BY t').raw().all();

describe('writer', () => {
  it('keeps ticks it cannot write, with their provisional layouts, and writes them all once it can', () => {
    const { db, index, writer } = setUp();
    const ids = [index.seriesId('n1', 'a', ''), index.seriesId('n1', 'b', '')];
    db.pragma('query_only = ON');
    const values = [1, 2];
    const layout = index.layoutId(ids);
    expect(layout).toBeLessThan(0);
    writer.queue(T0, layout, values);
    writer.persist();
    expect(writer.snapshot()).toMatchObject({ state: 'buffering', bufferedTicks: 1, message: expect.stringContaining('read-only') as string });
    // The caller reuses its array: the buffered tick must be a copy.
    values[0] = 99;
    writer.queue(T0 + 5000, layout, [3, 4]);
    writer.persist(true);
    expect(writer.snapshot()).toMatchObject({ state: 'buffering', bufferedTicks: 2 });

    db.pragma('query_only = OFF');
    writer.persist(true);
    expect(writer.snapshot()).toMatchObject({ state: 'ok', message: null, since: null, bufferedTicks: 0 });
    const saved = index.layoutId(ids);
    expect(saved).toBeGreaterThan(0);
    expect(headRows(db)).toEqual([
      [T0, saved],
      [T0 + 5000, saved],
    ]);
    const vals = db.prepare('SELECT vals FROM head ORDER BY t').pluck().all() as Buffer[];
    expect(Array.from(new Float64Array(vals[0]!.buffer.slice(vals[0]!.byteOffset, vals[0]!.byteOffset + 16)))).toEqual([1, 2]);
    db.close();
  });

  it('refuses new ticks once the memory buffer is full while writes fail, and says since when', () => {
    const { db, index, writer } = setUp(32);
    const ids = [index.seriesId('n1', 'a', ''), index.seriesId('n1', 'b', '')];
    const layout = index.layoutId(ids);
    db.pragma('query_only = ON');
    writer.queue(T0, layout, [1, 2]);
    writer.persist();
    expect(writer.bufferFull(2)).toBe(false);
    writer.queue(T0 + 5000, layout, [3, 4]);
    expect(writer.bufferFull(2)).toBe(true);
    writer.refuseTick(T0 + 10_000, [5, Number.NaN]);
    expect(writer.snapshot()).toMatchObject({ state: 'dropping', droppedSamples: 1, bufferedTicks: 2 });
    expect(writer.snapshot().message).toContain(`1 tick not stored since ${new Date(T0 + 10_000).toISOString()}`);

    db.pragma('query_only = OFF');
    writer.persist(true);
    expect(writer.snapshot()).toMatchObject({ state: 'ok', droppedSamples: 1, bufferedTicks: 0 });
    expect(headRows(db)).toEqual([
      [T0, layout],
      [T0 + 5000, layout],
    ]);
    db.close();
  });
});
