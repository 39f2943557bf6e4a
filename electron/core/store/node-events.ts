/**
 * Node and GPU status changes with their time (node_events, migration 0005), for the failures
 * timeline: written once per change, read back by node and time range.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { NodeStatusChange } from '../bus';

interface Row {
  node_id: string;
  at_ms: number;
  kind: string;
  subject: string;
  state: string;
  previous: string | null;
  message: string | null;
}

const MAX_MESSAGE_CHARS = 1000;

export class NodeEventStore {
  private readonly insert: Statement<[string, number, string, string, string, string | null, string | null]>;
  private readonly range: Statement<[string, number, number], Row>;
  private readonly latest: Statement<[], Row>;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO node_events (node_id, at_ms, kind, subject, state, previous, message) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.range = db.prepare(
      'SELECT node_id, at_ms, kind, subject, state, previous, message FROM node_events WHERE node_id = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id',
    );
    // The last row of each (node, kind, subject): where the history stood when the engine stopped.
    this.latest = db.prepare(
      `SELECT node_id, at_ms, kind, subject, state, previous, message FROM node_events
       WHERE id IN (SELECT max(id) FROM node_events GROUP BY node_id, kind, subject)`,
    );
  }

  record(changes: readonly NodeStatusChange[]): void {
    if (changes.length === 0) return;
    this.db.transaction(() => {
      for (const c of changes)
        this.insert.run(c.nodeId, c.atMs, c.kind, c.subject, c.state, c.previous, c.message === null ? null : c.message.slice(0, MAX_MESSAGE_CHARS));
    })();
  }

  /** A node's changes in [fromMs, toMs), oldest first. */
  list(nodeId: string, fromMs: number, toMs: number): NodeStatusChange[] {
    return this.range.all(nodeId, fromMs, toMs).map(toChange);
  }

  /** The last recorded change of every node, kind and subject. */
  lastStates(): NodeStatusChange[] {
    return this.latest.all().map(toChange);
  }
}

function toChange(row: Row): NodeStatusChange {
  return {
    nodeId: row.node_id,
    atMs: row.at_ms,
    kind: row.kind as NodeStatusChange['kind'],
    subject: row.subject,
    state: row.state,
    previous: row.previous,
    message: row.message,
  };
}
