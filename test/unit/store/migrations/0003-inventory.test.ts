import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { InventoryStore } from '../../../../electron/core/inventory/inventory-store';
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

  it('keeps nodes as validated JSON; a damaged row is skipped with a warning, never a crash', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    const inventory = new InventoryStore(db);
    inventory.add(node, 1000);
    expect(() => inventory.add(node, 2000)).toThrow(/already in the inventory/);
    db.prepare("INSERT INTO ssh_nodes VALUES ('broken', '{\"id\":\"broken\",\"host\":\"a b;c\"}', 1, 1)").run();
    db.prepare("INSERT INTO ssh_nodes VALUES ('notjson', '{oops', 1, 1)").run();
    const reread = new InventoryStore(db);
    expect(reread.list()).toEqual([node]);
    expect(reread.warnings).toHaveLength(2);
    reread.update({ ...node, labels: ['rack-2'] }, 3000);
    expect(reread.get('gpu-01')?.labels).toEqual(['rack-2']);
    reread.remove('gpu-01');
    expect(() => reread.remove('gpu-01')).toThrow(/no node called/);
  });
});
