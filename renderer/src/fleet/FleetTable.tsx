import type { Dispatch, SetStateAction } from 'react';
import { useAlertSummary } from '../alerts/useAlertSummary';
import { FleetTableRow, type RowActions } from './FleetTableRow';
import { rowStale, type FleetRow } from './rows';
import { nextSort, type FleetSort, type SortKey } from './sort';

interface Column {
  key: SortKey;
  label: string;
  numeric?: boolean;
  title?: string;
}

const COLUMNS: Column[] = [
  { key: 'status', label: 'Status' },
  { key: 'name', label: 'Node' },
  { key: 'address', label: 'Address' },
  { key: 'labels', label: 'Labels' },
  { key: 'cpu', label: 'CPU', numeric: true },
  { key: 'memory', label: 'Memory', numeric: true },
  { key: 'disk', label: 'Fullest disk', numeric: true, title: 'The filesystem with the highest use' },
  { key: 'gpus', label: 'GPUs', numeric: true },
  { key: 'gpuUtil', label: 'GPU util', numeric: true, title: 'Mean utilisation of the GPUs' },
];

/** How often fresh rows refresh their "since" text; stale rows follow the clock every second. */
const COARSE_NOW_MS = 10_000;

function SortHeader({ column, sort, onSort }: { column: Column; sort: FleetSort; onSort(key: SortKey): void }) {
  const active = sort.key === column.key;
  return (
    <th
      scope="col"
      className={column.numeric ? 'num' : undefined}
      aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
      title={column.title}
    >
      <button type="button" className="sort-button" data-testid={`fleet-sort-${column.key}`} onClick={() => onSort(column.key)}>
        {column.label}
        <span className="sort-button__arrow" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

interface FleetTableProps {
  /** The rows to show, filtered and sorted. */
  visible: readonly FleetRow[];
  /** Every row, shown or not. */
  total: number;
  loaded: boolean;
  failed: boolean;
  /** Engine time now. */
  now: number;
  intervalMs: number;
  sort: FleetSort;
  setSort: Dispatch<SetStateAction<FleetSort>>;
  actions: RowActions;
}

/** The nodes, one row each, under sortable column heads. */
export function FleetTable({ visible, total, loaded, failed, now, intervalMs, sort, setSort, actions }: FleetTableProps) {
  const coarseNow = Math.floor(now / COARSE_NOW_MS) * COARSE_NOW_MS;
  const alerts = useAlertSummary();
  return (
    <div className="fleet-table__wrap">
      <table className="fleet-table" data-testid="fleet-table">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <SortHeader key={column.key} column={column} sort={sort} onSort={(key) => setSort((s) => nextSort(s, key))} />
            ))}
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {visible.map((row) => {
            const stale = rowStale(row, now, intervalMs);
            return (
              <FleetTableRow key={row.id} row={row} now={stale ? now : coarseNow} stale={stale} actions={actions} alerts={alerts?.nodes[row.id] ?? null} />
            );
          })}
        </tbody>
      </table>
      {loaded && visible.length === 0 && <p className="fleet-table__empty">{total === 0 ? 'No nodes yet.' : 'No node matches the filter.'}</p>}
      {!loaded && !failed && <p className="fleet-table__empty">Reading the fleet…</p>}
    </div>
  );
}
