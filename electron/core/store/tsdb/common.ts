/**
 * What every part of the engine shares: its options and types, the in-memory state of a series,
 * and small helpers. The parts: series-index.ts (series and tick layouts), head.ts (ticks not
 * sealed yet: stage and replay), writer.ts (persist, cut, commit, the memory buffer and the
 * storage status), querier.ts and maintenance.ts (retention, compaction, disk cap); tsdb.ts
 * puts them together behind one class.
 */
import type { StorageStatus, StorageStats } from '../../../../shared/contract';
import { keySpaces, type KeySpace } from './chunk-key';
import { decodeChunk, type DecodedChunk } from './codec';
import type { OpenBuffer } from './open-buffer';

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

export type TierStats = StorageStats['tiers'][number];
export type { StorageStatus };

/** The counters of the storage status that the parts other than the writer add to. */
export type StatusCounters = Pick<StorageStatus, 'outOfOrderSamples' | 'corruptChunks'>;

export interface SeriesState {
  id: number;
  key: SeriesKey;
  buffer: OpenBuffer;
  lastT: number;
  lastV: number;
  /**
   * The time of the first hourly point of the open 1-hour chunk (a week), or null. The points
   * themselves are in head_1h only (a second piece of an hour merges there, in SQL).
   */
  openWeekFirstT: number | null;
  /** Samples handed to seal jobs that are not committed yet (oldest first), still queryable. */
  sealing: Array<{ t: Float64Array; v: Float64Array }>;
}

export const HOUR = 3_600_000;
const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** The options with their defaults, and the chunk key spaces they give. */
export interface EngineConfig {
  intervalMs: number;
  retention: TierRetention;
  maxDiskBytes: number | null;
  rawChunkMs: number;
  hourChunkMs: number;
  maxBufferedBytes: number;
  spaces: Record<Tier, KeySpace>;
}

export function engineConfig(options: TsdbOptions): EngineConfig {
  const rawChunkMs = options.rawChunkMs ?? HOUR;
  const hourChunkMs = options.hourChunkMs ?? 7 * 24 * HOUR;
  return {
    intervalMs: options.intervalMs,
    retention: options.retention,
    maxDiskBytes: options.maxDiskBytes,
    rawChunkMs,
    hourChunkMs,
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    spaces: keySpaces(rawChunkMs, hourChunkMs),
  };
}

export function align(t: number, span: number): number {
  return Math.floor(t / span) * span;
}

/** Index of the first time at or after `at` in the first `length` entries of a sorted array. */
export function lowerBound(times: Float64Array, length: number, at: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Decodes a stored chunk; a damaged one is skipped and counted, never fatal to a query. */
export function decodeStored(data: Buffer, startT: number, counters: StatusCounters): DecodedChunk | null {
  try {
    return decodeChunk(data, startT);
  } catch {
    counters.corruptChunks += 1;
    return null;
  }
}
