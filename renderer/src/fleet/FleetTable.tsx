import { Fragment, useCallback, useEffect, useMemo, useState, type Dispatch, type Ref, type SetStateAction } from 'react';
import type { AlertSummary } from '../../../shared/model/alerts';
import { gpuBadge } from '../alerts/model';
import { useAlertSummary } from '../alerts/useAlertSummary';
import { formatMib, formatPct, MISSING } from '../format';
import { serverClock } from '../live';
import { FleetTableRow, type RowActions } from './FleetTableRow';
import { GpuDetailList } from './GpuCells';
import type { FleetGroup } from './groups';
import { rowStale, type FleetRow } from './rows';
import { fleetStore } from './store';
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
  { key: 'labels', label: 'Labels' },
  { key: 'cpu', label: 'CPU', numeric: true },
  { key: 'memory', label: 'Memory', numeric: true },
  { key: 'disk', label: 'Fullest disk', numeric: true, title: 'The filesystem with the highest use' },
  { key: 'gpus', label: 'GPUs', numeric: true },
  { key: 'gpuUtil', label: 'GPU load', title: 'Utilisation of each GPU and their mean, 15 minutes of it, memory, hottest, power against limit, problems' },
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
  tableRef?: Ref<HTMLDivElement>;
  /** The rows in their groups (one group when not grouped). */
  groups: readonly FleetGroup[];
  /** Group heads with totals are shown. */
  grouped: boolean;
  /** The rows to show, filtered, sorted and grouped: what the CSV exports. */
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
  actions: Omit<RowActions, 'onToggleGpus'>;
}

/** Rows whose GPU history is read at once: the first screenfuls; the rest fill from live ticks. */
const BACKFILL_FIRST_ROWS = 40;

/** xidFlags per alert summary and row object (both kept while unchanged): the table re-renders every second. */
const xidFlagCache = new WeakMap<AlertSummary, WeakMap<FleetRow, readonly string[]>>();

/** "Xid" alerts firing on a node's GPUs, as flags for its GPU cell. */
function xidFlags(summary: AlertSummary | null, row: FleetRow): readonly string[] {
  if (!summary || !row.data) return NO_FLAGS;
  let byRow = xidFlagCache.get(summary);
  if (!byRow) xidFlagCache.set(summary, (byRow = new WeakMap()));
  let flags = byRow.get(row);
  if (!flags) byRow.set(row, (flags = xidFlagsOf(summary, row)));
  return flags;
}

function xidFlagsOf(summary: AlertSummary, row: FleetRow): readonly string[] {
  if (!row.data) return NO_FLAGS;
  const flags: string[] = [];
  row.data.gpus.forEach((gpu, i) => {
    const badge = gpuBadge(summary, [gpu.uuid, gpu.key]);
    if (badge && /xid/i.test(badge.title)) flags.push(`GPU ${gpu.index ?? i}: ${badge.title}`);
  });
  return flags.length ? flags : NO_FLAGS;
}
const NO_FLAGS: readonly string[] = [];

function GroupHead({ group, columns }: { group: FleetGroup; columns: number }) {
  const t = group.totals;
  const memory = t.gpuMemUsedMib !== null && t.gpuMemTotalMib !== null ? `${formatMib(t.gpuMemUsedMib)} / ${formatMib(t.gpuMemTotalMib)}` : MISSING;
  return (
    <tr className="fleet-group" data-testid={`fleet-group-${group.value ?? '-'}`} data-group={group.value ?? ''}>
      <th scope="rowgroup" colSpan={columns}>
        <span className="fleet-group__title">{group.title}</span>
        <span className="fleet-group__totals">
          <span data-total="nodes">
            {t.nodes} node{t.nodes === 1 ? '' : 's'}
          </span>
          <span data-total="gpus">
            {t.gpus} GPU{t.gpus === 1 ? '' : 's'}
          </span>
          <span data-total="util">mean util {t.meanGpuUtilPct === null ? MISSING : formatPct(t.meanGpuUtilPct)}</span>
          <span data-total="memory">memory {memory}</span>
          <span data-total="problems" className={t.problems > 0 ? 'fleet-group__problems' : undefined}>
            {t.problems} problem{t.problems === 1 ? '' : 's'}
          </span>
        </span>
      </th>
    </tr>
  );
}

