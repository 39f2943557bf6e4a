/**
 * A chunk's rowid: period number, series id and split packed into one integer, so that the
 * rows of one seal (same period, ascending series ids) are appended in rowid order.
 *
 *   key = ((period / span) * 2^SERIES_BITS + seriesId) * 2^SPLIT_BITS + split
 *
 * `split` numbers the chunks of one series in one period (normally just 0; a flush in the middle
 * of an hour leaves two). Epoch hours in 2100 are about 1.1 million, so keys stay far below
 * 2^53 and are exact JavaScript numbers.
 */
const SERIES_BITS = 24;
const SPLIT_BITS = 3;
export const MAX_SERIES_ID = 2 ** SERIES_BITS - 1;
export const MAX_SPLITS = 2 ** SPLIT_BITS;

export function chunkKey(periodStartMs: number, spanMs: number, seriesId: number, split: number): number {
  if (seriesId > MAX_SERIES_ID) throw new Error(`series id ${seriesId} is beyond the chunk key range`);
  return (Math.floor(periodStartMs / spanMs) * 2 ** SERIES_BITS + seriesId) * 2 ** SPLIT_BITS + split;
}

/** First key of a period (all series), for range deletes. */
export function periodKey(periodStartMs: number, spanMs: number): number {
  return chunkKey(periodStartMs, spanMs, 0, 0);
}

/** The period start a key belongs to. */
export function periodOfKey(key: number, spanMs: number): number {
  return Math.floor(key / 2 ** (SERIES_BITS + SPLIT_BITS)) * spanMs;
}

/** The series a key belongs to. */
export function seriesOfKey(key: number): number {
  return Math.floor(key / 2 ** SPLIT_BITS) % 2 ** SERIES_BITS;
}
