import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0004 } from '../../../../electron/core/store/migrations/0004-inventory-sources';

const spec = (id: string) =>
  JSON.stringify({ id, host: `${id}.example`, port: 22, user: 'admin', identityFiles: [], useAgent: true, proxyJump: [], labels: [] });

describe('migration 0004 (inventory sources)', () => {
  it('moves every SSH node of schema 3 into the inventory as source ssh, times and settings kept', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 3));
    const insert = db.prepare('INSERT INTO ssh_nodes (id, spec, added_ms, updated_ms) VALUES (?, ?, ?, ?)');
    insert.run('gpu-01', spec('gpu-01'), 1000, 1500);
    insert.run('gpu-02', spec('gpu-02'), 2000, 2000);
    // A damaged row moves as it is: the store reports it when read, the migration never judges.
    insert.run('broken', '{oops', 3000, 3000);

    migrate(db, [...MIGRATIONS.slice(0, 3), migration0004]);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare('SELECT id, source, spec, added_ms, updated_ms FROM inventory ORDER BY id').all()).toEqual([
      { id: 'broken', source: 'ssh', spec: '{oops', added_ms: 3000, updated_ms: 3000 },
      { id: 'gpu-01', source: 'ssh', spec: spec('gpu-01'), added_ms: 1000, updated_ms: 1500 },
      { id: 'gpu-02', source: 'ssh', spec: spec('gpu-02'), added_ms: 2000, updated_ms: 2000 },
    ]);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'ssh_nodes'").pluck().get()).toBe(0);
  });

  it('runs on an empty inventory', () => {
    const db = new Database(':memory:');
    migrate(db, [...MIGRATIONS.slice(0, 3), migration0004]);
    expect(db.prepare('SELECT count(*) FROM inventory').pluck().get()).toBe(0);
  });
});
