/**
 * Kernel log failures as recorded (kernel_events, migration 0006), and where each node's kernel
 * log was read up to (kernel_log_cursors). An event is recorded once: its identity is the node,
 * the boot, its time and a hash of its first line's message, so reading the same lines again
 * (dmesg has no cursor; a restart reads the current boot again) inserts nothing.
 */
import { createHash } from 'node:crypto';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { StoredKernelEvent } from '../alerts/types';
import type { Logger } from '../log';
import { parseKernelLog } from './kernel-log';
import type { XidEvent } from './xid';

export type KernelLogSource = 'journal' | 'dmesg';

/** Where a node's kernel log was read up to: the boot, the source, the journal's cursor (null for dmesg). */
export interface KernelLogCursor {
  bootId: string;
  source: KernelLogSource;
  cursor: string | null;
}

export interface RecordOptions {
  /**
   * The same message within this many ms of one recorded by an earlier read is that event again.
   * dmesg computes each line's wall-clock time anew on every run (boot time plus uptime), so it
   * moves by a little between reads; the journal's times do not (0, the default).
   */
  clockSlackMs?: number;
}

interface Row {
  id: number;
  node_id: string;
  boot_id: string;
  at_ms: number | null;
  uptime_ms: number | null;
  kind: string;
  pci_id: string | null;
  xid: number | null;
  severity: string;
  name: string;
  detail: string;
  raw: string;
  recorded_ms: number;
}

interface CursorRow {
  boot_id: string;
  source: string;
  cursor: string | null;
}

export interface KernelEventStoreOptions {
  /** A node that floods its kernel log records at most this many events in any hour; the rest are counted in a log line. */
  maxPerNodePerHour?: number;
  log?: Logger;
}

const HOUR_MS = 3_600_000;
export const MAX_EVENTS_PER_NODE_PER_HOUR = 1000;
const FALLEN_OFF_BUS_XID = 79;
const MAX_DETAIL_CHARS = 4000;
const MAX_LIST = 10_000;
const COLUMNS = 'id, node_id, boot_id, at_ms, uptime_ms, kind, pci_id, xid, severity, name, detail, raw, recorded_ms';

/** The first line's message without its stamp (a stamp dmesg recomputes on every run), hashed. */
function textHash(event: XidEvent): string {
  const first = event.raw[0] ?? '';
  const message = parseKernelLog(first).records[0]?.message ?? first;
  return createHash('sha256').update(message).digest('hex');
}

function kindOf(event: XidEvent): StoredKernelEvent['kind'] {
  return event.xid === null || event.xid === FALLEN_OFF_BUS_XID ? 'fallen-off-bus' : 'xid';
}

/** Meaning, recommended action and the driver's own words, for the timeline and the alert text. */
export function describeEvent(event: XidEvent): string {
  const parts = [event.description];
  if (event.action !== null) parts.push(`Recommended action: ${event.action}.`);
  const process = event.process !== null ? ` (process ${event.process}${event.pid !== null ? `, pid ${event.pid}` : ''})` : '';
  if (event.detail !== '' || process !== '') parts.push(`Driver: ${event.detail}${process}`.trim());
  return parts.join('\n').slice(0, MAX_DETAIL_CHARS);
}

function toEvent(row: Row): StoredKernelEvent {
  let raw: string[] = [];
  try {
    const parsed: unknown = JSON.parse(row.raw);
    if (Array.isArray(parsed)) raw = parsed.filter((line): line is string => typeof line === 'string');
  } catch {
    raw = [row.raw];
  }
  return {
    id: row.id,
    nodeId: row.node_id,
    bootId: row.boot_id,
    atMs: row.at_ms,
    uptimeMs: row.uptime_ms,
    recordedMs: row.recorded_ms,
    kind: row.kind === 'fallen-off-bus' ? 'fallen-off-bus' : 'xid',
    pciId: row.pci_id ?? '',
    xid: row.xid,
    severity: row.severity === 'critical' || row.severity === 'warning' ? row.severity : 'info',
    name: row.name,
    detail: row.detail,
    raw,
  };
}

export class KernelEventStore {
  private readonly insert: Statement<
    [string, string, number | null, number | null, string, string, string, number | null, string, string, string, string, number],
    never
  >;
  private readonly nearby: Statement<[string, string, string, number, number, number], { id: number }>;
  private readonly maxId: Statement<[], { id: number | null }>;
  private readonly byId: Statement<[number], Row>;
  private readonly range: Statement<[string, number, number, number], Row>;
  private readonly boot: Statement<[string, string, number], Row>;
  private readonly getCursor: Statement<[string], CursorRow>;
  private readonly putCursor: Statement<[string, string, string, string | null, number], never>;
  private readonly recentCount: Statement<[string, number], { n: number }>;
  private readonly exists: Statement<[string, string, number, number, string], { id: number }>;
  private readonly maxPerHour: number;
  /**
   * Each node's cursor as stored (null: none), once read: a dmesg node's is the same read after
   * read (boot and source), so neither a query nor a write is made every read of every node.
   * This store is the table's only writer.
   */
  private readonly cursors = new Map<string, KernelLogCursor | null>();
  private readonly log: Logger | null;

