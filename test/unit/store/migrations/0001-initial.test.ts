import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../../electron/core/store/db';
import { migration0001 } from '../../../../electron/core/store/migrations/0001-initial';

describe('migration 0001 (initial)', () => {
  it('creates nodes, series and samples on an empty database and sets user_version 1', () => {
    const db = new Database(':memory:');
    migrate(db, [migration0001]);
    const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['nodes', 'samples', 'series']);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('keys samples by (series, time): a repeated tick replaces, never duplicates', () => {
    const db = new Database(':memory:');
    migrate(db, [migration0001]);
    db.prepare("INSERT INTO nodes VALUES ('n', 'n', 0, 0, '{}')").run();
    db.prepare("INSERT INTO series (node_id, metric, device) VALUES ('n', 'cpu.util_pct', '')").run();
    db.prepare('INSERT OR REPLACE INTO samples VALUES (1, 5000, 1.5)').run();
    db.prepare('INSERT OR REPLACE INTO samples VALUES (1, 5000, 2.5)').run();
    expect(db.prepare('SELECT v FROM samples').pluck().all()).toEqual([2.5]);
    expect(() => db.prepare("INSERT INTO series (node_id, metric, device) VALUES ('missing', 'x', '')").run()).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('is applied once: running migrate again changes nothing', () => {
    const db = new Database(':memory:');
    migrate(db, [migration0001]);
    migrate(db, [migration0001]);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });
});
