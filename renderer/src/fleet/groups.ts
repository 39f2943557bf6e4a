/**
 * Grouping the fleet by a label. A label "rack-1" (or "rack:1", "rack/1", "rack.1") has the key
 * "rack": grouping by "rack" puts each node under its rack label, nodes without one last. A label
 * with no separator is its own key: grouping by "a5000" splits nodes with it from those without.
 * Each group carries totals over its nodes. Pure, unit-tested.
 */
import { meanOf } from './records';
import type { FleetRow } from './rows';
import { compareNames } from './sort';
import { isProblem } from './status';

/** The key of a label: what comes before its first separator, or the whole label. */
export function labelKey(label: string): string {
  const m = /^([^:=/.-]+)[:=/.-]./.exec(label);
  return m ? m[1]! : label;
}

/** Every key the fleet's labels offer, sorted. */
export function groupKeys(rows: readonly FleetRow[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const label of row.labels) keys.add(labelKey(label));
  return [...keys].sort(compareNames);
}

/** The label a row is grouped under for `key`: its first (in name order) with that key; null: none. */
export function groupValueOf(row: Pick<FleetRow, 'labels'>, key: string): string | null {
  let best: string | null = null;
  for (const label of row.labels) if (labelKey(label) === key && (best === null || compareNames(label, best) < 0)) best = label;
  return best;
}

export interface GroupTotals {
  nodes: number;
  gpus: number;
  /** Mean utilisation over the group's GPUs that report one. */
  meanGpuUtilPct: number | null;
  /** GPU memory, summed over the GPUs that report it (null when none does). */
  gpuMemUsedMib: number | null;
  gpuMemTotalMib: number | null;
  /** Nodes whose status needs attention. */
  problems: number;
}

export interface FleetGroup {
  /** The label; null for nodes without one of the key. */
  value: string | null;
  title: string;
  rows: FleetRow[];
  totals: GroupTotals;
}

const sumOf = (values: ReadonlyArray<number | null>): number | null => {
  let sum: number | null = null;
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) sum = (sum ?? 0) + v;
  return sum;
};

export function groupTotals(rows: readonly FleetRow[]): GroupTotals {
  const gpus = rows.flatMap((r) => r.data?.gpus ?? []);
  return {
    nodes: rows.length,
    gpus: gpus.length,
    meanGpuUtilPct: meanOf(gpus.map((g) => g.utilPct)),
    gpuMemUsedMib: sumOf(gpus.map((g) => g.memUsedMib)),
    gpuMemTotalMib: sumOf(gpus.map((g) => g.memTotalMib)),
    problems: rows.filter((r) => isProblem(r.status)).length,
  };
}

/**
 * The rows in groups by `key`, groups in name order and "no <key>" last; rows keep their order
 * inside a group. No key: one group of every row.
 */
export function groupRows(rows: readonly FleetRow[], key: string | null): FleetGroup[] {
  if (key === null) return [{ value: null, title: 'All nodes', rows: [...rows], totals: groupTotals(rows) }];
  const byValue = new Map<string | null, FleetRow[]>();
  for (const row of rows) {
    const value = groupValueOf(row, key);
    let list = byValue.get(value);
    if (!list) byValue.set(value, (list = []));
    list.push(row);
  }
  const values = [...byValue.keys()].sort((a, b) => (a === null ? 1 : b === null ? -1 : compareNames(a, b)));
  return values.map((value) => {
    const list = byValue.get(value)!;
    return { value, title: value ?? `No ${key} label`, rows: list, totals: groupTotals(list) };
  });
}

/** The rows in group order (what the table shows top to bottom). */
export function groupedOrder(groups: readonly FleetGroup[]): FleetRow[] {
  return groups.flatMap((g) => g.rows);
}