  constructor(
    private readonly db: Db,
    options: KernelEventStoreOptions = {},
  ) {
    this.maxPerHour = options.maxPerNodePerHour ?? MAX_EVENTS_PER_NODE_PER_HOUR;
    this.log = options.log ?? null;
    this.recentCount = db.prepare('SELECT count(*) AS n FROM kernel_events WHERE node_id = ? AND recorded_ms > ?');
    this.exists = db.prepare(
      `SELECT id FROM kernel_events WHERE node_id = ? AND boot_id = ? AND coalesce(at_ms, -1) = ? AND coalesce(uptime_ms, -1) = ? AND text_hash = ?`,
    );
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO kernel_events (node_id, boot_id, at_ms, uptime_ms, text_hash, kind, pci_id, xid, severity, name, detail, raw, recorded_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // Written over the identity index's own expression, so the index serves it.
    this.nearby = db.prepare(
      `SELECT id FROM kernel_events WHERE node_id = ? AND boot_id = ? AND text_hash = ?
       AND coalesce(at_ms, -1) BETWEEN ? AND ? AND id <= ? LIMIT 1`,
    );
    this.maxId = db.prepare('SELECT max(id) AS id FROM kernel_events');
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM kernel_events WHERE id = ?`);
    this.range = db.prepare(
      `SELECT ${COLUMNS} FROM kernel_events WHERE node_id = ? AND coalesce(at_ms, recorded_ms) >= ? AND coalesce(at_ms, recorded_ms) < ?
       ORDER BY coalesce(at_ms, recorded_ms), id LIMIT ?`,
    );
    this.boot = db.prepare(`SELECT ${COLUMNS} FROM kernel_events WHERE node_id = ? AND boot_id = ? ORDER BY id DESC LIMIT ?`);
    this.getCursor = db.prepare('SELECT boot_id, source, cursor FROM kernel_log_cursors WHERE node_id = ?');
    this.putCursor = db.prepare(
      `INSERT INTO kernel_log_cursors (node_id, boot_id, source, cursor, updated_ms) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (node_id) DO UPDATE SET boot_id = excluded.boot_id, source = excluded.source, cursor = excluded.cursor, updated_ms = excluded.updated_ms`,
    );
  }

  /** Records the events not recorded before; returns those it inserted, in the order given. */
  record(nodeId: string, bootId: string, events: readonly XidEvent[], recordedMs: number, options: RecordOptions = {}): StoredKernelEvent[] {
    if (events.length === 0) return [];
    const slack = Math.max(0, options.clockSlackMs ?? 0);
    return this.db.transaction(() => {
      // Only rows of earlier reads count as "the same event again": this read's own lines are all kept.
      const before = this.maxId.get()?.id ?? 0;
      const inserted: StoredKernelEvent[] = [];
      let room = this.maxPerHour - (this.recentCount.get(nodeId, recordedMs - HOUR_MS)?.n ?? 0);
      let leftOut = 0;
      for (const event of events) {
        const hash = textHash(event);
        if (slack > 0 && event.timeMs !== null && this.nearby.get(nodeId, bootId, hash, event.timeMs - slack, event.timeMs + slack, before)) continue;
        if (room <= 0) {
          if (!this.exists.get(nodeId, bootId, event.timeMs ?? -1, event.uptimeMs ?? -1, hash)) leftOut += 1;
          continue;
        }
        const result = this.insert.run(
          nodeId,
          bootId,
          event.timeMs,
          event.uptimeMs,
          hash,
          kindOf(event),
          event.pciId,
          event.xid,
          event.severity,
          event.name,
          describeEvent(event),
          JSON.stringify(event.raw),
          recordedMs,
        );
        if (result.changes === 1) {
          inserted.push(toEvent(this.byId.get(Number(result.lastInsertRowid))!));
          room -= 1;
        }
      }
      if (leftOut > 0) {
        this.log?.warn(`${nodeId}: ${leftOut} more kernel log failures not recorded (at most ${this.maxPerHour} per node in an hour)`);
      }
      return inserted;
    })();
  }

  cursor(nodeId: string): KernelLogCursor | null {
    const known = this.cursors.get(nodeId);
    if (known !== undefined) return known;
    const row = this.getCursor.get(nodeId);
    const cursor: KernelLogCursor | null = row ? { bootId: row.boot_id, source: row.source === 'dmesg' ? 'dmesg' : 'journal', cursor: row.cursor } : null;
    this.cursors.set(nodeId, cursor);
    return cursor;
  }

  /** Written when it moved (a journal read, a reboot, a change of source); `atMs` is when it last moved. */
  setCursor(nodeId: string, cursor: KernelLogCursor, atMs: number): void {
    const known = this.cursor(nodeId);
    if (known !== null && known.bootId === cursor.bootId && known.source === cursor.source && known.cursor === cursor.cursor) return;
    this.putCursor.run(nodeId, cursor.bootId, cursor.source, cursor.cursor, atMs);
    this.cursors.set(nodeId, { ...cursor });
  }

  /** Deletes the events recorded before beforeMs; returns how many. */
  prune(beforeMs: number): number {
    return this.db.prepare('DELETE FROM kernel_events WHERE recorded_ms < ?').run(beforeMs).changes;
  }

  /** A node's events in [fromMs, toMs) by the line's time (when it has none, by when it was read), oldest first. */
  between(nodeId: string, fromMs: number, toMs: number, limit: number): StoredKernelEvent[] {
    return this.range.all(nodeId, fromMs, toMs, clampLimit(limit)).map(toEvent);
  }

  /** A node's newest `limit` events of one boot, in the order recorded (fallen-off state after a restart). */
  inBoot(nodeId: string, bootId: string, limit = MAX_LIST): StoredKernelEvent[] {
    return this.boot.all(nodeId, bootId, clampLimit(limit)).reverse().map(toEvent);
  }
}

function clampLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.min(MAX_LIST, Math.floor(limit))) : MAX_LIST;
}
