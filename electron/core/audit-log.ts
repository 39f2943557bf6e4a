/**
 * The append-only audit log (table audit_log of migration 0008): every action, who did it (the
 * profile's name and role), on what, with details. Rows are chained: each row's hash is
 * sha256(previous row's hash + canonical JSON of its own fields), so an edited row no longer
 * matches its hash, and an inserted or deleted row breaks the chain (or leaves a gap in seq).
 * The chain has no secret: it shows tampering by anyone who does not rewrite every later row,
 * and it cannot show the last rows cut off.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { AuditLogEntry } from '../../shared/model/audits';

/** The previous hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
const MAX_SUBJECT_CHARS = 512;
const MAX_DETAILS_CHARS = 8192;
/** How far back an inserted row's successor is looked up (verify keeps these hashes only). */
const RECENT_HASHES = 64;

/** Who did it: a profile's name and role, or the engine itself ('system'). */
export interface AuditActor {
  name: string;
  role: string;
}

export const SYSTEM_ACTOR: AuditActor = { name: 'clusterdeck', role: 'system' };

export interface AuditLogVerdict {
  ok: boolean;
  rows: number;
  /** The first edited, inserted or deleted row; null when the chain holds. */
  problem: { seq: number; message: string } | null;
}

interface LogRow {
  seq: number;
  at_ms: number;
  actor: string;
  role: string;
  action: string;
  subject: string;
  details: string;
  prev_hash: string;
  hash: string;
}

/** JSON with keys sorted at every level: one text per value, whatever order it was built in. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The row's hash: over the previous hash and its fields (not seq: order is the chain's job). */
export function rowHash(prevHash: string, row: Pick<LogRow, 'at_ms' | 'actor' | 'role' | 'action' | 'subject' | 'details'>): string {
  const fields = { action: row.action, actor: row.actor, atMs: row.at_ms, details: row.details, role: row.role, subject: row.subject };
  return createHash('sha256')
    .update(prevHash + canonicalJson(fields))
    .digest('hex');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function entryOf(row: LogRow): AuditLogEntry {
  return { seq: row.seq, atMs: row.at_ms, actor: row.actor, role: row.role, action: row.action, subject: row.subject, details: row.details, hash: row.hash };
}

export class AuditLog {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  /**
   * Appends a row after the last; inside a caller's transaction it commits (or rolls back) with
   * the action. `details` is stored as canonical JSON: never put a secret in it.
   */
  append(actor: AuditActor, action: string, subject: string, details: Record<string, unknown> = {}): AuditLogEntry {
    return this.db.transaction(() => {
      const last = this.db.prepare('SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { hash: string } | undefined;
      const prevHash = last?.hash ?? GENESIS_HASH;
      const fields = {
        at_ms: Math.trunc(this.now()),
        actor: clip(actor.name, 128),
        role: clip(actor.role, 32),
        action: clip(action, 64),
        subject: clip(subject, MAX_SUBJECT_CHARS),
        details: clip(canonicalJson(details), MAX_DETAILS_CHARS),
      };
      const hash = rowHash(prevHash, fields);
      const seq = Number(
        this.db
          .prepare('INSERT INTO audit_log (at_ms, actor, role, action, subject, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(fields.at_ms, fields.actor, fields.role, fields.action, fields.subject, fields.details, prevHash, hash).lastInsertRowid,
      );
      return entryOf({ seq, ...fields, prev_hash: prevHash, hash });
    })();
  }

  /** Newest first, `limit` rows before `beforeSeq` (all when absent). */
  list(options: { limit?: number; beforeSeq?: number } = {}): AuditLogEntry[] {
    const limit = Math.min(Math.max(1, options.limit ?? 200), 5000);
    const rows = this.db
      .prepare('SELECT * FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(options.beforeSeq ?? Number.MAX_SAFE_INTEGER, limit) as LogRow[];
    return rows.map(entryOf);
  }

  /** Walks the chain from the first row; names the first row edited, inserted or deleted. */
  verify(): AuditLogVerdict {
    let prevHash = GENESIS_HASH;
    let prevSeq = 0;
    let rows = 0;
    // Hashes of the last rows read (hash -> seq), to tell an inserted row from a deleted one.
    const recent = new Map<string, number>();
    const fail = (seq: number, message: string): AuditLogVerdict => ({ ok: false, rows, problem: { seq, message } });
    for (const row of this.db.prepare('SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<LogRow>) {
      rows += 1;
      if (row.prev_hash !== prevHash) {
        if (row.seq > prevSeq + 1) {
          const missing = row.seq - prevSeq - 1 === 1 ? `row ${prevSeq + 1} was` : `rows ${prevSeq + 1}-${row.seq - 1} were`;
          return fail(prevSeq + 1, `${missing} deleted: the log goes from row ${prevSeq} to row ${row.seq} and the chain breaks there`);
        }
        const linked = recent.get(row.prev_hash);
        if (linked !== undefined) {
          return fail(linked + 1, `row ${linked + 1} was inserted: row ${row.seq} follows row ${linked} in the chain`);
        }
        return fail(row.seq, `row ${row.seq} was inserted (or the row before it deleted): its previous hash matches no row before it`);
      }
      if (rowHash(row.prev_hash, row) !== row.hash) {
        return fail(row.seq, `row ${row.seq} was edited: its fields no longer match its hash`);
      }
      if (row.seq !== prevSeq + 1 && prevSeq !== 0) {
        return fail(prevSeq + 1, `row ${prevSeq + 1} is missing: the log goes from row ${prevSeq} to row ${row.seq}`);
      }
      recent.set(row.hash, row.seq);
      if (recent.size > RECENT_HASHES) recent.delete(recent.keys().next().value!);
      prevHash = row.hash;
      prevSeq = row.seq;
    }
    return { ok: true, rows, problem: null };
  }
}
