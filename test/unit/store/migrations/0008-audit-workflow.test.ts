import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0008 } from '../../../../electron/core/store/migrations/0008-audit-workflow';

/** Schema 7 with a stored run, then 0008 on top: what an upgraded installation has. */
function upgraded(): { db: Database.Database; runId: number } {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 7));
  const runId = Number(
    db
      .prepare(
        `INSERT INTO audit_runs (policy_id, policy_version, policy_sha256, started_ms, ended_ms, nodes, scores)
         VALUES ('gpu-node-baseline', '1.0', 'abc', 10, 20, '[]', '{}')`,
      )
      .run().lastInsertRowid,
  );
  migrate(db, [...MIGRATIONS.slice(0, 7), migration0008]);
  return { db, runId };
}

const attest = (db: Database.Database, runId: number | null, status: string) =>
  db.prepare(`INSERT INTO attestations (run_id, node_id, check_id, status, note, by, at_ms) VALUES (?, 'n1', 'c1', ?, 'note', 'ann', 1)`).run(runId, status);

describe('migration 0008 (audit workflow)', () => {
  it('adds attachments, attestations, waivers and the audit log on top of schema 7; old runs have no policy snapshot', () => {
    const { db, runId } = upgraded();
    expect(db.pragma('user_version', { simple: true })).toBe(8);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name);
    expect(tables).toEqual(expect.arrayContaining(['attachments', 'attestations', 'waivers', 'audit_log', 'audit_runs']));
    expect(db.prepare('SELECT policy_snapshot FROM audit_runs WHERE id = ?').get(runId)).toEqual({ policy_snapshot: null });
  });

  it('keeps attestations of three statuses, with no attachments by default, and keeps them when their run is deleted', () => {
    const { db, runId } = upgraded();
    attest(db, runId, 'pass');
    attest(db, null, 'not-applicable');
    expect(() => attest(db, runId, 'waived')).toThrow(/CHECK/);
    expect(() => attest(db, runId + 100, 'pass')).toThrow(/FOREIGN KEY/);
    db.prepare('DELETE FROM audit_runs WHERE id = ?').run(runId);
    expect(db.prepare('SELECT run_id, attachments FROM attestations ORDER BY id').all()).toEqual([
      { run_id: null, attachments: '[]' },
      { run_id: null, attachments: '[]' },
    ]);
  });

  it('keeps an attachment once per SHA-256', () => {
    const { db } = upgraded();
    const put = () => db.prepare(`INSERT INTO attachments (sha256, bytes, content, created_ms) VALUES ('aa', 3, x'010203', 1)`).run();
    put();
    expect(put).toThrow(/UNIQUE|PRIMARY KEY/);
  });

  it('scopes waivers to a node, a group or the fleet only', () => {
    const { db } = upgraded();
    const waive = (kind: string) =>
      db
        .prepare(
          `INSERT INTO waivers (check_id, scope_kind, scope_value, justification, approver, by, created_ms, expires_ms) VALUES ('c1', ?, '', 'j', 'ciso', 'ann', 1, 2)`,
        )
        .run(kind);
    for (const kind of ['node', 'group', 'fleet']) waive(kind);
    expect(() => waive('everything')).toThrow(/CHECK/);
    expect(db.prepare('SELECT revoked_ms FROM waivers').all()).toEqual([{ revoked_ms: null }, { revoked_ms: null }, { revoked_ms: null }]);
  });

  it('numbers audit log rows by seq and requires the chain fields', () => {
    const { db } = upgraded();
    const row = (hash: string | null) =>
      db
        .prepare(
          `INSERT INTO audit_log (at_ms, actor, role, action, subject, details, prev_hash, hash) VALUES (1, 'ann', 'admin', 'nodes:add', 'n1', '{}', '0', ?)`,
        )
        .run(hash);
    expect(Number(row('h1').lastInsertRowid)).toBe(1);
    expect(Number(row('h2').lastInsertRowid)).toBe(2);
    expect(() => row(null)).toThrow(/NOT NULL/);
  });
});
