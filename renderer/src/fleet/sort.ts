/** The fleet table's sort: by a column, missing values last, names in human order. */
import type { FleetRow } from './rows';
import { statusSeverity } from './status';

export type SortKey = 'status' | 'name' | 'address' | 'labels' | 'cpu' | 'memory' | 'disk' | 'gpus' | 'gpuUtil';
export interface FleetSort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export const DEFAULT_SORT: FleetSort = { key: 'name', dir: 'asc' };

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Names in human order: node2 before node10. */
export const compareNames = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

function sortValue(row: FleetRow, key: SortKey): number | string | null {
  switch (key) {
    case 'status':
      return statusSeverity(row.status);
    case 'name':
      return row.hostname;
    case 'address':
      return row.address;
    case 'labels':
      return row.labels.length ? row.labels.join(',') : null;
    case 'cpu':
      return row.data?.cpuPct ?? null;
    case 'memory':
      return row.data?.memPct ?? null;
    case 'disk':
      return row.data?.worstDisk?.pct ?? null;
    case 'gpus':
      return row.data ? row.data.gpus.length : null;
    case 'gpuUtil':
      return row.data?.gpuUtilMean ?? null;
  }
}

/** Sorted copy; missing values last whichever the direction, ties by name then id. */
export function sortRows(rows: readonly FleetRow[], sort: FleetSort): FleetRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else {
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : compareNames(String(va), String(vb));
      if (c !== 0) return c * sign;
    }
    return compareNames(a.hostname, b.hostname) || compareNames(a.id, b.id);
  });
}

/** Clicking a column: the same one flips direction; a new one starts ascending for text and descending for numbers. */
export function nextSort(current: FleetSort, key: SortKey): FleetSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' || key === 'address' || key === 'labels' || key === 'status' ? 'asc' : 'desc' };
}
