import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0007 } from '../../../../electron/core/store/migrations/0007-audits';

function schema7(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 6));
  migrate(db, [...MIGRATIONS.slice(0, 6), migration0007]);
  return db;
}

const insertRun = (db: Database.Database) =>
  Number(
    db
      .prepare(
        `INSERT INTO audit_runs (policy_id, policy_version, policy_sha256, started_ms, ended_ms, nodes, scores)
         VALUES ('gpu-node-baseline', '1.0', 'abc', 10, 20, '[]', '{}')`,
      )
      .run().lastInsertRowid,
  );
const insertResult = (db: Database.Database, runId: number, checkId: string, status: string) =>
  db
    .prepare(
      `INSERT INTO audit_results (run_id, node_id, check_id, status, detail, severity, evidence, evidence_sha256)
       VALUES (?, 'n1', ?, ?, 'detail', 'high', '[]', 'e0')`,
    )
    .run(runId, checkId, status);

describe('migration 0007 (audits)', () => {
  it('adds the audit run, result and policy approval tables on top of schema 6', () => {
    const db = schema7();
    expect(db.pragma('user_version', { simple: true })).toBe(7);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name);
    expect(tables).toEqual(expect.arrayContaining(['audit_runs', 'audit_results', 'policy_approvals', 'alerts']));
  });

  it('keeps one result per run, node and check, only of the five statuses', () => {
    const db = schema7();
    const run = insertRun(db);
    insertResult(db, run, 'gnb-ssh-001', 'pass');
    expect(() => insertResult(db, run, 'gnb-ssh-001', 'fail')).toThrow(/UNIQUE/);
    insertResult(db, run, 'gnb-ssh-002', 'not-applicable');
    expect(() => insertResult(db, run, 'gnb-ssh-003', 'passed')).toThrow(/CHECK/);
  });

  it("deletes a run's results with it, and refuses a result for no run", () => {
    const db = schema7();
    const run = insertRun(db);
    insertResult(db, run, 'gnb-ssh-001', 'fail');
    db.prepare('DELETE FROM audit_runs WHERE id = ?').run(run);
    expect(db.prepare('SELECT count(*) AS n FROM audit_results').get()).toEqual({ n: 0 });
    expect(() => insertResult(db, run + 100, 'gnb-ssh-001', 'fail')).toThrow(/FOREIGN KEY/);
  });

  it('indexes runs by policy, results by check and approvals by path', () => {
    const db = schema7();
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join();
    expect(plan("SELECT * FROM audit_runs WHERE policy_id = 'p' ORDER BY started_ms DESC")).toMatch(/audit_runs_by_policy/);
    expect(plan("SELECT * FROM audit_results WHERE check_id = 'c' AND node_id = 'n'")).toMatch(/audit_results_by_check/);
    expect(plan("SELECT sha256 FROM policy_approvals WHERE path = '/p' ORDER BY at_ms DESC")).toMatch(/policy_approvals_by_path/);
  });
});
