/**
 * The writer: puts staged ticks (head rows) and finished seals (chunks, hourly points) on disk in
 * one transaction per call, cuts finished periods into seal jobs for the sealer, and keeps what
 * cannot be written in a bounded memory buffer, with the storage status that says so.
 *
 * A tick is durable once persist() commits its head row. When SQLite reports the disk full or
 * the database read-only, ticks stay in memory and writes are retried with back-off; once the
 * buffer is full, new ticks are refused (and counted), never data already kept.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { chunkKey, maxSplits } from './chunk-key';
import { encodeChunk } from './codec';
import { align, type EngineConfig, type SeriesState, type StorageStatus, type Tier } from './common';
import { RollupPoints } from './rollup';
import type { SealJob, SealResult } from './seal';
import { createSealer, type Sealer } from './sealer';
import type { SeriesIndex } from './series-index';
import { perTier, type InsertChunk, type KeyRange } from './statements';

const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;

/** A seal job between cut and commit. */
export interface JobInFlight {
  id: number;
  boundary: number;
  seriesIds: number[];
  samples: number;
  bytes: number;
  /** The shared block holding the job's samples; reused for a later job once this one committed. */
  block: SharedArrayBuffer;
  result: SealResult | null;
  error: string | null;
}

interface PendingTick {
  t: number;
  layoutId: number;
  /** The caller's values while writes work; a copy we own once they fail (callers reuse their arrays). */
  values: ArrayLike<number>;
  owned: boolean;
}

