/**
 * A time-series engine on SQLite, modelled on Prometheus' head + chunks and Netdata's tiers.
 *
 * Ingest: every tick's values go to memory (one open buffer per series) and, in the same call,
 * to one `head` row (the tick's values as float64 in a stored series order), in one transaction.
 * When a tick crosses an hour boundary, every series' samples of the past hour are handed to a
 * seal job: compressed raw chunks, 1-minute rollup chunks and hourly rollup points, encoded in
 * a worker thread while ingest goes on. A later ingest writes the job's chunks and deletes the
 * sealed head rows in one transaction. Hourly points are sealed into 1-hour chunks once a week;
 * a finished day's hourly 1-minute chunks are compacted into one. Rollups are computed from
 * samples already in memory; nothing is rescanned.
 *
 * Crash safety: a tick is durable once ingest() returns (its head row is committed); opening
 * replays the head rows into memory. If the database cannot be written (disk full, read-only),
 * ticks stay in a bounded memory buffer, the status says so, and writes resume on their own;
 * once that buffer is full, new ticks are refused (and counted), never data already kept.
 *
 * Queries pick the finest tier that is fine enough and still covers the range, merge chunks
 * with what is in memory, and bucket to at most maxPoints with a min/max envelope.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { StorageStatus, StorageStats } from '../../../../shared/contract';
import { bucketStepMs, ROLLUP_RESOLUTION_MS } from '../../../../shared/model/tiers';
import { chunkKey, keySpaces, maxSplits, periodKey, periodOfKey, seriesOfKey, type KeySpace } from './chunk-key';
import { decodeChunk, encodeChunk, type DecodedChunk } from './codec';
import { OpenBuffer } from './open-buffer';
import { RollupPoints, rollUp } from './rollup';
import type { SealJob, SealResult } from './seal';
import { createSealer, type Sealer } from './sealer';

export type Tier = 'raw' | '1m' | '1h';
export const TIERS: readonly Tier[] = ['raw', '1m', '1h'];

export interface TierRetention {
  rawMs: number;
  minuteMs: number;
  hourMs: number;
}

export interface TsdbOptions {
  intervalMs: number;
  retention: TierRetention;
  /** Total size the database may reach; oldest data goes first. Null: no cap. */
  maxDiskBytes: number | null;
  /** Span of one raw (and 1-minute) chunk; hour-aligned by default. */
  rawChunkMs?: number;
  /** Span of one 1-hour chunk. */
  hourChunkMs?: number;
  /**
   * Memory for ticks that could not be written (and hours waiting to be sealed meanwhile); once
   * it is full, new ticks are refused. Data already on disk is never dropped for it.
   */
  maxBufferedBytes?: number;
  /** Encode seals in a worker thread where possible (default true). */
  sealInWorker?: boolean;
}

export interface SeriesKey {
  nodeId: string;
  metric: string;
  device: string;
}

export interface RangeResult {
  tier: Tier;
  /** Width of one returned point. */
  stepMs: number;
  t: number[];
  v: number[];
  min: number[] | null;
  max: number[] | null;
}

type TierStats = StorageStats['tiers'][number];
export type { StorageStatus, TierStats };

interface SeriesState {
  id: number;
  key: SeriesKey;
  buffer: OpenBuffer;
  lastT: number;
  lastV: number;
  /** Hourly rollup points of the open 1-hour chunk (mirrored in head_1h). */
  hours: RollupPoints;
  /** Samples handed to seal jobs that are not committed yet (oldest first), still queryable. */
  sealing: Array<{ t: Float64Array; v: Float64Array }>;
}

