import type { Migration } from './types';

/**
 * Compliance audits: each run (the policy's id, version and file hash, when, which nodes, the
 * scores), every check's result on every node with its evidence and the evidence's SHA-256, and
 * the user's approvals of imported policy files (pinned by the file's SHA-256). Frozen once shipped.
 */
export const migration0007: Migration = {
  version: 7,
  name: 'audits',
  up(db) {
    db.exec(`
      CREATE TABLE audit_runs (
        id INTEGER PRIMARY KEY,
        policy_id TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        policy_sha256 TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        ended_ms INTEGER NOT NULL,
        -- JSON array of {nodeId, audited, error, hostKey}.
        nodes TEXT NOT NULL,
        -- JSON: per policy, node and framework.
        scores TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_runs_by_policy ON audit_runs (policy_id, started_ms);

      CREATE TABLE audit_results (
        run_id INTEGER NOT NULL REFERENCES audit_runs (id) ON DELETE CASCADE,
        node_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error', 'not-applicable', 'manual')),
        detail TEXT NOT NULL,
        severity TEXT NOT NULL,
        evidence TEXT NOT NULL,
        evidence_sha256 TEXT NOT NULL,
        PRIMARY KEY (run_id, node_id, check_id)
      ) STRICT;
      CREATE INDEX audit_results_by_check ON audit_results (check_id, node_id);

      CREATE TABLE policy_approvals (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        approved_by TEXT NOT NULL,
        at_ms INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX policy_approvals_by_path ON policy_approvals (path, at_ms);
    `);
  },
};
