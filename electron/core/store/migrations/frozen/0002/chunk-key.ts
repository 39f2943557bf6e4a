/*
 * FROZEN COPY for migration 0002: electron/core/store/tsdb/chunk-key.ts as of commit 9afe871.
 * Never change this file. A migration must do forever what it did when it shipped, whatever the
 * live engine's code becomes; test/unit/store/migrations/frozen-0002.test.ts shows when the live
 * code has drifted from it (the engine must still read what this wrote).
 */
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
 * How each tier's chunks are keyed (raw, 1-minute, 1-hour); the engine and migration 0002, which
 * converts old data, use the same.
 */
export function keySpaces(rawChunkMs = 3_600_000, hourChunkMs = 7 * 24 * 3_600_000): Record<'raw' | '1m' | '1h', KeySpace> {
  return {
    raw: { spanMs: rawChunkMs, splitBits: 3 },
    // One hourly piece per raw period until the day is compacted into one chunk.
    '1m': { spanMs: Math.min(24 * 3_600_000, rawChunkMs * 24), splitBits: 6 },
    '1h': { spanMs: hourChunkMs, splitBits: 3 },
  };
}

export function chunkKey(space: KeySpace, periodStartMs: number, seriesId: number, split: number): number {
  if (seriesId > MAX_SERIES_ID) throw new Error(`series id ${seriesId} is beyond the chunk key range`);
  return (Math.floor(periodStartMs / space.spanMs) * 2 ** SERIES_BITS + seriesId) * 2 ** space.splitBits + split;
}