/** The nodes, one row each, under sortable column heads; grouped by a label with totals per group. */
export function FleetTable({ tableRef, groups, grouped, visible, total, loaded, failed, now, intervalMs, sort, setSort, actions }: FleetTableProps) {
  const coarseNow = Math.floor(now / COARSE_NOW_MS) * COARSE_NOW_MS;
  const alerts = useAlertSummary();
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set());
  const onToggleGpus = useCallback(
    (nodeId: string) =>
      setExpanded((set) => {
        const next = new Set(set);
        if (!next.delete(nodeId)) next.add(nodeId);
        return next;
      }),
    [],
  );
  const rowActions = useMemo<RowActions>(() => ({ ...actions, onToggleGpus }), [actions, onToggleGpus]);
  const sparks = fleetStore.sparks;

  // Sparkline history for the first rows, once per node (the store bounds the requests).
  const firstIds = visible
    .slice(0, BACKFILL_FIRST_ROWS)
    .filter((r) => (r.data?.gpus.length ?? 0) > 0)
    .map((r) => r.id)
    .join('\n');
  useEffect(() => {
    if (firstIds) fleetStore.backfillSparks(firstIds.split('\n'), serverClock.now(Date.now()));
  }, [firstIds]);
  // Stored history arriving redraws the table (its sparklines) only.
  const [, setBackfills] = useState(0);
  useEffect(() => fleetStore.onSparksBackfilled(() => setBackfills((n) => n + 1)), []);

  const columns = COLUMNS.length + 1;
  return (
    <div className="fleet-table__wrap" ref={tableRef} tabIndex={-1} data-testid="fleet-table-wrap">
      <table className="fleet-table" data-testid="fleet-table">
        <thead>
          <tr>
            {COLUMNS.map((column) => (
              <SortHeader key={column.key} column={column} sort={sort} onSort={(key) => setSort((s) => nextSort(s, key))} />
            ))}
            <th scope="col" className="fleet-actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        {groups.map((group) => (
          <tbody key={group.value ?? '\u0000none'}>
            {grouped && <GroupHead group={group} columns={columns} />}
            {group.rows.map((row) => {
              const stale = rowStale(row, now, intervalMs);
              const open = expanded.has(row.id) && row.data !== null && row.data.gpus.length > 0;
              return (
                <Fragment key={row.id}>
                  <FleetTableRow
                    row={row}
                    now={stale ? now : coarseNow}
                    stale={stale}
                    actions={rowActions}
                    alerts={alerts?.nodes[row.id] ?? null}
                    spark={sparks.nodeMean(row.id)}
                    sparkVersion={sparks.versionOf(row.id)}
                    expanded={open}
                    alertFlags={xidFlags(alerts, row)}
                  />
                  {open && (
                    <tr className="fleet-row-detail" data-testid={`fleet-row-detail-${row.id}`}>
                      <td colSpan={columns}>
                        <GpuDetailList
                          data={row.data!}
                          nodeId={row.id}
                          sparkOf={(key) => sparks.gpu(row.id, key)}
                          sparkVersion={sparks.versionOf(row.id)}
                          now={coarseNow}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              );
            })}
          </tbody>
        ))}
      </table>
      {loaded && visible.length === 0 && <p className="fleet-table__empty">{total === 0 ? 'No nodes yet.' : 'No node matches the filter.'}</p>}
      {!loaded && !failed && <p className="fleet-table__empty">Reading the fleet…</p>}
    </div>
  );
}
