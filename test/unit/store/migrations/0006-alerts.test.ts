import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0006 } from '../../../../electron/core/store/migrations/0006-alerts';

function schema6(): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, MIGRATIONS.slice(0, 5));
  migrate(db, [...MIGRATIONS.slice(0, 5), migration0006]);
  return db;
}

const insertAlert = (db: Database.Database, fingerprint: string, state: string) =>
  Number(
    db
      .prepare(
        `INSERT INTO alerts (fingerprint, rule_id, node_id, severity, state, title, message, labels, pending_since_ms, last_active_ms)
         VALUES (?, 'gpu-hot', 'n1', 'warning', ?, 'GPU hot', 'hot', '{}', 10, 10)`,
      )
      .run(fingerprint, state).lastInsertRowid,
  );

describe('migration 0006 (alerts)', () => {
  it('adds the kernel event, baseline, alert, transition, silence and notification tables on top of schema 5', () => {
    const db = schema6();
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name);
    expect(tables).toEqual(
      expect.arrayContaining(['kernel_events', 'kernel_log_cursors', 'gpu_baseline', 'alerts', 'alert_transitions', 'silences', 'notifications']),
    );
    const id = insertAlert(db, 'gpu-hot|n1|GPU-1', 'pending');
    expect(db.prepare('SELECT subject, flapping, flap_history, ack_ms FROM alerts WHERE id = ?').get(id)).toEqual({
      subject: '',
      flapping: 0,
      flap_history: '[]',
      ack_ms: null,
    });
  });

  it('allows one open alert per fingerprint, and any number of resolved ones', () => {
    const db = schema6();
    const first = insertAlert(db, 'gpu-hot|n1|GPU-1', 'firing');
    expect(() => insertAlert(db, 'gpu-hot|n1|GPU-1', 'pending')).toThrow(/UNIQUE/);
    db.prepare("UPDATE alerts SET state = 'resolved', resolved_ms = 20 WHERE id = ?").run(first);
    insertAlert(db, 'gpu-hot|n1|GPU-1', 'pending');
    insertAlert(db, 'gpu-hot|n1|GPU-2', 'firing');
    db.prepare("UPDATE alerts SET state = 'resolved', resolved_ms = 30 WHERE fingerprint = 'gpu-hot|n1|GPU-1' AND state = 'pending'").run();
    expect(db.prepare("SELECT count(*) AS n FROM alerts WHERE fingerprint = 'gpu-hot|n1|GPU-1'").get()).toEqual({ n: 2 });
  });

  it("deletes an alert's transitions with it, and refuses a transition for no alert", () => {
    const db = schema6();
    const id = insertAlert(db, 'gpu-hot|n1|GPU-1', 'firing');
    const transition = db.prepare('INSERT INTO alert_transitions (alert_id, at_ms, from_state, to_state) VALUES (?, ?, ?, ?)');
    transition.run(id, 10, null, 'pending');
    transition.run(id, 20, 'pending', 'firing');
    expect(db.prepare('SELECT count(*) AS n FROM alert_transitions').get()).toEqual({ n: 2 });
    db.prepare('DELETE FROM alerts WHERE id = ?').run(id);
    expect(db.prepare('SELECT count(*) AS n FROM alert_transitions').get()).toEqual({ n: 0 });
    expect(() => transition.run(id + 100, 30, null, 'pending')).toThrow(/FOREIGN KEY/);
  });

  it('indexes alerts by state and node, transitions by alert, silences by end and notifications by time', () => {
    const db = schema6();
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((row) => row.detail).join();
    expect(plan("SELECT * FROM alerts WHERE state = 'firing' AND pending_since_ms > 5")).toMatch(/alerts_by_state/);
    expect(plan("SELECT * FROM alerts WHERE node_id = 'n1' AND pending_since_ms > 5")).toMatch(/alerts_by_node/);
    expect(plan('SELECT * FROM alert_transitions WHERE alert_id = 1 ORDER BY at_ms')).toMatch(/alert_transitions_by_alert/);
    expect(plan('SELECT * FROM silences WHERE ends_ms > 5')).toMatch(/silences_by_end/);
    expect(plan('SELECT * FROM notifications WHERE at_ms >= 5')).toMatch(/notifications_by_time/);
  });
});
