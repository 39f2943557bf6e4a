import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0005 } from '../../../../electron/core/store/migrations/0005-node-events';

describe('migration 0005 (node events)', () => {
  it('adds the node_events table on top of schema 4, indexed by node and time', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 4));
    migrate(db, [...MIGRATIONS.slice(0, 4), migration0005]);
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    db.prepare("INSERT INTO node_events (node_id, at_ms, kind, state, previous, message) VALUES ('n1', 10, 'node', 'unreachable', 'up', 'timed out')").run();
    db.prepare("INSERT INTO node_events (node_id, at_ms, kind, subject, state) VALUES ('n1', 20, 'gpu', 'GPU-1', 'lost')").run();
    expect(db.prepare("SELECT kind, subject, state, previous FROM node_events WHERE node_id = 'n1' ORDER BY at_ms").all()).toEqual([
      { kind: 'node', subject: '', state: 'unreachable', previous: 'up' },
      { kind: 'gpu', subject: 'GPU-1', state: 'lost', previous: null },
    ]);
    const plan = db.prepare("EXPLAIN QUERY PLAN SELECT * FROM node_events WHERE node_id = 'n1' AND at_ms > 5").all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join()).toMatch(/node_events_by_node_time/);
  });
});
