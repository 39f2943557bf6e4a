/**
 * Maintenance, one small step per tick so that none of it blocks collection for long: retention
 * per tier, the disk cap (raw detail goes before coarse history), compaction of a finished day's
 * hourly 1-minute pieces into one chunk, and giving free pages back. Also the per-tier figures.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { chunkKey, maxSplits, periodKey } from './chunk-key';
import { encodeChunk, type DecodedChunk } from './codec';
import { align, decodeStored, HOUR, type EngineConfig, type StatusCounters, type Tier, type TierStats } from './common';
import type { Head } from './head';
import { RollupPoints } from './rollup';
import type { SeriesIndex } from './series-index';
import { CHUNK_TABLES, perTier, type InsertChunk, type KeyRange } from './statements';
import type { Writer } from './writer';

type PieceRow = [id: number, startT: number, data: Buffer];
type TableStatsRow = [chunks: number, samples: number, oldest: number | null, newest: number | null];
type OpenHoursRow = [points: number, oldest: number | null, newest: number | null];

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

export class Maintenance {
  /** Deletes up to `limit` chunks with keys below a key, oldest first. */
  private readonly expire: Record<Tier, Statement<[firstKept: number, limit: number]>>;
  private readonly tableStats: Record<Tier, Statement<[], TableStatsRow>>;
  private readonly minutePieces: Statement<KeyRange, PieceRow>;
  private readonly deleteMinutePieces: Statement<KeyRange>;
  private readonly insertMinuteChunk: InsertChunk;
  private readonly openHoursStats: Statement<[], OpenHoursRow>;

  constructor(
    private readonly db: Db,
    private readonly config: EngineConfig,
    private readonly index: SeriesIndex,
    private readonly head: Head,
    private readonly writer: Writer,
    /** 1-minute periods (days) that got hourly pieces and may need compacting: day -> next series id. */
    private readonly compactQueue: Map<number, number>,
    private readonly counters: StatusCounters,
  ) {
    this.expire = perTier((table) =>
      db.prepare<[firstKept: number, limit: number]>(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE id < ? ORDER BY id LIMIT ?)`),
    );
    this.tableStats = perTier((table) => db.prepare<[], TableStatsRow>(`SELECT count(*), coalesce(sum(n), 0), min(start_t), max(start_t) FROM ${table}`).raw());
    this.minutePieces = db.prepare<KeyRange, PieceRow>('SELECT id, start_t, data FROM chunks_1m WHERE id >= ? AND id < ? ORDER BY id').raw();
    this.deleteMinutePieces = db.prepare('DELETE FROM chunks_1m WHERE id >= ? AND id < ?');
    this.insertMinuteChunk = db.prepare('INSERT INTO chunks_1m (id, start_t, n, data) VALUES (?, ?, ?, ?)');
    this.openHoursStats = db.prepare<[], OpenHoursRow>('SELECT count(*), min(t), max(t) FROM head_1h').raw();
  }

  /**
   * One small step of retention, the disk cap and space reclaiming; meant to run once per tick
   * so that none of it ever blocks collection for long.
   */
  maintain(nowMs: number, budget: number): void {
    this.head.referenceNow = Math.max(this.head.referenceNow, nowMs);
    if (!this.writer.writing) {
      // Writes are failing: try the pending ones again (after the back-off), do nothing else.
      this.writer.persist();
      return;
    }
    try {
      this.db.transaction(() => {
        const { rawMs, minuteMs, hourMs } = this.config.retention;
        let left = budget;
        left -= this.deleteOldest('raw', nowMs - rawMs, left);
        if (left > 0) left -= this.deleteOldest('1m', nowMs - minuteMs, left);
        if (left > 0) left -= this.deleteOldest('1h', nowMs - hourMs, left);
        if (left > 0 && this.config.maxDiskBytes !== null && this.sizeBytes().used > this.config.maxDiskBytes) {
          this.shrinkToCap(nowMs, left);
        }
        this.compactStep(budget * 4);
      })();
      const { free } = this.sizeBytes();
      // Give free pages back to the file system a little at a time (auto_vacuum = INCREMENTAL).
      if (free > 256) this.db.pragma(`incremental_vacuum(${Math.min(free, 1024)})`);
    } catch (error) {
      this.writer.onWriteFailure(error, Date.now());
    }
  }

  /** Deletes up to `limit` of the oldest chunks of a tier whose period ended by `cutoffMs`. */
  private deleteOldest(tier: Tier, cutoffMs: number, limit: number): number {
    const space = this.config.spaces[tier];
    const span = space.spanMs;
    // Periods starting at or before cutoff - span have ended; their keys are below the next one's.
    const firstKept = periodKey(space, align(cutoffMs - span, span) + span);
    return this.expire[tier].run(firstKept, limit).changes;
  }

  private sizeBytes(): { used: number; free: number; pageSize: number } {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const free = this.db.pragma('freelist_count', { simple: true }) as number;
    return { used: (pages - free) * pageSize, free, pageSize };
  }

  /** Whether finished days still have 1-minute pieces to merge (maintain() does it). */
  hasCompactionWork(): boolean {
    const openDay = align(this.head.openPeriodStart, this.config.spaces['1m'].spanMs);
    return [...this.compactQueue.keys()].some((day) => day < openDay);
  }

  /**
   * Merges the hourly 1-minute pieces of a finished day into one chunk, for up to `limit` series
   * per call: a week of 1-minute data is then 7 reads instead of 168, and compresses better.
   */
  private compactStep(limit: number): void {
    // A seal still out may hold the last hour of a finished day: merge once it has landed, or
    // that hour's piece would stay apart (or the day be merged twice).
    if (this.writer.sealsOut) return;
    const { states } = this.index;
    const space = this.config.spaces['1m'];
    const openDay = align(this.head.openPeriodStart, space.spanMs);
    for (const [day, fromSeries] of [...this.compactQueue].sort((a, b) => a[0] - b[0])) {
      if (day >= openDay) continue;
      let seriesId = fromSeries;
      for (; seriesId < states.length && limit > 0; seriesId += 1) {
        if (!states[seriesId]) continue;
        limit -= 1;
        const first = chunkKey(space, day, seriesId, 0);
        const pieces = this.minutePieces.all(first, first + maxSplits(space));
        if (pieces.length < 2) continue;
        const chunks: DecodedChunk[] = [];
        let damaged = false;
        for (const [, startT, data] of pieces) {
          const chunk = decodeStored(data, startT, this.counters);
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
        this.deleteMinutePieces.run(first, first + maxSplits(space));
        this.insertMinuteChunk.run(first, merged.t[0]!, merged.length, encodeChunk(merged.times(), merged.columns(), merged.length, merged.t[0]!));
      }
      if (seriesId >= states.length) this.compactQueue.delete(day);
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

  /** What each tier holds: bytes on disk (dbstat), chunks, samples, oldest and newest. */
  tierStats(): TierStats[] {
    const bytesByTable = new Map<string, number>();
    for (const row of this.db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as Array<{ name: string; bytes: number }>) {
      bytesByTable.set(row.name, row.bytes);
    }
    const { rawMs, minuteMs, hourMs } = this.config.retention;
    const tierRow = (tier: Tier, retentionMs: number, extraTables: string[] = []): TierStats => {
      const table = CHUNK_TABLES[tier];
      const [chunks, samples, oldest, newest] = this.tableStats[tier].get()!;
      const bytes = [table, ...extraTables].reduce((sum, name) => sum + (bytesByTable.get(name) ?? 0), 0);
      return { tier, bytes, chunks, samples, oldestMs: oldest, newestMs: newest, retentionMs };
    };
    const head = ['head', 'layouts'].reduce((sum, name) => sum + (bytesByTable.get(name) ?? 0), 0);
    const hour = tierRow('1h', hourMs, ['head_1h']);
    // Hourly points of the open week are not in a chunk yet, but they are stored.
    const [openPoints, openOldest, openNewest] = this.openHoursStats.get()!;
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
        samples: this.head.sampleCount(),
        oldestMs: null,
        newestMs: null,
        retentionMs: null,
      },
    ];
  }
}