/** A seal job between cut and commit. */
interface JobInFlight {
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

/**
 * One day's hourly 1-minute pieces as one series of points in time order. Pieces are disjoint
 * hours (two may share a minute after a flush; add() merges it), so they are merged in the order
 * of their first minute, column by column: a day of 1,440 points builds no per-row arrays, which
 * for hundreds of series per maintain() call made a burst of garbage. Overlapping pieces (not
 * written by this engine) fall back to a sort of every row.
 */
export function mergeMinutePieces(chunks: DecodedChunk[]): RollupPoints {
  chunks.sort((a, b) => (a.t[0] ?? 0) - (b.t[0] ?? 0));
  const merged = new RollupPoints();
  let previous = -Infinity;
  const inOrder = chunks.every((chunk) =>
    chunk.t.every((t) => {
      const ok = t >= previous;
      previous = t;
      return ok;
    }),
  );
  if (inOrder) {
    for (const { t, columns } of chunks) {
      const [min, max, sum, count, last] = columns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
      for (let i = 0; i < t.length; i += 1) merged.add(t[i]!, min[i]!, max[i]!, sum[i]!, count[i]!, last[i]!);
    }
    return merged;
  }
  const rows: Array<[number, number, number, number, number, number]> = [];
  for (const { t, columns } of chunks) {
    const [min, max, sum, count, last] = columns as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    t.forEach((time, i) => rows.push([time, min[i]!, max[i]!, sum[i]!, count[i]!, last[i]!]));
  }
  rows.sort((a, b) => a[0] - b[0]);
  for (const row of rows) merged.add(...row);
  return merged;
}

const HOUR = 3_600_000;
const LAST_VALUE_LOOKBACK = 48;
const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 60_000;

function align(t: number, span: number): number {
  return Math.floor(t / span) * span;
}

/** Index of the first time at or after `at` in the first `length` entries of a sorted array. */
function lowerBound(times: Float64Array, length: number, at: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
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

export class Tsdb {
  private readonly states: Array<SeriesState | undefined> = [];
  private readonly idsByKey = new Map<string, number>();
  private readonly idsByNodeMetric = new Map<string, number[]>();
  /** Layout hash -> ids of the layouts with that hash; a tick's series order is stored once. */
  private readonly layoutsByHash = new Map<number, number[]>();
  private readonly layouts = new Map<number, Int32Array>();
  private readonly stmt: Record<string, Statement>;
  private readonly rawChunkMs: number;
  private readonly hourChunkMs: number;
  private readonly maxBufferedBytes: number;
  private readonly spaces: Record<Tier, KeySpace>;
  private readonly sealer: Sealer;
  private readonly jobs: JobInFlight[] = [];
  private nextJobId = 1;
  /** 1-minute periods (days) that got hourly pieces and may need compacting: day -> next series id. */
  private readonly compactQueue = new Map<number, number>();
  /** Shared blocks of committed seal jobs, kept for the next jobs. */
  private readonly spareBlocks: SharedArrayBuffer[] = [];

  /** Start of the raw period the newest tick is in; samples before it are cut into seal jobs. */
  private openPeriodStart = -Infinity;
  private newestT = -Infinity;
  private referenceNow = -Infinity;
  private pending: PendingTick[] = [];
  private nextProvisionalLayout = -1;
  private pendingBytes = 0;
  private retryAt = 0;
  private retryDelay = RETRY_MIN_MS;
  /** Why the last write failed, for the status message. */
  private writeFailure = '';
  /** Ticks refused since writes failed because the memory buffer was full, and the first one's time. */
  private refusedTicks = 0;
  private firstRefusedT = 0;
  private storageStatus: StorageStatus = {
    state: 'ok',
    message: null,
    since: null,
    bufferedTicks: 0,
    droppedSamples: 0,
    outOfOrderSamples: 0,
    corruptChunks: 0,
  };

  constructor(
    private readonly db: Db,
    private readonly options: TsdbOptions,
  ) {
    this.rawChunkMs = options.rawChunkMs ?? HOUR;
    this.hourChunkMs = options.hourChunkMs ?? 7 * 24 * HOUR;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.spaces = keySpaces(this.rawChunkMs, this.hourChunkMs);
    this.sealer = createSealer(options.sealInWorker !== false);
    const chunkStatements = (table: string) => ({
      [`insert_${table}`]: db.prepare(`INSERT INTO ${table} (id, start_t, n, data) VALUES (?, ?, ?, ?)`),
      // The highest key in a series' period: one index seek from the top of the range.
      [`lastSplit_${table}`]: db.prepare(`SELECT id FROM ${table} WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT 1`).pluck(),
      [`pieces_${table}`]: db.prepare(`SELECT id, start_t, data FROM ${table} WHERE id >= ? AND id < ? ORDER BY id`).raw(),
      [`deleteRange_${table}`]: db.prepare(`DELETE FROM ${table} WHERE id >= ? AND id < ?`),
      [`period_${table}`]: db.prepare(`SELECT start_t, data FROM ${table} WHERE id >= ? AND id < ? ORDER BY id`).raw(),
      [`expire_${table}`]: db.prepare(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE id < ? ORDER BY id LIMIT ?)`),
      [`stats_${table}`]: db.prepare(`SELECT count(*), coalesce(sum(n), 0), min(start_t), max(start_t) FROM ${table}`).raw(),
    });
    this.stmt = {
      insertSeries: db.prepare('INSERT INTO series (node_id, metric, device) VALUES (?, ?, ?) ON CONFLICT DO NOTHING'),
      selectSeries: db.prepare('SELECT id FROM series WHERE node_id = ? AND metric = ? AND device = ?').pluck(),
      allSeries: db.prepare('SELECT id, node_id, metric, device FROM series'),
      insertLayout: db.prepare('INSERT INTO layouts (series_ids) VALUES (?) ON CONFLICT DO NOTHING'),
      selectLayout: db.prepare('SELECT id FROM layouts WHERE series_ids = ?').pluck(),
      allLayouts: db.prepare('SELECT id, series_ids FROM layouts'),
      insertHead: db.prepare('INSERT INTO head (t, layout_id, vals) VALUES (?, ?, ?)'),
      deleteHeadBefore: db.prepare('DELETE FROM head WHERE t < ?'),
      allHead: db.prepare('SELECT t, layout_id, vals FROM head ORDER BY t, id').raw(),
      upsertHour: db.prepare(
        'INSERT OR REPLACE INTO head_1h (series_id, t, min, max, sum, count, last) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      deleteHoursBefore: db.prepare('DELETE FROM head_1h WHERE series_id = ? AND t < ?'),
      allHours: db.prepare('SELECT series_id, t, min, max, sum, count, last FROM head_1h ORDER BY series_id, t').raw(),
      hoursStats: db.prepare('SELECT count(*), min(t), max(t) FROM head_1h').raw(),
      newestRawKeyBefore: db.prepare('SELECT max(id) FROM chunks_raw WHERE id < ?').pluck(),
      rawChunksFrom: db.prepare('SELECT id, start_t, data FROM chunks_raw WHERE id >= ? AND id < ? ORDER BY id DESC').raw(),
      ...chunkStatements('chunks_raw'),
      ...chunkStatements('chunks_1m'),
      ...chunkStatements('chunks_1h'),
    };
    this.load();
  }

  // ---------------------------------------------------------------- identity

  private registerState(id: number, key: SeriesKey): SeriesState {
    const state: SeriesState = { id, key, buffer: new OpenBuffer(Math.ceil(this.rawChunkMs / this.options.intervalMs)), lastT: -Infinity, lastV: Number.NaN, hours: new RollupPoints(), sealing: [] };
    this.states[id] = state;
    this.idsByKey.set(`${key.nodeId}\u0000${key.metric}\u0000${key.device}`, id);
    const nodeMetric = `${key.nodeId}\u0000${key.metric}`;
    const list = this.idsByNodeMetric.get(nodeMetric);
    if (list) list.push(id);
    else this.idsByNodeMetric.set(nodeMetric, [id]);
    return state;
  }

  /** The id of a series, created on first use. */
  seriesId(nodeId: string, metric: string, device: string): number {
    const known = this.idsByKey.get(`${nodeId}\u0000${metric}\u0000${device}`);
    if (known !== undefined) return known;
    this.stmt.insertSeries!.run(nodeId, metric, device);
    const id = this.stmt.selectSeries!.get(nodeId, metric, device) as number;
    this.registerState(id, { nodeId, metric, device });
    return id;
  }

  /** Whether the series exists already (seriesId would not create it). */
  hasSeries(nodeId: string, metric: string, device: string): boolean {
    return this.idsByKey.has(`${nodeId}\u0000${metric}\u0000${device}`);
  }

  /** Every series of one metric on one node, ordered by device. */
  seriesOf(nodeId: string, metric: string): Array<{ id: number; device: string }> {
    return (this.idsByNodeMetric.get(`${nodeId}\u0000${metric}`) ?? [])
      .map((id) => ({ id, device: this.states[id]!.key.device }))
      .sort((a, b) => a.device.localeCompare(b.device));
  }

  private static hashIds(ids: ArrayLike<number>): number {
    let hash = 0x811c9dc5;
    for (let i = 0; i < ids.length; i += 1) hash = Math.imul(hash ^ ids[i]!, 0x01000193);
    return hash >>> 0;
  }

  private rememberLayout(id: number, ids: Int32Array): void {
    this.layouts.set(id, ids);
    const hash = Tsdb.hashIds(ids);
    const list = this.layoutsByHash.get(hash);
    if (list) list.push(id);
    else this.layoutsByHash.set(hash, [id]);
  }

  private replaceLayoutId(provisional: number, saved: number): void {
    const ids = this.layouts.get(provisional);
    if (!ids) return;
    this.layouts.delete(provisional);
    const list = this.layoutsByHash.get(Tsdb.hashIds(ids));
    if (list) list.splice(list.indexOf(provisional), 1);
    if (!this.layouts.has(saved)) this.rememberLayout(saved, ids);
  }

  /** The stored id of this series order (hash lookup, then an exact comparison). */
  private layoutId(ids: ArrayLike<number>): number {
    for (const id of this.layoutsByHash.get(Tsdb.hashIds(ids)) ?? []) {
      const known = this.layouts.get(id)!;
      if (known.length !== ids.length) continue;
      let same = true;
      for (let i = 0; i < known.length && same; i += 1) same = known[i] === ids[i];
      if (same) return id;
    }
    const copy = Int32Array.from(ids);
    let id: number;
    try {
      id = this.saveLayout(copy);
    } catch {
      // Cannot write now (disk full): a provisional id, saved with the tick's head row later.
      id = this.nextProvisionalLayout--;
    }
    this.rememberLayout(id, copy);
    return id;
  }

  private saveLayout(ids: Int32Array): number {
    const blob = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
    this.stmt.insertLayout!.run(blob);
    return this.stmt.selectLayout!.get(blob) as number;
  }

  // ---------------------------------------------------------------- open: replay what is durable

  private load(): void {
    for (const row of this.stmt.allSeries!.all() as Array<{ id: number; node_id: string; metric: string; device: string }>) {
      this.registerState(row.id, { nodeId: row.node_id, metric: row.metric, device: row.device });
    }
    for (const row of this.stmt.allLayouts!.all() as Array<{ id: number; series_ids: Buffer }>) {
      const ids = new Int32Array(row.series_ids.buffer.slice(row.series_ids.byteOffset, row.series_ids.byteOffset + row.series_ids.byteLength));
      this.rememberLayout(row.id, ids);
    }
    this.loadLastValues();
    for (const [seriesId, t, min, max, sum, count, last] of this.stmt.allHours!.all() as number[][]) {
      this.states[seriesId!]?.hours.add(t!, min!, max!, sum!, count!, last!);
    }
    for (const [t, layoutId, vals] of this.stmt.allHead!.all() as Array<[number, number, Buffer]>) {
      const ids = this.layouts.get(layoutId);
      if (!ids) continue;
      const values = new Float64Array(vals.buffer.slice(vals.byteOffset, vals.byteOffset + vals.byteLength));
      this.applyTick(t, ids, values);
    }
    if (this.newestT > -Infinity) {
      this.openPeriodStart = align(this.newestT, this.rawChunkMs);
      // Head rows of periods that were never sealed (a crash before the commit): seal them now.
      this.cutJob(this.openPeriodStart);
      // The last two days may have uncompacted 1-minute pieces.
      const day = align(this.newestT, this.spaces['1m'].spanMs);
      for (const d of [day - this.spaces['1m'].spanMs, day]) this.compactQueue.set(d, 0);
    }
  }

  /**
   * The last sealed value of every series, for latest() and for refusing out-of-order samples,
   * from the newest raw periods backwards. Series silent for longer than LAST_VALUE_LOOKBACK
   * periods keep no latest value (they are not "latest" any more).
   */
  private loadLastValues(): void {
    const missing = new Set(this.states.filter((s) => s !== undefined).map((s) => s.id));
    const space = this.spaces.raw;
    const span = space.spanMs;
    const newest = this.stmt.newestRawKeyBefore!.get(Number.MAX_SAFE_INTEGER) as number | null;
    let period = newest === null ? null : periodOfKey(space, newest);
    for (let step = 0; period !== null && missing.size > 0 && step < LAST_VALUE_LOOKBACK; step += 1) {
      const rows = this.stmt.rawChunksFrom!.all(periodKey(space, period), periodKey(space, period + span)) as Array<[number, number, Buffer]>;
      for (const [key, startT, data] of rows) {
        const seriesId = seriesOfKey(space, key);
        if (!missing.has(seriesId)) continue;
        missing.delete(seriesId);
        const chunk = this.decode(data, startT);
        const state = this.states[seriesId];
        if (!chunk || !state || chunk.t.length === 0) continue;
        const n = chunk.t.length;
        state.lastT = chunk.t[n - 1]!;
        state.lastV = chunk.columns[0]![n - 1]!;
        this.newestT = Math.max(this.newestT, state.lastT);
      }
      const before = this.stmt.newestRawKeyBefore!.get(periodKey(space, period)) as number | null;
      period = before === null ? null : periodOfKey(space, before);
    }
  }

  // ---------------------------------------------------------------- ingest

  /** Appends one tick to memory; returns how many samples were accepted. */
  private applyTick(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): number {
    let accepted = 0;
    for (let i = 0; i < ids.length; i += 1) {
      const state = this.states[ids[i]!];
      const value = values[i]!;
      if (!state || !Number.isFinite(value)) continue;
      if (t <= state.lastT) {
        this.storageStatus.outOfOrderSamples += 1;
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

  /**
   * Ingests one tick: `values[i]` belongs to series `ids[i]`. Durable when it returns, unless
   * the status says the store is buffering (kept in memory) or dropping (not kept: the memory
   * buffer is full). Never throws for a storage failure.
   */
  ingest(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): void {
    this.stage(t, ids, values);
    this.persist();
  }

  /**
   * Ingests several ticks in one transaction (a backfill, or a benchmark's batch): durable, as a
   * group, when it returns. Ticks must be in time order.
   */
  ingestBatch(ticks: ReadonlyArray<{ t: number; ids: ArrayLike<number>; values: ArrayLike<number> }>): void {
    for (const tick of ticks) this.stage(tick.t, tick.ids, tick.values);
    this.persist();
  }

  /** Applies a tick to memory and queues its head row; persist() writes the queue. */
  private stage(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): void {
    if (ids.length !== values.length) throw new Error('ingest: ids and values differ in length');
    if (this.storageStatus.state !== 'ok' && this.bufferedBytes() + values.length * 8 > this.maxBufferedBytes) {
      this.refuseTick(t, values);
      return;
    }
    const layoutId = this.layoutId(ids);
    this.applyTick(t, ids, values);
    const period = align(t, this.rawChunkMs);
    if (period > this.openPeriodStart) {
      this.openPeriodStart = period;
      this.cutJob(period);
    }
    // While writes fail the tick waits in memory past this call: keep a copy, as callers reuse
    // their arrays (a tick staged while writes work is copied by onWriteFailure if its write fails).
    const owned = this.storageStatus.state !== 'ok';
    this.pending.push({ t, layoutId, values: owned ? Float64Array.from(values) : values, owned });
    this.pendingBytes += values.length * 8;
  }

  /** Tries the writes that failed now, without waiting for the back-off. */
  retryWrites(): void {
    this.persist(true);
  }

  /**
   * Writes pending ticks and due seals in one transaction, or keeps them for the next try.
   * Retries back off on the wall clock (not data time) from 2 s to a minute.
   */
  private persist(force = false): void {
    const nowMs = Date.now();
    this.collectSealResults(this.sealer.poll());
    if (!force && this.storageStatus.state !== 'ok' && nowMs < this.retryAt) return;
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
            layoutId = savedLayouts.get(provisional) ?? this.saveLayout(this.layouts.get(provisional)!);
            if (!savedLayouts.has(provisional)) {
              savedLayouts.set(provisional, layoutId);
              afterCommit.push(() => this.replaceLayoutId(provisional, savedLayouts.get(provisional)!));
            }
          }
          this.stmt.insertHead!.run(tick.t, layoutId, headBytes(tick.values));
        }
        if (sealedBefore > -Infinity) this.stmt.deleteHeadBefore!.run(sealedBefore);
      })();
    } catch (error) {
      this.onWriteFailure(error, nowMs);
      return;
    }
    for (const apply of afterCommit) apply();
    for (const job of committing) {
      this.jobs.splice(this.jobs.indexOf(job), 1);
      // Its samples are in chunks now (or, for a job that failed to encode, still in head rows).
      for (const id of job.seriesIds) this.states[id]?.sealing.shift();
      this.recycleBlock(job.block);
      if (job.error) this.storageStatus.droppedSamples += job.samples;
    }
    this.pending = [];
    this.pendingBytes = 0;
    if (this.storageStatus.state !== 'ok') {
      this.storageStatus = { ...this.storageStatus, state: 'ok', message: null, since: null, bufferedTicks: 0 };
      this.retryDelay = RETRY_MIN_MS;
      this.refusedTicks = 0;
    }
  }

  /**
   * Moves every series' samples before `boundary` out of its open buffer into a new seal job.
   * They stay visible to queries (state.sealing) until the job commits.
   */
  private cutJob(boundary: number): void {
    const counts: Array<[SeriesState, number]> = [];
    let total = 0;
    for (const state of this.states) {
      if (!state || state.buffer.length === 0 || state.buffer.t[0]! >= boundary) continue;
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
    const job: SealJob = { id: this.nextJobId++, boundary, rawSpanMs: this.rawChunkMs, parts: [] };
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
      t.set(state.buffer.t.subarray(0, n));
      v.set(state.buffer.v.subarray(0, n));
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
    const hoursBySeries = new Map<number, RollupPoints>();
    for (const piece of result.pieces) {
      const state = this.states[piece.seriesId];
      if (!state) continue;
      this.insertChunk('raw', piece.period, piece.seriesId, piece.raw.startT, piece.raw.n, piece.raw.data);
      const day = align(piece.period, this.spaces['1m'].spanMs);
      this.insertChunk('1m', day, piece.seriesId, piece.minute.startT, piece.minute.n, piece.minute.data);
      if (!this.compactQueue.has(day)) afterCommit.push(() => this.compactQueue.set(day, this.compactQueue.get(day) ?? 0));
      const points = new RollupPoints();
      points.t = piece.hours.t;
      points.min = piece.hours.min;
      points.max = piece.hours.max;
      points.sum = piece.hours.sum;
      points.count = piece.hours.count;
      points.last = piece.hours.last;
      hoursBySeries.set(piece.seriesId, this.addHourPoints(piece.seriesId, hoursBySeries.get(piece.seriesId) ?? state.hours, points));
    }
    for (const [seriesId, hours] of hoursBySeries) {
      afterCommit.push(() => {
        const state = this.states[seriesId];
        if (state) state.hours = hours;
      });
    }
  }

  private onWriteFailure(error: unknown, nowMs: number): void {
    // The ticks wait in memory now: keep copies, the callers will reuse their arrays.
    for (const tick of this.pending) {
      if (!tick.owned) {
        tick.values = Float64Array.from(tick.values);
        tick.owned = true;
      }
    }
    this.writeFailure = describeWriteFailure(error);
    if (this.storageStatus.state === 'ok') {
      this.storageStatus = { ...this.storageStatus, state: 'buffering', since: nowMs };
    }
    this.storageStatus.message = this.failureMessage();
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
  private refuseTick(t: number, values: ArrayLike<number>): void {
    if (this.refusedTicks === 0) this.firstRefusedT = t;
    this.refusedTicks += 1;
    for (let i = 0; i < values.length; i += 1) if (Number.isFinite(values[i]!)) this.storageStatus.droppedSamples += 1;
    this.storageStatus.state = 'dropping';
    this.storageStatus.message = this.failureMessage();
  }

  private failureMessage(): string {
    const problem = `cannot write telemetry: ${this.writeFailure}`;
    if (this.refusedTicks === 0) return `${problem}; keeping new data in memory and retrying`;
    const cap = `${Math.round(this.maxBufferedBytes / 1024 / 1024)} MiB`;
    const ticks = `${this.refusedTicks} ${this.refusedTicks === 1 ? 'tick' : 'ticks'}`;
    return `${problem}; the memory buffer (${cap}) is full: ${ticks} not stored since ${new Date(this.firstRefusedT).toISOString()}; retrying`;
  }

  /**
   * Inserts a chunk under its key; a series' further chunk of one period gets the split after
   * the highest one there. Not the count of chunks: splits need not be dense (migration 0002
   * numbers a day's 1-minute pieces by hour of day, so pieces 8..11 may exist without 0..7).
   */
  private insertChunk(tier: Tier, period: number, seriesId: number, startT: number, n: number, data: Uint8Array): void {
    const table = this.tierTable(tier);
    const space = this.spaces[tier];
    const first = chunkKey(space, period, seriesId, 0);
    const last = this.stmt[`lastSplit_${table}`]!.get(first, first + maxSplits(space)) as number | undefined;
    const split = last === undefined ? 0 : last - first + 1;
    if (split >= maxSplits(space)) throw new Error(`more than ${maxSplits(space)} chunks for one series in one ${tier} period`);
    this.stmt[`insert_${table}`]!.run(first + split, startT, n, data);
  }

  /** Adds hourly points to a copy of the open 1-hour chunk, sealing it when its span is over. */
  private addHourPoints(seriesId: number, current: RollupPoints, points: RollupPoints): RollupPoints {
    let hours = current;
    for (let i = 0; i < points.length; i += 1) {
      const t = points.t[i]!;
      if (hours.length > 0 && align(t, this.hourChunkMs) > align(hours.t[0]!, this.hourChunkMs)) {
        this.insertChunk('1h', align(hours.t[0]!, this.hourChunkMs), seriesId, hours.t[0]!, hours.length, encodeChunk(hours.times(), hours.columns(), hours.length, hours.t[0]!));
        this.stmt.deleteHoursBefore!.run(seriesId, align(t, this.hourChunkMs));
        hours = new RollupPoints();
      }
      if (hours === current) hours = copyPoints(current);
      hours.add(t, points.min[i]!, points.max[i]!, points.sum[i]!, points.count[i]!, points.last[i]!);
      const k = hours.length - 1;
      this.stmt.upsertHour!.run(seriesId, t, hours.min[k]!, hours.max[k]!, hours.sum[k]!, hours.count[k]!, hours.last[k]!);
    }
    return hours;
  }

  /** Seals everything in memory now and waits for it (before measuring size, or a planned shutdown). */
  flush(): void {
    if (this.newestT === -Infinity) return;
    this.cutJob(this.newestT + 1);
    this.collectSealResults(this.sealer.waitAll());
    this.persist(true);
  }

  /** Stops the seal worker; call when closing the database. */
  close(): void {
    this.sealer.close();
  }

  status(): StorageStatus {
    return { ...this.storageStatus, bufferedTicks: this.pending.length };
  }

  // ---------------------------------------------------------------- queries

  /** The newest sample of each series (null for a series without data). */
  latest(ids: readonly number[]): Array<{ t: number; v: number } | null> {
    return ids.map((id) => {
      const state = this.states[id];
      return state && state.lastT > -Infinity ? { t: state.lastT, v: state.lastV } : null;
    });
  }

  private tierCovers(tier: Tier, fromMs: number): boolean {
    const reference = Math.max(this.newestT, this.referenceNow);
    const { rawMs, minuteMs, hourMs } = this.options.retention;
    const keep = tier === 'raw' ? rawMs : tier === '1m' ? minuteMs : hourMs;
    return fromMs >= reference - keep;
  }

  /**
   * The coarsest tier that is still at least as fine as the wanted step (fewest points to read
   * for the same chart), among those whose retention covers fromMs; raw when no rollup is fine
   * enough.
   */
  pickTier(fromMs: number, stepMs: number): Tier {
    const coarseFirst: Array<[Tier, number]> = [
      ['1h', ROLLUP_RESOLUTION_MS['1h']],
      ['1m', ROLLUP_RESOLUTION_MS['1m']],
      ['raw', this.options.intervalMs],
    ];
    for (const [tier, resolution] of coarseFirst) {
      if ((resolution <= stepMs || tier === 'raw') && this.tierCovers(tier, fromMs)) return tier;
    }
    // Nothing fine enough reaches back that far: the finest tier that does.
    for (const [tier] of [...coarseFirst].reverse()) if (this.tierCovers(tier, fromMs)) return tier;
    return '1h';
  }

  range(seriesId: number, fromMs: number, toMs: number, maxPoints: number): RangeResult {
    const state = this.states[seriesId];
    const wantedStep = (toMs - fromMs) / maxPoints;
    const tier = this.pickTier(fromMs, wantedStep);
    if (!state) return { tier, stepMs: this.options.intervalMs, t: [], v: [], min: null, max: null };
    if (tier === 'raw') return this.rangeRaw(state, fromMs, toMs, maxPoints, wantedStep);
    return this.rangeRollup(state, tier, fromMs, toMs, wantedStep);
  }

  /** A series' chunks of the periods that overlap [fromMs, toMs]: one rowid range per period. */
  private chunkRows(tier: Tier, seriesId: number, fromMs: number, toMs: number): Array<[number, Buffer]> {
    const statement = this.stmt[`period_${this.tierTable(tier)}`]!;
    const space = this.spaces[tier];
    const rows: Array<[number, Buffer]> = [];
    for (let period = align(fromMs, space.spanMs); period <= toMs; period += space.spanMs) {
      const first = chunkKey(space, period, seriesId, 0);
      for (const row of statement.all(first, first + maxSplits(space)) as Array<[number, Buffer]>) rows.push(row);
    }
    return rows;
  }

  private rangeRaw(state: SeriesState, fromMs: number, toMs: number, maxPoints: number, wantedStep: number): RangeResult {
    const t: number[] = [];
    const v: number[] = [];
    for (const [startT, data] of this.chunkRows('raw', state.id, fromMs, toMs)) {
      const chunk = this.decode(data, startT);
      if (!chunk) continue;
      const values = chunk.columns[0]!;
      for (let i = 0; i < chunk.t.length; i += 1) {
        const ts = chunk.t[i]!;
        if (ts >= fromMs && ts <= toMs) {
          t.push(ts);
          v.push(values[i]!);
        }
      }
    }
    for (const sealing of [...state.sealing, state.buffer]) {
      const length = sealing instanceof OpenBuffer ? sealing.length : sealing.t.length;
      for (let i = lowerBound(sealing.t, length, fromMs); i < length && sealing.t[i]! <= toMs; i += 1) {
        t.push(sealing.t[i]!);
        v.push(sealing.v[i]!);
      }
    }
    const interval = this.options.intervalMs;
    if (t.length <= maxPoints) return { tier: 'raw', stepMs: interval, t, v, min: null, max: null };
    const bucketMs = bucketStepMs(interval, wantedStep);
    const out: RangeResult = { tier: 'raw', stepMs: bucketMs, t: [], v: [], min: [], max: [] };
    let i = 0;
    while (i < t.length) {
      const bucket = align(t[i]!, bucketMs);
      let sum = 0;
      let n = 0;
      let lo = Infinity;
      let hi = -Infinity;
      while (i < t.length && t[i]! < bucket + bucketMs) {
        const x = v[i]!;
        sum += x;
        n += 1;
        if (x < lo) lo = x;
        if (x > hi) hi = x;
        i += 1;
      }
      out.t.push(bucket);
      out.v.push(sum / n);
      out.min!.push(lo);
      out.max!.push(hi);
    }
    return out;
  }

  private rangeRollup(state: SeriesState, tier: Exclude<Tier, 'raw'>, fromMs: number, toMs: number, wantedStep: number): RangeResult {
    const resolution = ROLLUP_RESOLUTION_MS[tier];
    const bucketMs = bucketStepMs(resolution, wantedStep);
    // bucket start -> [min, max, sum, count]; sources may overlap a bucket (a split hour).
    const buckets = new Map<number, [number, number, number, number]>();
    const add = (t: ArrayLike<number>, columns: ArrayLike<number>[], length: number) => {
      const [min, max, sum, count] = columns as [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>, ArrayLike<number>];
      for (let i = 0; i < length; i += 1) {
        const ts = t[i]!;
        if (ts + resolution <= fromMs || ts > toMs) continue;
        const key = align(ts, bucketMs);
        const seen = buckets.get(key);
        if (seen) {
          if (min[i]! < seen[0]) seen[0] = min[i]!;
          if (max[i]! > seen[1]) seen[1] = max[i]!;
          seen[2] += sum[i]!;
          seen[3] += count[i]!;
        } else buckets.set(key, [min[i]!, max[i]!, sum[i]!, count[i]!]);
      }
    };
    for (const [startT, data] of this.chunkRows(tier, state.id, fromMs, toMs)) {
      const chunk = this.decode(data, startT);
      if (chunk) add(chunk.t, chunk.columns, chunk.t.length);
    }
    if (tier === '1h') add(state.hours.t, [state.hours.min, state.hours.max, state.hours.sum, state.hours.count], state.hours.length);
    // What is not committed yet (being sealed, or still open) is rolled up on the fly.
    for (const sealing of [...state.sealing, state.buffer]) {
      const length = sealing instanceof OpenBuffer ? sealing.length : sealing.t.length;
      const start = lowerBound(sealing.t, length, align(fromMs, resolution));
      const end = lowerBound(sealing.t, length, toMs + 1);
      if (end > start) {
        const open = rollUp(sealing.t.subarray(start, end), sealing.v.subarray(start, end), end - start, resolution);
        add(open.t, [open.min, open.max, open.sum, open.count], open.length);
      }
    }
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    const out: RangeResult = { tier, stepMs: bucketMs, t: keys, v: [], min: [], max: [] };
    for (const key of keys) {
      const [lo, hi, sum, count] = buckets.get(key)!;
      out.v.push(sum / count);
      out.min!.push(lo);
      out.max!.push(hi);
    }
    return out;
  }

  /** Decodes a stored chunk; a damaged one is skipped and counted, never fatal to a query. */
  private decode(data: Buffer, startT: number): DecodedChunk | null {
    try {
      return decodeChunk(data, startT);
    } catch {
      this.storageStatus.corruptChunks += 1;
      return null;
    }
  }

  // ---------------------------------------------------------------- maintenance

  private tierTable(tier: Tier): string {
    return tier === 'raw' ? 'chunks_raw' : tier === '1m' ? 'chunks_1m' : 'chunks_1h';
  }

  /** Deletes up to `limit` of the oldest chunks of a tier whose period ended by `cutoffMs`. */
  private deleteOldest(tier: Tier, cutoffMs: number, limit: number): number {
    const space = this.spaces[tier];
    const span = space.spanMs;
    // Periods starting at or before cutoff - span have ended; their keys are below the next one's.
    const firstKept = periodKey(space, align(cutoffMs - span, span) + span);
    return this.stmt[`expire_${this.tierTable(tier)}`]!.run(firstKept, limit).changes;
  }

  private sizeBytes(): { used: number; free: number; pageSize: number } {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return { used: (pages - free) * pageSize, free, pageSize };
  }

  /**
   * One small step of retention, the disk cap and space reclaiming; meant to run once per tick
   * so that none of it ever blocks collection for long.
   */
  maintain(nowMs: number, budget = 64): void {
    this.referenceNow = Math.max(this.referenceNow, nowMs);
    if (this.storageStatus.state !== 'ok') {
      // Writes are failing: try the pending ones again (after the back-off), do nothing else.
      this.persist();
      return;
    }
    try {
      this.db.transaction(() => {
        const { rawMs, minuteMs, hourMs } = this.options.retention;
        let left = budget;
        left -= this.deleteOldest('raw', nowMs - rawMs, left);
        if (left > 0) left -= this.deleteOldest('1m', nowMs - minuteMs, left);
        if (left > 0) left -= this.deleteOldest('1h', nowMs - hourMs, left);
        if (left > 0 && this.options.maxDiskBytes !== null && this.sizeBytes().used > this.options.maxDiskBytes) {
          this.shrinkToCap(nowMs, left);
        }
        this.compactStep(budget * 4);
      })();
      const { free } = this.sizeBytes();
      // Give free pages back to the file system a little at a time (auto_vacuum = INCREMENTAL).
      if (free > 256) this.db.pragma(`incremental_vacuum(${Math.min(free, 1024)})`);
    } catch (error) {
      this.onWriteFailure(error, Date.now());
    }
  }

  /** Whether finished days still have 1-minute pieces to merge (maintain() does it). */
  hasCompactionWork(): boolean {
    const openDay = align(this.openPeriodStart, this.spaces['1m'].spanMs);
    return [...this.compactQueue.keys()].some((day) => day < openDay);
  }

  /**
   * Merges the hourly 1-minute pieces of a finished day into one chunk, for up to `limit` series
   * per call: a week of 1-minute data is then 7 reads instead of 168, and compresses better.
   */
  private compactStep(limit: number): void {
    // A seal still out may hold the last hour of a finished day: merge once it has landed, or
    // that hour's piece would stay apart (or the day be merged twice).
    if (this.jobs.length > 0) return;
    const space = this.spaces['1m'];
    const openDay = align(this.openPeriodStart, space.spanMs);
    for (const [day, fromSeries] of [...this.compactQueue].sort((a, b) => a[0] - b[0])) {
      if (day >= openDay) continue;
      let seriesId = fromSeries;
      for (; seriesId < this.states.length && limit > 0; seriesId += 1) {
        if (!this.states[seriesId]) continue;
        limit -= 1;
        const first = chunkKey(space, day, seriesId, 0);
        const pieces = this.stmt.pieces_chunks_1m!.all(first, first + maxSplits(space)) as Array<[number, number, Buffer]>;
        if (pieces.length < 2) continue;
        const chunks: DecodedChunk[] = [];
        let damaged = false;
        for (const [, startT, data] of pieces) {
          const chunk = this.decode(data, startT);
          if (!chunk) {
            damaged = true;
            break;
          }
          chunks.push(chunk);
        }
        // Keep this series' damaged pieces as they are and go on: the cursor still moves past it,
        // so it is not decoded again every call and later series and days still compact.
        if (damaged) continue;
        const merged = mergeMinutePieces(chunks);
        this.stmt.deleteRange_chunks_1m!.run(first, first + maxSplits(space));
        this.stmt.insert_chunks_1m!.run(first, merged.t[0]!, merged.length, encodeChunk(merged.times(), merged.columns(), merged.length, merged.t[0]!));
      }
      if (seriesId >= this.states.length) this.compactQueue.delete(day);
      else this.compactQueue.set(day, seriesId);
      if (limit <= 0) return;
    }
  }

  /**
   * Over the disk cap: give up the oldest data of the finest tier that still holds more than its
   * floor (1 day of raw, 7 days of 1-minute), so coarse history outlives fine detail.
   */
  private shrinkToCap(nowMs: number, limit: number): void {
    const floors: Array<[Tier, number]> = [
      ['raw', 24 * HOUR],
      ['1m', 7 * 24 * HOUR],
      ['1h', 0],
    ];
    for (const [tier, floor] of floors) {
      if (this.deleteOldest(tier, nowMs - floor, limit) > 0) return;
    }
  }

  tierStats(): TierStats[] {
    const bytesByTable = new Map<string, number>();
    for (const row of this.db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>) {
      bytesByTable.set(row.name, row.bytes);
    }
    const { rawMs, minuteMs, hourMs } = this.options.retention;
    const tierRow = (tier: Tier, retentionMs: number, extraTables: string[] = []): TierStats => {
      const table = this.tierTable(tier);
      const [chunks, samples, oldest, newest] = this.stmt[`stats_${table}`]!.get() as [number, number, number | null, number | null];
      const bytes = [table, ...extraTables].reduce((sum, name) => sum + (bytesByTable.get(name) ?? 0), 0);
      return { tier, bytes, chunks, samples, oldestMs: oldest, newestMs: newest, retentionMs };
    };
    const head = ['head', 'layouts'].reduce((sum, name) => sum + (bytesByTable.get(name) ?? 0), 0);
    const hour = tierRow('1h', hourMs, ['head_1h']);
    // Hourly points of the open week are not in a chunk yet, but they are stored.
    const [openPoints, openOldest, openNewest] = this.stmt.hoursStats!.get() as [number, number | null, number | null];
    hour.samples += openPoints;
    if (openOldest !== null) hour.oldestMs = hour.oldestMs === null ? openOldest : Math.min(hour.oldestMs, openOldest);
    if (openNewest !== null) hour.newestMs = hour.newestMs === null ? openNewest : Math.max(hour.newestMs, openNewest);
    return [
      tierRow('raw', rawMs),
      tierRow('1m', minuteMs),
      hour,
      {
        tier: 'head',
        bytes: head,
        chunks: 0,
        samples: this.states.reduce((n, s) => n + (s ? s.buffer.length + s.sealing.reduce((m, p) => m + p.t.length, 0) : 0), 0),
        oldestMs: null,
        newestMs: null,
        retentionMs: null,
      },
    ];
  }
}

function copyPoints(points: RollupPoints): RollupPoints {
  const copy = new RollupPoints();
  copy.t = [...points.t];
  copy.min = [...points.min];
  copy.max = [...points.max];
  copy.sum = [...points.sum];
  copy.count = [...points.count];
  copy.last = [...points.last];
  return copy;
}
