import type { Migration } from './types';

/** The SSH inventory: one row per node, its settings as validated JSON. */
export const migration0003: Migration = {
  version: 3,
  name: 'inventory',
  up(db) {
    db.exec(`
      CREATE TABLE ssh_nodes (
        id TEXT PRIMARY KEY,
        spec TEXT NOT NULL,
        added_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
