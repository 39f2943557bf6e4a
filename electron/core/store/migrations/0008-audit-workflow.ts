import type { Migration } from './types';

/**
 * The auditor's workflow: attestations (manual checks answered, with attachments kept once by
 * their SHA-256), waivers (justification, approver, scope, expiry), the append-only audit log
 * whose rows are chained by hash (each row's hash covers the previous row's), and the policy
 * each run used (its checks' texts and references, so a report of an old run reads as it ran).
 * Frozen once shipped.
 */
export const migration0008: Migration = {
  version: 8,
  name: 'audit-workflow',
  up(db) {
    db.exec(`
      ALTER TABLE audit_runs ADD COLUMN policy_snapshot TEXT;

      CREATE TABLE attachments (
        sha256 TEXT PRIMARY KEY,
        bytes INTEGER NOT NULL,
        content BLOB NOT NULL,
        created_ms INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE attestations (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES audit_runs (id) ON DELETE SET NULL,
        node_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'not-applicable')),
        note TEXT NOT NULL,
        -- JSON array of {name, sha256, bytes}; the bytes are in attachments.
        attachments TEXT NOT NULL DEFAULT '[]',
        by TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX attestations_by_check ON attestations (node_id, check_id, at_ms);

      CREATE TABLE waivers (
        id INTEGER PRIMARY KEY,
        check_id TEXT NOT NULL,
        -- 'node' | 'group' | 'fleet', and the node id or group name ('' for the fleet).
        scope_kind TEXT NOT NULL CHECK (scope_kind IN ('node', 'group', 'fleet')),
        scope_value TEXT NOT NULL DEFAULT '',
        justification TEXT NOT NULL,
        approver TEXT NOT NULL,
        by TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL,
        revoked_ms INTEGER
      ) STRICT;
      CREATE INDEX waivers_by_check ON waivers (check_id, expires_ms);

      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        details TEXT NOT NULL,
        -- sha256 over the previous row's hash and this row's fields (canonical JSON).
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
    `);
  },
};
