// The seal worker thread runs from the compiled engine only (it loads seal-worker.js), so this
// test drives dist/ like the app does, and compares with the same data sealed inline.
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Tsdb as TsdbType } from '../../electron/core/store/tsdb/tsdb';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const dist = (path: string) => join(ROOT, 'dist', 'electron', 'core', 'store', path);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Tsdb } = require(dist('tsdb/tsdb.js')) as { Tsdb: typeof TsdbType };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { openDatabase } = require(dist('db.js')) as typeof import('../../electron/core/store/db');

/** The seal machinery lives in the Tsdb's writer (tsdb/writer.ts); the test watches it there. */
function writerOf(tsdb: TsdbType): unknown {
  return (tsdb as unknown as { writer: unknown }).writer;
}

const T0 = 1_735_689_600_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function fill(sealInWorker: boolean, path: string) {
  const db = openDatabase(path);
  const tsdb = new Tsdb(db, { intervalMs: 5000, retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY }, maxDiskBytes: null, sealInWorker });
  const ids = Array.from({ length: 50 }, (_, k) => tsdb.seriesId('node', 'gpu.util_pct', `GPU-${k}`));
  for (let i = 0; i < 3 * 720 + 100; i += 1)
    tsdb.ingest(
      T0 + i * 5000,
      ids,
      ids.map((_, k) => ((i * (k + 3)) % 997) / 10),
    );
  return { db, tsdb, ids };
}

/**
 * Waits until the worker has answered every seal job handed to it so far (it posts each result,
 * then counts it in the shared counter): the next ingest then commits them all. A fixed sleep
 * instead was a guess at the worker's speed.
 */
async function workerAnswered(tsdb: TsdbType): Promise<void> {
  const internals = writerOf(tsdb) as unknown as { nextJobId: number; sealer: { threaded: boolean; done?: Int32Array } };
  expect(internals.sealer.threaded).toBe(true);
  const submitted = internals.nextJobId - 1;
  await vi.waitFor(() => expect(Atomics.load(internals.sealer.done!, 0)).toBe(submitted), { timeout: 30_000, interval: 10 });
}

