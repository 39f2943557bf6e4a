/**
 * Typed prepared statements for the chunk tables: the three tiers' tables have the same columns,
 * so a part of the engine prepares one statement per tier from the same SQL.
 */
import type { Statement } from 'better-sqlite3';
import type { Tier } from './common';

/** The chunk table of each tier. */
export const CHUNK_TABLES: Readonly<Record<Tier, string>> = { raw: 'chunks_raw', '1m': 'chunks_1m', '1h': 'chunks_1h' };

/** One statement per tier, made from its table's name; `prepare` names the statement's type. */
export function perTier<S>(prepare: (table: string) => S): Record<Tier, S> {
  return { raw: prepare(CHUNK_TABLES.raw), '1m': prepare(CHUNK_TABLES['1m']), '1h': prepare(CHUNK_TABLES['1h']) };
}

/** `(id, start_t, n, data)` of a new chunk. */
export type InsertChunk = Statement<[id: number, startT: number, n: number, data: Uint8Array]>;
/** A rowid range `[first, end)`: one series' chunks of one period, or every key before one. */
export type KeyRange = [first: number, end: number];
