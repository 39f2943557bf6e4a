/**
 * A chunk's rowid: period number, series id and split packed into one integer, so that the
 * rows of one seal (same period, ascending series ids) are appended in rowid order.
 *
 *   key = ((period / span) * 2^SERIES_BITS + seriesId) * 2^splitBits + split
 *
 * `split` numbers the chunks of one series in one period: the raw and 1-hour tiers normally have
 * one (a flush in the middle of a period leaves two), the 1-minute tier has one per hour until
 * the day is compacted into one. Epoch hours in 2100 are about 1.1 million, so keys stay far
 * below 2^53 and are exact JavaScript numbers.
 */
const SERIES_BITS = 24;
export const MAX_SERIES_ID = 2 ** SERIES_BITS - 1;

export interface KeySpace {
  /** Length of one period (a chunk never spans two). */
  spanMs: number;
  /** Bits for the split number: up to 2^splitBits chunks per series and period. */
  splitBits: number;
}

/**
 * How each tier's chunks are keyed (raw, 1-minute, 1-hour). Migration 0002, which converted old
 * data, keeps a frozen copy (migrations/frozen/0002/); the engine must go on reading its keys.
 */
export function keySpaces(rawChunkMs = 3_600_000, hourChunkMs = 7 * 24 * 3_600_000): Record<'raw' | '1m' | '1h', KeySpace> {
  return {
    raw: { spanMs: rawChunkMs, splitBits: 3 },
    // One hourly piece per raw period until the day is compacted into one chunk.
    '1m': { spanMs: Math.min(24 * 3_600_000, rawChunkMs * 24), splitBits: 6 },
    '1h': { spanMs: hourChunkMs, splitBits: 3 },
  };
}

export function maxSplits(space: KeySpace): number {
  return 2 ** space.splitBits;
}

export function chunkKey(space: KeySpace, periodStartMs: number, seriesId: number, split: number): number {
  if (seriesId > MAX_SERIES_ID) throw new Error(`series id ${seriesId} is beyond the chunk key range`);
  return (Math.floor(periodStartMs / space.spanMs) * 2 ** SERIES_BITS + seriesId) * 2 ** space.splitBits + split;
}

/** First key of a period (all series), for range deletes. */
export function periodKey(space: KeySpace, periodStartMs: number): number {
  return chunkKey(space, periodStartMs, 0, 0);
}

/** The period start a key belongs to. */
export function periodOfKey(space: KeySpace, key: number): number {
  return Math.floor(key / 2 ** (SERIES_BITS + space.splitBits)) * space.spanMs;
}

/** The series a key belongs to. */
export function seriesOfKey(space: KeySpace, key: number): number {
  return Math.floor(key / 2 ** space.splitBits) % 2 ** SERIES_BITS;
}
