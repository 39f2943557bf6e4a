/** The fleet table's filter: words, status, label, and whether nodes no longer collected show. */
import type { FleetRow } from './rows';
import { compareNames } from './sort';
import { isProblem, statusWord, type RowStatus } from './status';

export type StatusFilter = 'all' | 'problems' | RowStatus;

export interface FleetFilter {
  /** Matched, case-insensitively, against id, hostname, address, labels, GPU models, driver version and GPU UUIDs; words must all match. */
  text: string;
  status: StatusFilter;
  /** Only nodes with this label; null: any. */
  label: string | null;
  /** Also show nodes no longer collected. */
  showRetired: boolean;
}

export const DEFAULT_FILTER: FleetFilter = { text: '', status: 'all', label: null, showRetired: false };

export function matchesFilter(row: FleetRow, filter: FleetFilter): boolean {
  if (row.status === 'not-collected' && !filter.showRetired && filter.status !== 'not-collected') return false;
  if (filter.status === 'problems' ? !isProblem(row.status) : filter.status !== 'all' && row.status !== filter.status) return false;
  if (filter.label !== null && !row.labels.includes(filter.label)) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  return words.every((word) => haystackOf(row).includes(word));
}

/** The text a row's search words are matched in, built once per row object (rows are rebuilt when their data changes). */
const haystacks = new WeakMap<FleetRow, string>();
function haystackOf(row: FleetRow): string {
  let text = haystacks.get(row);
  if (text !== undefined) return text;
  const parts = [row.id, row.hostname, row.address ?? '', ...row.labels, statusWord(row.status)];
  const data = row.data;
  if (data) {
    if (data.driverVersion) parts.push(data.driverVersion);
    for (const gpu of data.gpus) {
      if (gpu.name) parts.push(gpu.name);
      if (gpu.uuid) parts.push(gpu.uuid);
      if (gpu.driverVersion) parts.push(gpu.driverVersion);
    }
  }
  text = parts.join('\n').toLowerCase();
  haystacks.set(row, text);
  return text;
}

export function filterRows(rows: readonly FleetRow[], filter: FleetFilter): FleetRow[] {
  return rows.filter((row) => matchesFilter(row, filter));
}

/** Every label in use, sorted, for the label filter. */
export function allLabels(rows: readonly FleetRow[]): string[] {
  const labels = new Set<string>();
  for (const row of rows) for (const label of row.labels) labels.add(label);
  return [...labels].sort(compareNames);
}
