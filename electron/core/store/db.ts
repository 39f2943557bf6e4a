/**
 * Opening the database: pragmas, migrations, and clear refusals. A file written by a newer
 * version is opened read-only, checked and closed without a byte written; a file that is not a
 * database is left exactly where it is, and the error says how to move it aside.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations/index';
import type { Migration } from './migrations/types';

export class StoreOpenError extends Error {
  constructor(
    readonly code: 'corrupt' | 'newer-schema' | 'cannot-open' | 'native-module',
    message: string,
  ) {
    super(message);
    this.name = 'StoreOpenError';
  }
}

const PAGE_SIZE = 16_384;

export interface OpenDatabaseOptions {
  /** Path of a better_sqlite3.node built for this runtime (Electron passes its own build). */
  nativeBinding?: string;
  /** Migrations to apply; tests pass a prefix to build older schemas. */
  migrations?: readonly Migration[];
}

function moveAsideAdvice(path: string): string {
  return `The file was left untouched. Move it aside (mv '${path}' '${path}.broken') and start again to create a new database, or pass --db with another path.`;
}

function describeOpenFailure(path: string, error: unknown): StoreOpenError {
  const code = (error as { code?: string }).code ?? '';
  const message = (error as Error).message ?? String(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return new StoreOpenError('corrupt', `The database ${path} is damaged or not a Clusterdeck database (${message}). ${moveAsideAdvice(path)}`);
  }
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF|cannot open shared object/i.test(message)) {
    return new StoreOpenError('native-module', `The SQLite module cannot load in this runtime: ${message.split('\n')[0]}`);
  }
  return new StoreOpenError('cannot-open', `Cannot open the database ${path}: ${message}`);
}

function readSchemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Opens (creating if needed) and migrates the database at `path`. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const migrations = options.migrations ?? MIGRATIONS;
  const latest = migrations.length;
  const dbOptions = options.nativeBinding ? { nativeBinding: options.nativeBinding } : {};
  const isNew = path === ':memory:' || !existsSync(path);

  if (!isNew) {
    // Look before writing: a newer or broken file must not be touched (no WAL switch, no migration).
    let probe: Db | undefined;
    try {
      probe = new Database(path, { ...dbOptions, readonly: true, fileMustExist: true });
      const version = readSchemaVersion(probe);
      probe.prepare('SELECT count(*) FROM sqlite_schema').get();
      if (version > latest) {
        throw new StoreOpenError(
          'newer-schema',
          `The database ${path} was written by a newer Clusterdeck (schema ${version}; this version knows up to ${latest}). Nothing was written to it. Update Clusterdeck, or use another database with --db.`,
        );
      }
    } catch (error) {
      if (error instanceof StoreOpenError) throw error;
      throw describeOpenFailure(path, error);
    } finally {
      probe?.close();
    }
  } else if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }

  let db: Db;
  try {
    db = new Database(path, dbOptions);
    // Set before the first table exists: 16 KiB pages hold whole chunks inline (fewer overflow
    // pages), and incremental auto-vacuum lets deleted chunks give their pages back to the disk.
    if (isNew) {
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // Head rows are written every tick and deleted within the hour: a larger WAL lets a page
    // be rewritten many times before one checkpoint copies it (measured: 0.87 -> 1.33 M
    // samples/s ingest on the reference workload); the file is cut back after checkpoints.
    db.pragma('wal_autocheckpoint = 4096');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    // 8 MiB of page cache: writes append at the end of each table and queries read few pages.
    db.pragma('cache_size = -8192');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    throw describeOpenFailure(path, error);
  }
  if (isNew && path !== ':memory:') chmodSync(path, 0o600);

  try {
    migrate(db, migrations);
    if (path !== ':memory:' && (db.pragma('auto_vacuum', { simple: true }) !== 2 || db.pragma('page_size', { simple: true }) !== PAGE_SIZE)) {
      // A database from before these settings: switch once. VACUUM rewrites the file, and the
      // page size can only change outside WAL mode.
      db.pragma('journal_mode = DELETE');
      db.pragma(`page_size = ${PAGE_SIZE}`);
      db.pragma('auto_vacuum = INCREMENTAL');
      db.exec('VACUUM');
      db.pragma('journal_mode = WAL');
    }
  } catch (error) {
    db.close();
    throw error instanceof StoreOpenError ? error : describeOpenFailure(path, error);
  }
  return db;
}

/** Applies every migration above the file's version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): void {
  const current = readSchemaVersion(db);
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

export { LATEST_SCHEMA_VERSION };
