import type { Migration } from './types';

/** Nodes, series identity and one row per raw sample. */
export const migration0001: Migration = {
  version: 1,
  name: 'initial',
  up(db) {
    db.exec(`
      CREATE TABLE nodes (
        id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        first_seen_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL,
        last_snapshot TEXT NOT NULL
      ) STRICT;
      CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        node_id TEXT NOT NULL REFERENCES nodes(id),
        metric TEXT NOT NULL,
        device TEXT NOT NULL DEFAULT '',
        UNIQUE (node_id, metric, device)
      ) STRICT;
      CREATE TABLE samples (
        series_id INTEGER NOT NULL,
        t INTEGER NOT NULL,
        v REAL NOT NULL,
        PRIMARY KEY (series_id, t)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