describe('sealing in a worker thread (compiled engine)', () => {
  it('runs in a thread, and stores exactly what inline sealing stores', async () => {
    const dir = tempDir();
    const threaded = fill(true, join(dir, 'threaded.db'));
    const inline = fill(false, join(dir, 'inline.db'));
    expect((writerOf(threaded.tsdb) as unknown as { sealer: { threaded: boolean } }).sealer.threaded).toBe(true);
    expect((writerOf(inline.tsdb) as unknown as { sealer: { threaded: boolean } }).sealer.threaded).toBe(false);
    // Queries see sealing samples whether or not the worker has answered yet.
    for (const { tsdb, ids } of [threaded, inline]) {
      expect(tsdb.range(ids[7]!, T0, T0 + 3 * HOUR - 1, 10_000).t).toHaveLength(3 * 720);
    }
    // Let the worker answer, then one more tick commits its results.
    await workerAnswered(threaded.tsdb);
    threaded.tsdb.ingest(
      T0 + (3 * 720 + 100) * 5000,
      threaded.ids,
      threaded.ids.map(() => 1),
    );
    inline.tsdb.ingest(
      T0 + (3 * 720 + 100) * 5000,
      inline.ids,
      inline.ids.map(() => 1),
    );
    const chunks = (db: typeof threaded.db) => db.prepare('SELECT id, start_t, n, data FROM chunks_raw ORDER BY id').raw().all();
    expect(chunks(threaded.db)).toHaveLength(150);
    expect(chunks(threaded.db)).toEqual(chunks(inline.db));
    threaded.tsdb.flush();
    inline.tsdb.flush();
    expect(chunks(threaded.db)).toEqual(chunks(inline.db));
    expect(threaded.db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(0);
    for (const { tsdb, db } of [threaded, inline]) {
      tsdb.close();
      db.close();
    }
  });
});

describe('when the seal worker dies', () => {
  it('encodes its jobs in the engine thread instead, losing nothing', async () => {
    const { db, tsdb, ids } = fill(true, join(tempDir(), 'dead-worker.db'));
    const sealer = (writerOf(tsdb) as unknown as { sealer: { threaded: boolean; worker: { terminate(): Promise<number> } } }).sealer;
    await sealer.worker.terminate();
    // The worker's 'exit' event hands its jobs back to the engine thread.
    await vi.waitFor(() => expect(sealer.threaded).toBe(false), { timeout: 10_000, interval: 10 });
    for (let i = 0; i < 800; i += 1)
      tsdb.ingest(
        T0 + (3 * 720 + 200 + i) * 5000,
        ids,
        ids.map(() => 2),
      );
    tsdb.flush();
    expect(db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(0);
    expect(tsdb.range(ids[3]!, T0, T0 + 5 * HOUR, 100_000).t).toHaveLength(3 * 720 + 100 + 800);
    tsdb.close();
    db.close();
  });
});

describe("the seal jobs' shared blocks", () => {
  it('are reused hour after hour once their job committed, and every value comes back exact', async () => {
    const db = openDatabase(join(tempDir(), 'blocks.db'));
    const tsdb = new Tsdb(db, {
      intervalMs: 5000,
      retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY },
      maxDiskBytes: null,
      sealInWorker: true,
    });
    const ids = Array.from({ length: 40 }, (_, k) => tsdb.seriesId('node', 'gpu.power_w', `GPU-${k}`));
    const value = (i: number, k: number) => Math.round(((i * 37 + k * 101) % 30_000) + 100) / 100;
    const internals = writerOf(tsdb) as unknown as { jobs: Array<{ block: SharedArrayBuffer }>; spareBlocks: SharedArrayBuffer[] };
    const blocksSeen = new Set<SharedArrayBuffer>();
    const hours = 8;
    for (let i = 0; i < hours * 720; i += 1) {
      tsdb.ingest(
        T0 + i * 5000,
        ids,
        ids.map((_, k) => value(i, k)),
      );
      for (const job of internals.jobs) blocksSeen.add(job.block);
      // Let the worker answer at each hour's end, as it does between 5-second ticks.
      if (i % 720 === 5) await workerAnswered(tsdb);
    }
    // Eight hours sealed through at most two blocks (plus one spare), not one new block an hour.
    expect(blocksSeen.size).toBeGreaterThan(0);
    expect(blocksSeen.size).toBeLessThanOrEqual(3);
    expect(internals.spareBlocks.length).toBeGreaterThan(0);
    tsdb.flush();
    for (const k of [0, 17, 39]) {
      const got = tsdb.range(ids[k]!, T0, T0 + hours * HOUR, 100_000);
      expect(got.tier).toBe('raw');
      expect(got.t).toHaveLength(hours * 720);
      expect(got.v).toEqual(Array.from({ length: hours * 720 }, (_, i) => value(i, k)));
    }
    tsdb.close();
    db.close();
  });
  it('hold one block at a time when the writer is faster than the worker (a backfill): each hour waits for the seal before it', () => {
    const db = openDatabase(join(tempDir(), 'backfill-blocks.db'));
    const tsdb = new Tsdb(db, {
      intervalMs: 5000,
      retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY },
      maxDiskBytes: null,
      sealInWorker: true,
    });
    const ids = Array.from({ length: 300 }, (_, k) => tsdb.seriesId('node', 'gpu.power_w', `GPU-${k}`));
    const value = (i: number, k: number) => Math.round(((i * 41 + k * 97) % 40_000) + 100) / 100;
    const internals = writerOf(tsdb) as unknown as {
      jobs: Array<{ block: SharedArrayBuffer }>;
      spareBlocks: SharedArrayBuffer[];
      sealer: { threaded: boolean };
    };
    expect(internals.sealer.threaded).toBe(true);
    const blocksSeen = new Set<SharedArrayBuffer>();
    let mostAlive = 0;
    const hours = 10;
    // Twelve ticks per transaction, never a pause: the worker is always behind.
    for (let i = 0; i < hours * 720; i += 12) {
      tsdb.ingestBatch(Array.from({ length: 12 }, (_, j) => ({ t: T0 + (i + j) * 5000, ids, values: ids.map((_, k) => value(i + j, k)) })));
      const alive = new Set([...internals.jobs.map((job) => job.block), ...internals.spareBlocks]);
      alive.forEach((block) => blocksSeen.add(block));
      mostAlive = Math.max(mostAlive, alive.size);
    }
    // An hour of every series per block: a second one would double the memory sealing needs.
    expect(mostAlive).toBe(1);
    expect(blocksSeen.size).toBe(1);
    tsdb.flush();
    for (const k of [0, 150, 299]) {
      const got = tsdb.range(ids[k]!, T0, T0 + hours * HOUR, 100_000);
      expect(got.t).toHaveLength(hours * 720);
      expect(got.v).toEqual(Array.from({ length: hours * 720 }, (_, i) => value(i, k)));
    }
    expect(db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(0);
    tsdb.close();
    db.close();
  });
});

describe('1-minute compaction while a seal is out', () => {
  it("waits for the seal holding a day's last hour, so every series ends with one piece for the day", async () => {
    const db = openDatabase(join(tempDir(), 'compact-in-flight.db'));
    const tsdb = new Tsdb(db, {
      intervalMs: 60_000,
      retention: { rawMs: 7 * DAY, minuteMs: 90 * DAY, hourMs: 730 * DAY },
      maxDiskBytes: null,
      sealInWorker: true,
    });
    const ids = Array.from({ length: 10 }, (_, k) => tsdb.seriesId('node', 'gpu.util_pct', `GPU-${k}`));
    const tick = (i: number) =>
      tsdb.ingest(
        T0 + i * 60_000,
        ids,
        ids.map((_, k) => (i + k) % 100),
      );
    for (let i = 0; i < 24 * 60; i += 1) {
      tick(i);
      // Let each hour's seal land, except the last one of the day.
      if (i % 60 === 5 && i < 23 * 60) await workerAnswered(tsdb);
    }
    // The tick at midnight cuts the seal of 23:00 and finds the day finished: a small budget
    // per call, as the engine's per-tick maintain() has for a large fleet.
    tick(24 * 60);
    tsdb.maintain(T0 + DAY, 1);
    await workerAnswered(tsdb);
    tick(24 * 60 + 1); // commits the 23:00 seal
    for (let i = 0; i < 50 && tsdb.hasCompactionWork(); i += 1) tsdb.maintain(T0 + DAY, 1);
    expect(tsdb.hasCompactionWork()).toBe(false);
    const dayKeys = db
      .prepare('SELECT id FROM chunks_1m WHERE start_t < ?')
      .pluck()
      .all(T0 + DAY) as number[];
    expect(dayKeys).toHaveLength(ids.length);
    tsdb.close();
    db.close();
  });
});
