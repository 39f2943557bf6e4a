import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { InventoryStore } from '../../../electron/core/inventory/inventory-store';
import { migrate } from '../../../electron/core/store/db';
import { MIGRATIONS } from '../../../electron/core/store/migrations/index';
import type { SshNode } from '../../../shared/model/inventory';

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

describe('InventoryStore', () => {
  it('keeps nodes with their source as validated JSON; a damaged row or an unknown source is skipped with a warning, never a crash', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    const inventory = new InventoryStore(db);
    inventory.add(node, 1000);
    expect(() => inventory.add(node, 2000)).toThrow(/already in the inventory/);
    expect(db.prepare('SELECT source FROM inventory').pluck().get()).toBe('ssh');
    db.prepare('INSERT INTO inventory VALUES (\'broken\', \'ssh\', \'{"id":"broken","host":"a b;c"}\', 1, 1)').run();
    db.prepare("INSERT INTO inventory VALUES ('notjson', 'ssh', '{oops', 1, 1)").run();
    db.prepare("INSERT INTO inventory VALUES ('future', 'carrier-pigeon', '{}', 1, 1)").run();
    const reread = new InventoryStore(db);
    expect(reread.entries()).toEqual([{ source: 'ssh', node }]);
    expect(reread.list()).toEqual([node]);
    expect(reread.warnings).toHaveLength(3);
    expect(reread.warnings.join('\n')).toMatch(/"future" has the source "carrier-pigeon", which this version cannot read/);
    expect(reread.get('future')).toBeNull();
    reread.update({ ...node, labels: ['rack-2'] }, 3000);
    expect(reread.get('gpu-01')?.labels).toEqual(['rack-2']);
    reread.remove('gpu-01');
    expect(() => reread.remove('gpu-01')).toThrow(/no node called/);
  });
});
