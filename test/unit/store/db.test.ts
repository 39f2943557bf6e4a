import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, openDatabase, StoreOpenError } from '../../../electron/core/store/db';
import { tempDir } from '../../helpers/tmp';

const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('openDatabase', () => {
  it('creates a new database, owner-only, in WAL mode at the latest schema', () => {
    const path = join(tempDir(), 'sub', 'clusterdeck.db');
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a database from a newer version and writes nothing to it', () => {
    const path = join(tempDir(), 'newer.db');
    const future = new Database(path);
    future.exec('CREATE TABLE x (a)');
    future.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    future.close();
    const before = digest(path);
    let error: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StoreOpenError);
    expect((error as StoreOpenError).code).toBe('newer-schema');
    expect((error as Error).message).toMatch(/newer Clusterdeck \(schema \d+; this version knows up to \d+\)\. Nothing was written/);
    expect(digest(path)).toBe(before);
  });

  it('refuses a corrupt file, leaves it in place byte for byte, and says how to move it aside', () => {
    const path = join(tempDir(), 'corrupt.db');
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\u0000'), Buffer.alloc(8192, 0xab)]);
    writeFileSync(path, garbage);
    let error: unknown;
    try {
      openDatabase(path);
    } catch (e) {
      error = e;
    }
    expect((error as StoreOpenError).code).toBe('corrupt');
    expect((error as Error).message).toContain(`mv '${path}' '${path}.broken'`);
    expect(readFileSync(path).equals(garbage)).toBe(true);
  });

  it('refuses a text file that is not a database', () => {
    const path = join(tempDir(), 'notes.txt');
    writeFileSync(path, 'hello, not a database\n'.repeat(200));
    expect(() => openDatabase(path)).toThrow(/damaged or not a Clusterdeck database/);
    expect(readFileSync(path, 'utf8')).toBe('hello, not a database\n'.repeat(200));
  });

  it('reopens its own file and keeps the data', () => {
    const path = join(tempDir(), 'keep.db');
    const db = openDatabase(path);
    db.prepare("INSERT INTO nodes VALUES ('n', 'host', 1, 2, '{}')").run();
    db.close();
    const again = openDatabase(path);
    expect(again.prepare('SELECT hostname FROM nodes').pluck().get()).toBe('host');
    again.close();
  });
});
