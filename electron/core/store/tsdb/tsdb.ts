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
import type { Database as Db } from 'better-sqlite3';
import { engineConfig, type EngineConfig, type RangeResult, type SeriesKey, type StorageStatus, type Tier, type TierStats, type TsdbOptions } from './common';
import { Head } from './head';
import { Maintenance } from './maintenance';
import { Querier } from './querier';
import { SeriesIndex } from './series-index';
import { Writer } from './writer';

export { TIERS, type RangeResult, type SeriesKey, type StorageStatus, type Tier, type TierRetention, type TierStats, type TsdbOptions } from './common';
export { mergeMinutePieces } from './maintenance';

/**
 * The engine behind one class, its parts modelled on Prometheus' TSDB: the series index, the
 * head (stage and replay), the writer (persist, cut, commit, status), the querier and
 * maintenance. They share the series states of the index and one storage status.
 */
export class Tsdb {
  private readonly config: EngineConfig;
  private readonly index: SeriesIndex;
  private readonly writer: Writer;
  private readonly head: Head;
  private readonly querier: Querier;
  private readonly maintenance: Maintenance;

  constructor(db: Db, options: TsdbOptions) {
    this.config = engineConfig(options);
    // 1-minute periods (days) that got hourly pieces and may need compacting: day -> next series id.
    const compactQueue = new Map<number, number>();
    this.index = new SeriesIndex(db);
    this.writer = new Writer(db, this.config, this.index, compactQueue, options.sealInWorker !== false);
    const counters = this.writer.status;
    this.head = new Head(db, this.config, this.index, this.writer, compactQueue, counters);
    this.querier = new Querier(db, this.config, this.index, this.head, counters);
    this.maintenance = new Maintenance(db, this.config, this.index, this.head, this.writer, compactQueue, counters);
    this.index.load();
    this.head.replay();
  }

  // ---------------------------------------------------------------- identity

  /** The id of a series, created on first use. */
  seriesId(nodeId: string, metric: string, device: string): number {
    return this.index.seriesId(nodeId, metric, device);
  }

  /** The samples of the open period held in memory, and the bytes they take there (benchmarks). */
  openBuffers(): { series: number; samples: number; bytes: number } {
    let series = 0;
    let samples = 0;
    let bytes = 0;
    for (const state of this.index.states) {
      if (!state) continue;
      series += 1;
      samples += state.buffer.length;
      bytes += state.buffer.heldBytes;
    }
    return { series, samples, bytes };
  }

  /** The ids of many series, the new ones created in one transaction (throws, creating none, when it fails). */
  seriesIds(keys: readonly SeriesKey[]): number[] {
    return this.index.seriesIds(keys);
  }

  /** The id of a series that exists, else undefined (nothing is created). */
  knownId(nodeId: string, metric: string, device: string): number | undefined {
    return this.index.knownId(nodeId, metric, device);
  }

  /** Every series of one metric on one node, ordered by device. */
  seriesOf(nodeId: string, metric: string): Array<{ id: number; device: string }> {
    return this.index.seriesOf(nodeId, metric);
  }

  // ---------------------------------------------------------------- ingest

  /**
   * Ingests one tick: `values[i]` belongs to series `ids[i]`. Durable when it returns, unless
   * the status says the store is buffering (kept in memory) or dropping (not kept: the memory
   * buffer is full). Never throws for a storage failure.
   */
  ingest(t: number, ids: ArrayLike<number>, values: ArrayLike<number>): void {
    this.head.stage(t, ids, values);
    this.writer.persist();
  }

  /**
   * Ingests several ticks in one transaction (a backfill, or a benchmark's batch): durable, as a
   * group, when it returns. Ticks must be in time order.
   */
  ingestBatch(ticks: ReadonlyArray<{ t: number; ids: ArrayLike<number>; values: ArrayLike<number> }>): void {
    for (const tick of ticks) this.head.stage(tick.t, tick.ids, tick.values);
    this.writer.persist();
  }

  /** Tries the writes that failed now, without waiting for the back-off. */
  retryWrites(): void {
    this.writer.persist(true);
  }

  /** Seals everything in memory now and waits for it (before measuring size, or a planned shutdown). */
  flush(): void {
    if (this.head.newestT === -Infinity) return;
    this.writer.sealAll(this.head.newestT + 1);
  }

  /** Stops the seal worker; call when closing the database. */
  close(): void {
    this.writer.close();
  }

  status(): StorageStatus {
    return this.writer.snapshot();
  }

  // ---------------------------------------------------------------- queries

  /** The newest sample of each series (null for a series without data). */
  latest(ids: readonly number[]): Array<{ t: number; v: number } | null> {
    return this.querier.latest(ids);
  }

  /**
   * The coarsest tier that is still at least as fine as the wanted step (fewest points to read
   * for the same chart), among those whose retention covers fromMs; raw when no rollup is fine
   * enough.
   */
  pickTier(fromMs: number, stepMs: number): Tier {
    return this.querier.pickTier(fromMs, stepMs);
  }

  range(seriesId: number, fromMs: number, toMs: number, maxPoints: number): RangeResult {
    return this.querier.range(seriesId, fromMs, toMs, maxPoints);
  }

  // ---------------------------------------------------------------- maintenance

  /**
   * One small step of retention, the disk cap and space reclaiming; meant to run once per tick
   * so that none of it ever blocks collection for long.
   */
  maintain(nowMs: number, budget = 64): void {
    this.maintenance.maintain(nowMs, budget);
  }

  /**
   * New retention, disk cap and collection interval (Settings changed them). Every part reads
   * the shared config on each use, so the next maintain() and query follow them.
   */
  setLimits(limits: Pick<EngineConfig, 'intervalMs' | 'retention' | 'maxDiskBytes'>): void {
    this.config.intervalMs = limits.intervalMs;
    this.config.retention = { ...limits.retention };
    this.config.maxDiskBytes = limits.maxDiskBytes;
  }

  /** Whether finished days still have 1-minute pieces to merge (maintain() does it). */
  hasCompactionWork(): boolean {
    return this.maintenance.hasCompactionWork();
  }

  tierStats(): TierStats[] {
    return this.maintenance.tierStats();
  }
}
