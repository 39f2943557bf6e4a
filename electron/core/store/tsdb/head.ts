/**
 * The head: every series' samples that are not sealed into chunks yet, in memory (one open
 * buffer per series), and the `head` rows that make them durable. stage() applies a tick to
 * memory and queues its head row with the writer, cutting a seal job when the tick starts a new
 * period; replay() rebuilds memory from what is on disk when the database is opened.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { periodKey, periodOfKey, seriesOfKey } from './chunk-key';
import { align, decodeStored, type EngineConfig, type StatusCounters } from './common';
import type { SeriesIndex } from './series-index';
import type { KeyRange } from './statements';
import type { Writer } from './writer';

/** How many raw periods back replay looks for a series' last sealed value. */
const LAST_VALUE_LOOKBACK = 48;

type HeadRow = [t: number, layoutId: number, vals: Buffer];
type RawChunkRow = [id: number, startT: number, data: Buffer];

export class Head {
  /** Time of the newest tick in memory (or of the newest sealed sample after a restart). */
  newestT = -Infinity;
  /** The newest "now" maintain() was given: retention is measured from it or newestT. */
  referenceNow = -Infinity;
  /** Start of the raw period the newest tick is in; samples before it are cut into seal jobs. */
  openPeriodStart = -Infinity;
  private readonly firstHours: Statement<[], [seriesId: number, t: number]>;
  private readonly allHead: Statement<[], HeadRow>;
  private readonly newestRawKeyBefore: Statement<[key: number], number | null>;
  private readonly rawChunksFrom: Statement<KeyRange, RawChunkRow>;

  constructor(
    db: Db,
    private readonly config: EngineConfig,
    private readonly index: SeriesIndex,
    private readonly writer: Writer,
    private readonly compactQueue: Map<number, number>,
    private readonly counters: StatusCounters,
  ) {
    this.firstHours = db.prepare<[], [seriesId: number, t: number]>('SELECT series_id, min(t) FROM head_1h GROUP BY series_id').raw();
    this.allHead = db.prepare<[], HeadRow>('SELECT t, layout_id, vals FROM head ORDER BY t, id').raw();
    this.newestRawKeyBefore = db.prepare<[number], number | null>('SELECT max(id) FROM chunks_raw WHERE id < ?').pluck();
    this.rawChunksFrom = db.prepare<KeyRange, RawChunkRow>('SELECT id, start_t, data FROM chunks_raw WHERE id >= ? AND id < ? ORDER BY id DESC').raw();
  }

  // ---------------------------------------------------------------- open: replay what is durable

  /** Rebuilds memory from disk (after the index is loaded): last values, each open week's start, head rows. */
  replay(): void {
    this.loadLastValues();
    for (const [seriesId, t] of this.firstHours.all()) {
      const state = this.index.states[seriesId];
      if (state) state.openWeekFirstT = t;
    }
    for (const [t, layoutId, vals] of this.allHead.all()) {
      const ids = this.index.layoutOf(layoutId);
      if (!ids) continue;
      const values = new Float64Array(vals.buffer.slice(vals.byteOffset, vals.byteOffset + vals.byteLength));
      this.applyTick(t, ids, values);
    }
    if (this.newestT > -Infinity) {
      this.openPeriodStart = align(this.newestT, this.config.rawChunkMs);
      // Head rows of periods that were never sealed (a crash before the commit): seal them now.
      this.writer.cut(this.openPeriodStart);
      // The last two days may have uncompacted 1-minute pieces.
      const daySpan = this.config.spaces['1m'].spanMs;
      const day = align(this.newestT, daySpan);
      for (const d of [day - daySpan, day]) this.compactQueue.set(d, 0);
    }
  }

  /**
   * The last sealed value of every series, for latest() and for refusing out-of-order samples,
   * from the newest raw periods backwards. Series silent for longer than LAST_VALUE_LOOKBACK
   * periods keep no latest value (they are not "latest" any more).
   */
  private loadLastValues(): void {
    const { states } = this.index;
    const missing = new Set(states.filter((s) => s !== undefined).map((s) => s.id));
    const space = this.config.spaces.raw;
    const span = space.spanMs;
    const newest = this.newestRawKeyBefore.get(Number.MAX_SAFE_INTEGER) ?? null;
    let period = newest === null ? null : periodOfKey(space, newest);
    for (let step = 0; period !== null && missing.size > 0 && step < LAST_VALUE_LOOKBACK; step += 1) {
      const rows = this.rawChunksFrom.all(periodKey(space, period), periodKey(space, period + span));
      for (const [key, startT, data] of rows) {
        const seriesId = seriesOfKey(space, key);
        if (!missing.has(seriesId)) continue;
        missing.delete(seriesId);
        const chunk = decodeStored(data, startT, this.counters);
        const state = states[seriesId];
        if (!chunk || !state || chunk.t.length === 0) continue;
        const n = chunk.t.length;
        state.lastT = chunk.t[n - 1]!;
        state.lastV = chunk.columns[0]![n - 1]!;
        this.newestT = Math.max(this.newestT, state.lastT);
      }
      const before = this.newestRawKeyBefore.get(periodKey(space, period)) ?? null;
      period = before === null ? null : periodOfKey(space, before);
    }
  }

  // ---------------------------------------------------------------- ingest

  /** Applies a tick to memory and queues its head row; the writer's persist() writes the queue. */
  stage(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): void {
    if (ids.length !== values.length) throw new Error('ingest: ids and values differ in length');
    if (this.writer.bufferFull(values.length)) {
      this.writer.refuseTick(t, values);
      return;
    }
    const layoutId = this.index.layoutId(ids);
    this.applyTick(t, ids, values);
    const period = align(t, this.config.rawChunkMs);
    if (period > this.openPeriodStart) {
      this.openPeriodStart = period;
      this.writer.cut(period);
    }
    this.writer.queue(t, layoutId, values);
  }

  /** Appends one tick to memory; returns how many samples were accepted. */
  private applyTick(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): number {
    let accepted = 0;
    for (let i = 0; i < ids.length; i += 1) {
      const state = this.index.states[ids[i]!];
      const value = values[i]!;
      if (!state || !Number.isFinite(value)) continue;
      if (t <= state.lastT) {
        this.counters.outOfOrderSamples += 1;
        continue;
      }
      state.buffer.push(t, value);
      state.lastT = t;
      state.lastV = value;
      accepted += 1;
    }
    if (t > this.newestT) this.newestT = t;
    return accepted;
  }

  /** Samples held in memory (open and being sealed), for the head row of the tier stats. */
  sampleCount(): number {
    return this.index.states.reduce((n, s) => n + (s ? s.buffer.length + s.sealing.reduce((m, p) => m + p.t.length, 0) : 0), 0);
  }
}
