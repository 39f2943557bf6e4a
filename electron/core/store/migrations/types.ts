import type { Database } from 'better-sqlite3';

/** One schema step. Versions are consecutive from 1; `up` runs inside a transaction. */
export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}
