/**
 * Audit runs in SQLite (tables of migration 0007): a run with its policy, times, nodes and
 * scores; every result with its evidence (JSON) and the evidence's SHA-256; and the user's
 * approvals of imported policy files. One transaction per run.
 */
import type { Database } from 'better-sqlite3';
import type { PolicyApprovals } from './approval';
import type { AuditRun, AuditScores } from './runner';
import type { CheckResult, CheckSeverity, CheckStatus, ProbeEvidence } from './types';
import { policySnapshot } from './workflow-store';

export interface StoredNode {
  nodeId: string;
  audited: boolean;
  error: string | null;
  hostKey: string | null;
}

export interface StoredResult extends CheckResult {
  severity: CheckSeverity;
}

export interface StoredRunSummary {
  id: number;
  policyId: string;
  policyVersion: string;
  policySha256: string;
  startedAt: number;
  endedAt: number;
  nodes: StoredNode[];
  scores: AuditScores;
}

export interface StoredRun extends StoredRunSummary {
  results: StoredResult[];
}

interface RunRow {
  id: number;
  policy_id: string;
  policy_version: string;
  policy_sha256: string;
  started_ms: number;
  ended_ms: number;
  nodes: string;
  scores: string;
}

interface ResultRow {
  node_id: string;
  check_id: string;
  status: CheckStatus;
  detail: string;
  severity: CheckSeverity;
  evidence: string;
  evidence_sha256: string;
}

function summary(row: RunRow): StoredRunSummary {
  return {
    id: row.id,
    policyId: row.policy_id,
    policyVersion: row.policy_version,
    policySha256: row.policy_sha256,
    startedAt: row.started_ms,
    endedAt: row.ended_ms,
    nodes: JSON.parse(row.nodes) as StoredNode[],
    scores: JSON.parse(row.scores) as AuditScores,
  };
}

export class AuditStore implements PolicyApprovals {
  constructor(private readonly db: Database) {}

  /** Stores a run, every result and the policy's checks (its snapshot); returns the run's id. */
  saveRun(run: AuditRun): number {
    const severity = new Map(run.policy.checks.map((check) => [check.id, check.severity]));
    const insertRun = this.db.prepare(
      'INSERT INTO audit_runs (policy_id, policy_version, policy_sha256, started_ms, ended_ms, nodes, scores, policy_snapshot) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const insertResult = this.db.prepare(
      'INSERT INTO audit_results (run_id, node_id, check_id, status, detail, severity, evidence, evidence_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    return this.db.transaction(() => {
      const nodes: StoredNode[] = run.nodes.map((node) => ({ nodeId: node.nodeId, audited: node.audited, error: node.error, hostKey: node.hostKey }));
      const id = Number(
        insertRun.run(
          run.policy.id,
          run.policy.version,
          run.policy.sha256,
          run.startedAt,
          run.endedAt,
          JSON.stringify(nodes),
          JSON.stringify(run.scores),
          // The checks as they were (migration 0008): a report of this run reads as it ran.
          JSON.stringify(policySnapshot(run.policy)),
        ).lastInsertRowid,
      );
      for (const node of run.nodes) {
        for (const result of node.results) {
          insertResult.run(
            id,
            result.nodeId,
            result.checkId,
            result.status,
            result.detail,
            severity.get(result.checkId) ?? 'medium',
            JSON.stringify(result.evidence),
            result.evidenceSha256,
          );
        }
      }
      return id;
    })();
  }

  getRun(id: number): StoredRun | null {
    const row = this.db.prepare('SELECT * FROM audit_runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) return null;
    const run = summary(row);
    const hostKeys = new Map(run.nodes.map((node) => [node.nodeId, node.hostKey]));
    const rows = this.db.prepare('SELECT * FROM audit_results WHERE run_id = ? ORDER BY rowid').all(id) as ResultRow[];
    const results = rows.map((r) => ({
      nodeId: r.node_id,
      checkId: r.check_id,
      status: r.status,
      detail: r.detail,
      severity: r.severity,
      evidence: JSON.parse(r.evidence) as ProbeEvidence[],
      hostKey: hostKeys.get(r.node_id) ?? null,
      evidenceSha256: r.evidence_sha256,
    }));
    return { ...run, results };
  }

  /** Runs, newest first (of one policy when given). */
  listRuns(options: { policyId?: string; limit?: number } = {}): StoredRunSummary[] {
    const limit = Math.min(Math.max(1, options.limit ?? 50), 1000);
    const rows = (
      options.policyId === undefined
        ? this.db.prepare('SELECT * FROM audit_runs ORDER BY started_ms DESC, id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM audit_runs WHERE policy_id = ? ORDER BY started_ms DESC, id DESC LIMIT ?').all(options.policyId, limit)
    ) as RunRow[];
    return rows.map(summary);
  }

  /** The run of the same policy just before `runId`, or null (for drift). */
  previousRun(runId: number): StoredRun | null {
    const row = this.db
      .prepare(
        `SELECT prev.id FROM audit_runs cur JOIN audit_runs prev ON prev.policy_id = cur.policy_id
         AND (prev.started_ms < cur.started_ms OR (prev.started_ms = cur.started_ms AND prev.id < cur.id))
         WHERE cur.id = ? ORDER BY prev.started_ms DESC, prev.id DESC LIMIT 1`,
      )
      .get(runId) as { id: number } | undefined;
    return row ? this.getRun(row.id) : null;
  }

  approvedSha256(path: string): string | null {
    const row = this.db.prepare('SELECT sha256 FROM policy_approvals WHERE path = ? ORDER BY at_ms DESC, id DESC LIMIT 1').get(path) as
      { sha256: string } | undefined;
    return row?.sha256 ?? null;
  }

  approve(path: string, sha256: string, approvedBy: string, at: number): void {
    this.db.prepare('INSERT INTO policy_approvals (path, sha256, approved_by, at_ms) VALUES (?, ?, ?, ?)').run(path, sha256, approvedBy, at);
  }
}
