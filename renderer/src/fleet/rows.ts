/** The fleet table's rows: each node's state joined with its newest record. */
import type { HostKeyPrompt, NodeState } from '../../../shared/model/inventory';
import type { NodeSummary } from '../../../shared/model/node';
import { isStale } from '../staleness';
import type { FleetNode } from './records';
import type { RowStatus } from './status';

export interface FleetRow {
  id: string;
  kind: NodeState['kind'] | null;
  status: RowStatus;
  since: number | null;
  lastError: string | null;
  address: string | null;
  labels: string[];
  missing: string[];
  /** What was cut from the node's readings at the node bounds (too many filesystems...). */
  notes: string[];
  hostKey: HostKeyPrompt | null;
  /** The encrypted key whose passphrase the node waits for. */
  passphraseFor: string | null;
  /** What the node calls itself; its id until the first snapshot. */
  hostname: string;
  data: FleetNode | null;
}

/** Every node the engine collects, plus nodes with stored data only; states first, in their order. */
export function buildRows(states: readonly NodeState[], nodes: ReadonlyMap<string, FleetNode>, summaries: ReadonlyMap<string, NodeSummary>): FleetRow[] {
  const rows: FleetRow[] = [];
  const seen = new Set<string>();
  for (const state of states) {
    seen.add(state.id);
    const data = nodes.get(state.id) ?? null;
    rows.push({
      id: state.id,
      kind: state.kind,
      status: state.status,
      since: state.since,
      lastError: state.lastError,
      address: state.address,
      labels: state.labels,
      missing: state.missing,
      notes: state.notes ?? [],
      hostKey: state.hostKey,
      // An older engine's state may lack it.
      passphraseFor: state.passphraseFor ?? null,
      hostname: data?.hostname ?? summaries.get(state.id)?.hostname ?? state.id,
      data,
    });
  }
  const extra = new Set<string>([...nodes.keys(), ...summaries.keys()]);
  for (const id of extra) {
    if (seen.has(id)) continue;
    const data = nodes.get(id) ?? null;
    rows.push({
      id,
      kind: null,
      status: 'not-collected',
      since: null,
      lastError: null,
      address: null,
      labels: [],
      missing: [],
      notes: [],
      hostKey: null,
      passphraseFor: null,
      hostname: data?.hostname ?? summaries.get(id)?.hostname ?? id,
      data,
    });
  }
  return rows;
}

/** The row's values are older than two intervals at `now` (engine time): drawn stale, whatever its status. */
export function rowStale(row: Pick<FleetRow, 'data'>, now: number, intervalMs: number): boolean {
  return row.data !== null && isStale(row.data.collectedAt, now, intervalMs);
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a === b || (a.length === b.length && a.every((x, i) => x === b[i]));

/** Whether two rows show the same thing (their data record by identity: a new snapshot is a new record). */
export function sameRow(a: FleetRow, b: FleetRow): boolean {
  return (
    a.id === b.id &&
    a.kind === b.kind &&
    a.status === b.status &&
    a.since === b.since &&
    a.lastError === b.lastError &&
    a.address === b.address &&
    a.hostKey === b.hostKey &&
    a.passphraseFor === b.passphraseFor &&
    a.hostname === b.hostname &&
    a.data === b.data &&
    sameList(a.labels, b.labels) &&
    sameList(a.missing, b.missing) &&
    sameList(a.notes, b.notes)
  );
}

/**
 * The new rows, each replaced by its previous object when nothing in it changed: a tick that
 * changes a few nodes re-renders a few table rows, not all of them (the rows are memoised).
 */
export function reuseRows(previous: readonly FleetRow[], next: FleetRow[]): FleetRow[] {
  if (previous.length === 0) return next;
  const byId = new Map(previous.map((r) => [r.id, r]));
  return next.map((row) => {
    const old = byId.get(row.id);
    return old && sameRow(old, row) ? old : row;
  });
}
