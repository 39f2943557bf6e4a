import type { Migration } from './types';

/**
 * Node and GPU status changes with their time (up -> unreachable, a GPU lost...), one row per
 * change, for the failures timeline. `subject` is '' for the node itself, a GPU's UUID (or
 * `index:N` where it has none) for a GPU. Frozen once shipped.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'node-events',
  up(db) {
    db.exec(`
      CREATE TABLE node_events (
        id INTEGER PRIMARY KEY,
        node_id TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL,
        previous TEXT,
        message TEXT
      ) STRICT;
      CREATE INDEX node_events_by_node_time ON node_events (node_id, at_ms);
      CREATE INDEX node_events_by_time ON node_events (at_ms);
    `);
  },
};
