import type { Migration } from './types';

/**
 * Nodes from more than one source: the SSH-only `ssh_nodes` table becomes `inventory`, each row
 * naming its source ('ssh' today; 'prometheus' next) beside its settings as validated JSON, so
 * that a node discovered from Prometheus and an SSH node of the same machine can be one node.
 * Frozen once shipped: plain SQL, nothing imported from the live code.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'inventory-sources',
  up(db) {
    db.exec(`
      CREATE TABLE inventory (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        spec TEXT NOT NULL,
        added_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL
      ) STRICT;
      INSERT INTO inventory (id, source, spec, added_ms, updated_ms)
        SELECT id, 'ssh', spec, added_ms, updated_ms FROM ssh_nodes;
      DROP TABLE ssh_nodes;
    `);
  },
};
