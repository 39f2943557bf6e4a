import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { MIGRATIONS } from '../../../../electron/core/store/migrations/index';
import { migration0003 } from '../../../../electron/core/store/migrations/0003-inventory';
import type { SshNode } from '../../../../shared/model/inventory';

const node: SshNode = {
  id: 'gpu-01',
  host: '10.0.0.5',
  port: 22,
  user: 'admin',
  identityFiles: ['~/.ssh/id_ed25519'],
  useAgent: true,
  proxyJump: [{ host: '10.0.0.1', port: 22, user: 'jump', identityFiles: [] }],
  labels: ['rack-1'],
};

describe('migration 0003 (inventory)', () => {
  it('adds the ssh_nodes table on top of schema 2 and sets user_version 3', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 2));
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    migrate(db, [...MIGRATIONS.slice(0, 2), migration0003]);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'ssh_nodes'").pluck().get()).toBe(1);
  });

  it('keeps one row per node with its settings as JSON', () => {
    const db = new Database(':memory:');
    migrate(db, [...MIGRATIONS.slice(0, 2), migration0003]);
    db.prepare('INSERT INTO ssh_nodes (id, spec, added_ms, updated_ms) VALUES (?, ?, ?, ?)').run(node.id, JSON.stringify(node), 1000, 1000);
    expect(() => db.prepare('INSERT INTO ssh_nodes (id, spec, added_ms, updated_ms) VALUES (?, ?, ?, ?)').run(node.id, '{}', 2, 2)).toThrow(/UNIQUE/);
    expect(JSON.parse(db.prepare('SELECT spec FROM ssh_nodes').pluck().get() as string)).toEqual(node);
  });
});