/** A tick's values as the bytes of its head row, without a copy when they already are float64. */
function headBytes(values: ArrayLike<number>): Buffer {
  const floats = values instanceof Float64Array ? values : Float64Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

function sqliteCode(error: unknown): string {
  return (error as { code?: string }).code ?? '';
}

function describeWriteFailure(error: unknown): string {
  const code = sqliteCode(error);
  if (code === 'SQLITE_FULL') return 'the disk (or the database size limit) is full';
  if (code.startsWith('SQLITE_READONLY')) return 'the database is read-only';
  if (code.startsWith('SQLITE_IOERR')) return `the disk reported an I/O error (${code})`;
  return (error as Error).message ?? String(error);
}

export class Writer {
  /** The storage status, changed in place: the other parts add to its counters. */
  readonly status: StorageStatus = {
    state: 'ok',
    message: null,
    since: null,
    bufferedTicks: 0,
    droppedSamples: 0,
    outOfOrderSamples: 0,
    corruptChunks: 0,
  };
  readonly sealer: Sealer;
  /** Seal jobs cut and not committed yet, oldest first. */
  readonly jobs: JobInFlight[] = [];
  nextJobId = 1;
  /** Shared blocks of committed seal jobs, kept for the next jobs. */
  readonly spareBlocks: SharedArrayBuffer[] = [];
  private pending: PendingTick[] = [];
  private pendingBytes = 0;
  private retryAt = 0;
  private retryDelay = RETRY_MIN_MS;
  /** Why the last write failed, for the status message. */
  private writeFailure = '';
  /** Ticks refused since writes failed because the memory buffer was full, and the first one's time. */
  private refusedTicks = 0;
  private firstRefusedT = 0;
  private readonly insertHead: Statement<[t: number, layoutId: number, vals: Buffer]>;
  private readonly deleteHeadBefore: Statement<[t: number]>;
  private readonly upsertHour: Statement<[seriesId: number, t: number, min: number, max: number, sum: number, count: number, last: number]>;
  private readonly deleteHoursBefore: Statement<[seriesId: number, t: number]>;
  /** A series' hourly points before a time: the week being sealed into a 1-hour chunk. */
  private readonly weekHours: Statement<[seriesId: number, beforeT: number], [t: number, min: number, max: number, sum: number, count: number, last: number]>;
  private readonly insertChunkRow: Record<Tier, InsertChunk>;
  /** The highest key in a series' period: one index seek from the top of the range. */
  private readonly lastSplit: Record<Tier, Statement<KeyRange, number>>;

  constructor(
    private readonly db: Db,
    private readonly config: EngineConfig,
    private readonly index: SeriesIndex,
    /** 1-minute periods (days) that got hourly pieces and may need compacting: day -> next series id. */
    private readonly compactQueue: Map<number, number>,
    sealInWorker: boolean,
  ) {
    this.sealer = createSealer(sealInWorker);
    this.insertHead = db.prepare('INSERT INTO head (t, layout_id, vals) VALUES (?, ?, ?)');
    this.deleteHeadBefore = db.prepare('DELETE FROM head WHERE t < ?');
    // A second piece of an hour already there (after a flush) merges into its point.
    this.upsertHour = db.prepare(
      `INSERT INTO head_1h (series_id, t, min, max, sum, count, last) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (series_id, t) DO UPDATE SET min = min(head_1h.min, excluded.min), max = max(head_1h.max, excluded.max),
         sum = head_1h.sum + excluded.sum, count = head_1h.count + excluded.count, last = excluded.last`,
    );
    this.deleteHoursBefore = db.prepare('DELETE FROM head_1h WHERE series_id = ? AND t < ?');
    this.weekHours = db
      .prepare<[number, number], [number, number, number, number, number, number]>(
        'SELECT t, min, max, sum, count, last FROM head_1h WHERE series_id = ? AND t < ? ORDER BY t',
      )
      .raw();
    this.insertChunkRow = perTier((table): InsertChunk => db.prepare(`INSERT INTO ${table} (id, start_t, n, data) VALUES (?, ?, ?, ?)`));
    this.lastSplit = perTier((table) => db.prepare<KeyRange, number>(`SELECT id FROM ${table} WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1`).pluck());
  }

  /** The status as callers see it. */
  snapshot(): StorageStatus {
    return { ...this.status, bufferedTicks: this.pending.length };
  }

  /** Whether the store is writing normally (not buffering or dropping). */
  get writing(): boolean {
    return this.status.state === 'ok';
  }

  /** Whether seal jobs are out (cut, not committed). */
  get sealsOut(): boolean {
    return this.jobs.length > 0;
  }

  /** Whether a tick of `count` values must be refused: writes fail and the memory buffer is full. */
  bufferFull(count: number): boolean {
    return this.status.state !== 'ok' && this.bufferedBytes() + count * 8 > this.config.maxBufferedBytes;
  }

  /** Queues a tick's head row (already applied to memory); persist() writes the queue. */
  queue(t: number, layoutId: number, values: ArrayLike<number>): void {
    // While writes fail the tick waits in memory past this call: keep a copy, as callers reuse
    // their arrays (a tick staged while writes work is copied by onWriteFailure if its write fails).
    const owned = this.status.state !== 'ok';
    this.pending.push({ t, layoutId, values: owned ? Float64Array.from(values) : values, owned });
    this.pendingBytes += values.length * 8;
  }

  /**
   * Writes pending ticks and due seals in one transaction, or keeps them for the next try.
   * Retries back off on the wall clock (not data time) from 2 s to a minute.
   */
  persist(force = false): void {
    const nowMs = Date.now();
    this.collectSealResults(this.sealer.poll());
    if (!force && this.status.state !== 'ok' && nowMs < this.retryAt) return;
    const afterCommit: Array<() => void> = [];
    // Finished jobs at the front of the queue commit in order; the head rows they cover go too.
    const committing: JobInFlight[] = [];
    for (const job of this.jobs) {
      if (!job.result && !job.error) break;
      committing.push(job);
    }
    const sealedBefore = committing.reduce((b, job) => (job.result ? Math.max(b, job.boundary) : b), -Infinity);
    try {
      this.db.transaction(() => {
        for (const job of committing) if (job.result) this.commitSeal(job.result, afterCommit);
        const savedLayouts = new Map<number, number>();
        for (const tick of this.pending) {
          if (tick.t < sealedBefore) continue;
          let layoutId = tick.layoutId;
          if (layoutId < 0) {
            const provisional = layoutId;
            layoutId = savedLayouts.get(provisional) ?? this.index.saveLayout(this.index.layoutOf(provisional)!);
            if (!savedLayouts.has(provisional)) {
              savedLayouts.set(provisional, layoutId);
              afterCommit.push(() => this.index.replaceLayoutId(provisional, savedLayouts.get(provisional)!));
            }
          }
          this.insertHead.run(tick.t, layoutId, headBytes(tick.values));
        }
        if (sealedBefore > -Infinity) this.deleteHeadBefore.run(sealedBefore);
      })();
    } catch (error) {
      this.onWriteFailure(error, nowMs);
      return;
    }
    for (const apply of afterCommit) apply();
    for (const job of committing) {
      this.jobs.splice(this.jobs.indexOf(job), 1);
      // Its samples are in chunks now (or, for a job that failed to encode, still in head rows).
      for (const id of job.seriesIds) this.index.states[id]?.sealing.shift();
      this.recycleBlock(job.block);
      if (job.error) this.status.droppedSamples += job.samples;
    }
    this.pending = [];
    this.pendingBytes = 0;
    if (this.status.state !== 'ok') {
      Object.assign(this.status, { state: 'ok', message: null, since: null, bufferedTicks: 0 });
      this.retryDelay = RETRY_MIN_MS;
      this.refusedTicks = 0;
    }
  }

  /** Seals everything before `boundary`, waits for the sealer and writes it all (flush). */
  sealAll(boundary: number): void {
    this.cut(boundary);
    this.collectSealResults(this.sealer.waitAll());
    this.persist(true);
  }

  /** Stops the seal worker. */
  close(): void {
    this.sealer.close();
  }

  /**
   * Moves every series' samples before `boundary` out of its open buffer into a new seal job.
   * They stay visible to queries (state.sealing) until the job commits.
   */
  cut(boundary: number): void {
    const counts: Array<[SeriesState, number]> = [];
    let total = 0;
    for (const state of this.index.states) {
      if (!state || state.buffer.length === 0 || state.buffer.firstT >= boundary) continue;
      const n = state.buffer.countBefore(boundary);
      counts.push([state, n]);
      total += n;
    }
    if (total === 0) return;
    // One shared block at a time: a job still out is waited for and committed first, so that its
    // block is free again. A second block is an hour of every series (15 MB for 1,260), and a
    // spare let go stayed allocated until a full GC. This is also the back-pressure on a writer
    // faster than the worker (a backfill); at the app's pace that hour was sealed long ago. While
    // writes fail nothing commits, and each job keeps its block (counted in bufferedBytes()).
    if (this.jobs.length > 0) {
      this.collectSealResults(this.sealer.waitAll());
      this.persist();
    }
    // Ids only for jobs sent: the worker's done counter then equals the last id once it caught up.
    const job: SealJob = { id: this.nextJobId++, boundary, rawSpanMs: this.config.rawChunkMs, parts: [] };
    // One copy, in one block of shared memory: queries read it here while the worker encodes it
    // there. Blocks are reused once their job committed: a fresh 15 MB block every hour would
    // wait for a full GC to be freed, and a quiet heap rarely has one.
    const shared = this.takeBlock(total * 16);
    const inFlight: JobInFlight = { id: job.id, boundary, seriesIds: [], samples: 0, bytes: 0, block: shared, result: null, error: null };
    let offset = 0;
    for (const [state, n] of counts) {
      const t = new Float64Array(shared, offset, n);
      const v = new Float64Array(shared, offset + n * 8, n);
      offset += n * 16;
      const open = state.buffer.view();
      t.set(open.t.subarray(0, n));
      v.set(open.v.subarray(0, n));
      state.sealing.push({ t, v });
      job.parts.push({ seriesId: state.id, t, v });
      state.buffer.dropFirst(n);
      inFlight.seriesIds.push(state.id);
      inFlight.samples += n;
    }
    inFlight.bytes = total * 16;
    this.jobs.push(inFlight);
    this.sealer.submit(job);
  }

  /** A shared block of at least `bytes`: a spare one of about that size, or a new one. */
  private takeBlock(bytes: number): SharedArrayBuffer {
    const index = this.spareBlocks.findIndex((b) => b.byteLength >= bytes && b.byteLength <= bytes * 2);
    if (index >= 0) return this.spareBlocks.splice(index, 1)[0]!;
    // Some headroom, so that an hour with a few more samples still fits the next time.
    return new SharedArrayBuffer(Math.ceil((bytes * 1.1) / 4096) * 4096);
  }

  /** Keeps a committed job's block for the next job (the worker is done with it; no view of it is left). */
  private recycleBlock(block: SharedArrayBuffer): void {
    this.spareBlocks.push(block);
    if (this.spareBlocks.length > 1) this.spareBlocks.shift();
  }

  private collectSealResults(outcomes: ReturnType<Sealer['poll']>): void {
    for (const outcome of outcomes) {
      const job = this.jobs.find((j) => j.id === outcome.id);
      if (!job) continue;
      if ('error' in outcome) job.error = outcome.error;
      else job.result = outcome;
    }
  }

  /** Writes one encoded seal: raw and 1-minute chunks, hourly points (and a week's 1-hour chunk). */
  private commitSeal(result: SealResult, afterCommit: Array<() => void>): void {
    const weeks = new Map<number, number | null>();
    for (const piece of result.pieces) {
      const state = this.index.states[piece.seriesId];
      if (!state) continue;
      this.insertChunk('raw', piece.period, piece.seriesId, piece.raw.startT, piece.raw.n, piece.raw.data);
      const day = align(piece.period, this.config.spaces['1m'].spanMs);
      this.insertChunk('1m', day, piece.seriesId, piece.minute.startT, piece.minute.n, piece.minute.data);
      if (!this.compactQueue.has(day)) afterCommit.push(() => this.compactQueue.set(day, this.compactQueue.get(day) ?? 0));
      const points = new RollupPoints();
      points.t = piece.hours.t;
      points.min = piece.hours.min;
      points.max = piece.hours.max;
      points.sum = piece.hours.sum;
      points.count = piece.hours.count;
      points.last = piece.hours.last;
      const firstT = weeks.has(piece.seriesId) ? weeks.get(piece.seriesId)! : state.openWeekFirstT;
      weeks.set(piece.seriesId, this.addHourPoints(piece.seriesId, firstT, points));
    }
    // Memory follows only once the rows are committed.
    for (const [seriesId, firstT] of weeks) {
      afterCommit.push(() => {
        const state = this.index.states[seriesId];
        if (state) state.openWeekFirstT = firstT;
      });
    }
  }

  /** A write failed: keep everything in memory, say so in the status, and retry after a back-off. */
  onWriteFailure(error: unknown, nowMs: number): void {
    // The ticks wait in memory now: keep copies, the callers will reuse their arrays.
    for (const tick of this.pending) {
      if (!tick.owned) {
        tick.values = Float64Array.from(tick.values);
        tick.owned = true;
      }
    }
    this.writeFailure = describeWriteFailure(error);
    if (this.status.state === 'ok') Object.assign(this.status, { state: 'buffering', since: nowMs });
    this.status.message = this.failureMessage();
    this.retryAt = nowMs + this.retryDelay;
    this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
  }

  /**
   * Memory held because writes fail: ticks not written yet, and seal jobs that cannot commit
   * (their samples include ticks already on disk, but they cannot be let go before the commit).
   */
  private bufferedBytes(): number {
    return this.jobs.reduce((n, job) => n + job.bytes, this.pendingBytes);
  }

  /**
   * The memory buffer is full while writes fail: this tick is not kept. The newest ticks go,
   * never older ones: those may already be on disk (head rows a later seal would delete) or
   * were accepted into memory, and the status says from when on data is missing.
   */
  refuseTick(t: number, values: ArrayLike<number>): void {
    if (this.refusedTicks === 0) this.firstRefusedT = t;
    this.refusedTicks += 1;
    for (let i = 0; i < values.length; i += 1) if (Number.isFinite(values[i]!)) this.status.droppedSamples += 1;
    this.status.state = 'dropping';
    this.status.message = this.failureMessage();
  }

  private failureMessage(): string {
    const problem = `cannot write telemetry: ${this.writeFailure}`;
    if (this.refusedTicks === 0) return `${problem}; keeping new data in memory and retrying`;
    const cap = `${Math.round(this.config.maxBufferedBytes / 1024 / 1024)} MiB`;
    const ticks = `${this.refusedTicks} ${this.refusedTicks === 1 ? 'tick' : 'ticks'}`;
    return `${problem}; the memory buffer (${cap}) is full: ${ticks} not stored since ${new Date(this.firstRefusedT).toISOString()}; retrying`;
  }

  /**
   * Inserts a chunk under its key; a series' further chunk of one period gets the split after
   * the highest one there. Not the count of chunks: splits need not be dense (migration 0002
   * numbers a day's 1-minute pieces by hour of day, so pieces 8..11 may exist without 0..7).
   */
  private insertChunk(tier: Tier, period: number, seriesId: number, startT: number, n: number, data: Uint8Array): void {
    const space = this.config.spaces[tier];
    const first = chunkKey(space, period, seriesId, 0);
    const last = this.lastSplit[tier].get(first, first + maxSplits(space));
    const split = last === undefined ? 0 : last - first + 1;
    if (split >= maxSplits(space)) throw new Error(`more than ${maxSplits(space)} chunks for one series in one ${tier} period`);
    this.insertChunkRow[tier].run(first + split, startT, n, data);
  }

  /**
   * Adds hourly points to a series' open week in head_1h (a piece of an hour already there merges
   * into it), first sealing the week into a 1-hour chunk when a point is past its span. Takes and
   * returns the week's first point time; memory takes it after the commit.
   */
  private addHourPoints(seriesId: number, firstT: number | null, points: RollupPoints): number | null {
    const span = this.config.hourChunkMs;
    let first = firstT;
    for (let i = 0; i < points.length; i += 1) {
      const t = points.t[i]!;
      if (first !== null && align(t, span) > align(first, span)) {
        const hours = new RollupPoints();
        for (const [ht, min, max, sum, count, last] of this.weekHours.all(seriesId, align(t, span))) hours.add(ht, min, max, sum, count, last);
        if (hours.length > 0) {
          this.insertChunk(
            '1h',
            align(hours.t[0]!, span),
            seriesId,
            hours.t[0]!,
            hours.length,
            encodeChunk(hours.times(), hours.columns(), hours.length, hours.t[0]!),
          );
        }
        this.deleteHoursBefore.run(seriesId, align(t, span));
        first = null;
      }
      this.upsertHour.run(seriesId, t, points.min[i]!, points.max[i]!, points.sum[i]!, points.count[i]!, points.last[i]!);
      first ??= t;
    }
    return first;
  }
}
