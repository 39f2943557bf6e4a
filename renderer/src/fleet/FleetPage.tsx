import { memo, useCallback, useEffect, useId, useMemo, useState, type MouseEvent } from 'react';
import type { AppInfo } from '../../../shared/contract';
import type { NodeState, SshConfigCandidate, SshNode } from '../../../shared/model/inventory';
import { api } from '../api';
import { describeError } from '../errors';
import { formatAgo, formatClock, formatDateTime, formatPct, MISSING } from '../format';
import { useServerNow } from '../hooks/useServerNow';
import { lastSeenText } from '../staleness';
import { Notice } from '../ui/Notice';
import { UsageBar } from '../ui/UsageBar';
import { AddNodeDialog } from './dialogs/AddNodeDialog';
import { HostKeyDialog } from './dialogs/HostKeyDialog';
import { ImportDialog } from './dialogs/ImportDialog';
import { LabelsDialog, RemoveNodeDialog } from './dialogs/NodeDialogs';
import { PassphraseDialog } from './dialogs/PassphraseDialog';
import { allLabels, DEFAULT_FILTER, filterRows, type FleetFilter, type StatusFilter } from './filter';
import { GpuHeatmap } from './heatmap/GpuHeatmap';
import { rowStale, type FleetRow } from './rows';
import { DEFAULT_SORT, nextSort, sortRows, type FleetSort, type SortKey } from './sort';
import { keyPathFromError, needsPassphrase, statusTone, statusWord } from './status';
import { fleetStore, useFleetView } from './store';

type Dialog =
  | { kind: 'add' }
  | { kind: 'import' }
  | { kind: 'host-key'; nodeId: string }
  | { kind: 'passphrase'; nodeId: string }
  | { kind: 'remove'; nodeId: string }
  | { kind: 'labels'; nodeId: string };

interface FleetPageProps {
  mode: AppInfo['mode'] | null;
  /** The collection interval: values older than two are drawn stale. */
  intervalMs: number;
  onOpenNode(nodeId: string): void;
  /** Called once the fleet is on screen (the app-ready test hook). */
  onShown(): void;
}

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

const STATUS_OPTIONS: Array<{ value: StatusFilter; label: string }> = [
  { value: 'all', label: 'Any status' },
  { value: 'problems', label: 'Needs attention' },
  { value: 'up', label: 'Up' },
  { value: 'degraded', label: 'Degraded' },
  { value: 'connecting', label: 'Connecting' },
  { value: 'unreachable', label: 'Unreachable' },
  { value: 'auth-failed', label: 'Auth failed' },
  { value: 'host-key-unknown', label: 'Host key unknown' },
  { value: 'host-key-mismatch', label: 'Host key changed' },
  { value: 'not-collected', label: 'Not collected' },
];

function Pct({ value, bar, label }: { value: number | null; bar: boolean; label: string }) {
  if (value === null) return <span className="muted">{MISSING}</span>;
  return (
    <span className="fleet-pct">
      <span className="fleet-pct__value">{formatPct(value)}</span>
      {bar && <UsageBar pct={value} label={label} />}
    </span>
  );
}

interface RowActions {
  onOpen(nodeId: string): void;
  onDialog(dialog: Dialog): void;
  onRetry(nodeId: string): void;
  onLabel(label: string): void;
}

/** How often fresh rows refresh their "since" text; stale rows follow the clock every second. */
const COARSE_NOW_MS = 10_000;

const FleetTableRow = memo(function FleetTableRow({ row, now, stale, actions }: { row: FleetRow; now: number; stale: boolean; actions: RowActions }) {
  const tone = statusTone(row.status);
  const data = row.data;
  // Every value carries its age: on hover, and in words once it is stale.
  const age = data ? `collected ${formatClock(data.collectedAt, true)}${stale ? ` (${lastSeenText(data.collectedAt, now)})` : ''}` : undefined;
  const ssh = row.kind === 'ssh';
  const problem = row.lastError ?? undefined;
  const openOnRowClick = (event: MouseEvent<HTMLTableRowElement>) => {
    // The row is a large target for the mouse; keyboard users have the node's button.
    if ((event.target as HTMLElement).closest('button, a, input, select')) return;
    if (window.getSelection()?.toString()) return;
    actions.onOpen(row.id);
  };
  return (
    <tr
      className={`fleet-row fleet-row--${tone}${stale ? ' fleet-row--stale' : ''}`}
      data-testid={`fleet-row-${row.id}`}
      data-status={row.status}
      data-stale={String(stale)}
      onClick={openOnRowClick}
    >
      <td className="fleet-status" title={problem}>
        <span className={`fleet-status__word fleet-status__word--${tone}`}>
          {/* A stale row's status is its last known one: no green dot for it. */}
          <span className={`dot dot--${stale && tone === 'ok' ? 'neutral' : tone}`} aria-hidden="true" />
          {statusWord(row.status)}
        </span>
        {row.since !== null && (
          <span className="fleet-status__since" title={`since ${formatDateTime(row.since)}`}>
            since {formatAgo(row.since, now).replace(' ago', '')}
          </span>
        )}
        {problem && row.status !== 'up' && <span className="visually-hidden">: {problem}</span>}
        {stale && data && (
          <span className="fleet-status__seen" data-testid={`last-seen-${row.id}`} title={`values collected ${formatDateTime(data.collectedAt)}`}>
            {lastSeenText(data.collectedAt, now)}
          </span>
        )}
      </td>
      <td className="fleet-node">
        <button type="button" className="link-button" data-testid={`node-link-${row.id}`} onClick={() => actions.onOpen(row.id)}>
          {row.hostname}
        </button>
        {row.hostname !== row.id && <span className="fleet-node__alias">{row.id}</span>}
        {row.kind === 'local' && <span className="fleet-node__alias">this machine</span>}
        {row.notes.length > 0 && (
          <span className="fleet-node__note" data-testid={`node-notes-${row.id}`} title={row.notes.join('\n')}>
            readings cut
          </span>
        )}
      </td>
      <td className="fleet-address mono">{row.address ?? (row.kind === 'local' ? 'local' : MISSING)}</td>
      <td className="fleet-labels">
        {row.labels.map((label) => (
          <button key={label} type="button" className="chip" title={`Show only ${label}`} onClick={() => actions.onLabel(label)}>
            {label}
          </button>
        ))}
      </td>
      <td className="num" title={age}>
        <Pct value={data?.cpuPct ?? null} bar label={`CPU of ${row.id}`} />
      </td>
      <td className="num" title={age}>
        <Pct value={data?.memPct ?? null} bar label={`Memory of ${row.id}`} />
      </td>
      <td className="num" title={data?.worstDisk ? `${data.worstDisk.mount}: ${formatPct(data.worstDisk.pct)} used, ${age}` : undefined}>
        {data?.worstDisk ? (
          <span className="fleet-pct">
            <span className="fleet-pct__value">
              {formatPct(data.worstDisk.pct)} <span className="fleet-disk__mount">{data.worstDisk.mount}</span>
            </span>
            <UsageBar pct={data.worstDisk.pct} label={`Fullest disk of ${row.id}`} />
          </span>
        ) : (
          <span className="muted">{MISSING}</span>
        )}
      </td>
      <td className="num" data-testid={`gpu-count-${row.id}`} title={data?.gpusUnread ? 'The last collection could not read these GPUs' : age}>
        {data ? (
          <>
            {data.gpus.length}
            {data.gpusUnread && <span className="fleet-gpus__unread"> no reading</span>}
          </>
        ) : (
          <span className="muted">{MISSING}</span>
        )}
      </td>
      <td className="num" title={age}>
        <Pct value={data?.gpuUtilMean ?? null} bar={false} label={`GPU utilisation of ${row.id}`} />
      </td>
      <td className="fleet-actions">
        {row.hostKey && (
          <button
            type="button"
            className={`button button--small ${row.status === 'host-key-mismatch' ? 'button--danger' : 'button--warn'}`}
            data-testid={`host-key-open-${row.id}`}
            onClick={() => actions.onDialog({ kind: 'host-key', nodeId: row.id })}
          >
            Review key…
          </button>
        )}
        {needsPassphrase(row) && (
          <button type="button" className="button button--small button--warn" data-testid={`passphrase-open-${row.id}`} onClick={() => actions.onDialog({ kind: 'passphrase', nodeId: row.id })}>
            Passphrase…
          </button>
        )}
        {ssh && (row.status === 'unreachable' || row.status === 'auth-failed' || row.status === 'degraded') && (
          <button type="button" className="button button--small" title="Connect now instead of after the back-off" onClick={() => actions.onRetry(row.id)}>
            Retry
          </button>
        )}
        {ssh && (
          <>
            <button type="button" className="button button--small button--quiet" aria-label={`Edit the labels of ${row.id}`} onClick={() => actions.onDialog({ kind: 'labels', nodeId: row.id })}>
              Labels
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              aria-label={`Remove ${row.id}`}
              data-testid={`remove-open-${row.id}`}
              onClick={() => actions.onDialog({ kind: 'remove', nodeId: row.id })}
            >
              Remove
            </button>
          </>
        )}
      </td>
    </tr>
  );
});

function SortHeader({ column, sort, onSort }: { column: Column; sort: FleetSort; onSort(key: SortKey): void }) {
  const active = sort.key === column.key;
  return (
    <th scope="col" className={column.numeric ? 'num' : undefined} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} title={column.title}>
      <button type="button" className="sort-button" data-testid={`fleet-sort-${column.key}`} onClick={() => onSort(column.key)}>
        {column.label}
        <span className="sort-button__arrow" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  );
}

/** Every node at a glance: state, load, GPUs; the door to adding nodes and to each node's page. */
export function FleetPage({ mode, intervalMs, onOpenNode, onShown }: FleetPageProps) {
  const view = useFleetView(500);
  const now = useServerNow(1000);
  const coarseNow = Math.floor(now / COARSE_NOW_MS) * COARSE_NOW_MS;
  const [filter, setFilter] = useState<FleetFilter>(DEFAULT_FILTER);
  const [sort, setSort] = useState<FleetSort>(DEFAULT_SORT);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const ids = useId();
  const loaded = view.states !== null;

  useEffect(() => {
    if (loaded) onShown();
  }, [loaded, onShown]);

  const rows = view.rows;
  const matching = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const visible = useMemo(() => sortRows(matching, sort), [matching, sort]);
  const labels = useMemo(() => allLabels(rows), [rows]);
  const retired = useMemo(() => rows.filter((r) => r.status === 'not-collected').length, [rows]);
  const shownCollected = rows.length - retired;
  const gpuCount = useMemo(() => matching.reduce((n, r) => n + (r.data?.gpus.length ?? 0), 0), [matching]);
  const waitingKeys = useMemo(() => rows.filter((r) => r.hostKey !== null).sort((a, b) => (a.status === 'host-key-mismatch' ? -1 : 0) - (b.status === 'host-key-mismatch' ? -1 : 0)), [rows]);
  const rowById = useMemo(() => new Map(rows.map((r) => [r.id, r])), [rows]);

  // Nodes added from this window that stop at an unknown host key ask for it by themselves;
  // those that connect (or fail otherwise) need no question.
  useEffect(() => {
    for (const id of view.awaitingKeyReview) {
      const row = rowById.get(id);
      if (!row) continue;
      if (row.status !== 'connecting' && row.hostKey === null) fleetStore.doneKeyReview(id);
    }
    if (dialog !== null) return;
    const next = [...view.awaitingKeyReview].map((id) => rowById.get(id)).find((row) => row?.hostKey);
    if (next) setDialog({ kind: 'host-key', nodeId: next.id });
  }, [view.awaitingKeyReview, rowById, dialog]);

  const close = useCallback(() => setDialog(null), []);
  const actions = useMemo<RowActions>(
    () => ({
      onOpen: onOpenNode,
      onDialog: (d) => {
        setActionError(null);
        setDialog(d);
      },
      onRetry: (nodeId) => {
        setActionError(null);
        api.call('nodes:retry', { nodeId }).then(
          (state) => fleetStore.applyState(state),
          (reason: unknown) => setActionError(`Could not retry ${nodeId}: ${describeError(reason)}`),
        );
      },
      onLabel: (label) => setFilter((f) => ({ ...f, label })),
    }),
    [onOpenNode],
  );

  const onAdded = useCallback((state: NodeState, node: SshNode) => {
    fleetStore.rememberIdentityFiles(node.id, node.identityFiles);
    fleetStore.applyState(state);
    fleetStore.expectKeyReview([node.id]);
    setDialog(null);
  }, []);
  const onImported = useCallback((added: string[], candidates: readonly SshConfigCandidate[]) => {
    for (const candidate of candidates) if (added.includes(candidate.alias)) fleetStore.rememberIdentityFiles(candidate.alias, candidate.identityFiles);
    fleetStore.expectKeyReview(added);
  }, []);

  const dialogRow = dialog && 'nodeId' in dialog ? rowById.get(dialog.nodeId) : undefined;
  let dialogView = null;
  if (dialog?.kind === 'add') dialogView = <AddNodeDialog onClose={close} onAdded={onAdded} />;
  else if (dialog?.kind === 'import') dialogView = <ImportDialog onClose={close} onImported={onImported} />;
  else if (dialog?.kind === 'host-key' && dialogRow?.hostKey) {
    const nodeId = dialog.nodeId;
    const queued = new Set([...view.awaitingKeyReview].filter((id) => id !== nodeId && rowById.get(id)?.hostKey)).size;
    dialogView = (
      <HostKeyDialog
        key={`${nodeId}|${dialogRow.hostKey.fingerprint}`}
        nodeId={nodeId}
        prompt={dialogRow.hostKey}
        mismatch={dialogRow.status === 'host-key-mismatch'}
        queued={queued}
        onClose={() => {
          // Cancel ends the automatic questions; the rows keep their "Review key" buttons.
          for (const id of view.awaitingKeyReview) fleetStore.doneKeyReview(id);
          setDialog(null);
        }}
        onTrusted={(state) => {
          fleetStore.doneKeyReview(nodeId);
          fleetStore.applyState(state);
          setDialog(null);
        }}
      />
    );
  } else if (dialog?.kind === 'passphrase' && dialogRow) {
    const known = fleetStore.identityFilesOf(dialog.nodeId);
    const fromError = keyPathFromError(dialogRow.lastError);
    const keyPaths = fromError && !known.includes(fromError) ? [fromError, ...known] : known;
    dialogView = <PassphraseDialog nodeId={dialog.nodeId} keyPaths={keyPaths} mode={mode} onClose={close} />;
  } else if (dialog?.kind === 'remove' && dialogRow) {
    dialogView = (
      <RemoveNodeDialog
        nodeId={dialog.nodeId}
        onClose={close}
        onRemoved={() => {
          fleetStore.forgetNode(dialog.nodeId);
          setDialog(null);
        }}
      />
    );
  } else if (dialog?.kind === 'labels' && dialogRow) {
    dialogView = (
      <LabelsDialog
        nodeId={dialog.nodeId}
        labels={dialogRow.labels}
        onClose={close}
        onSaved={(state) => {
          fleetStore.applyState(state);
          setDialog(null);
        }}
      />
    );
  }
  // A dialog whose node vanished (or whose key was settled elsewhere) closes.
  useEffect(() => {
    if (dialog && 'nodeId' in dialog && dialogView === null) setDialog(null);
  });

  const onlyLocal = loaded && shownCollected <= 1 && rows.every((r) => r.kind !== 'ssh');
  const filtered = filter.text !== '' || filter.label !== null || filter.status !== 'all';

  return (
    <div className="fleet" data-testid="page-fleet" data-loaded={String(loaded)}>
      <header className="fleet__head">
        <h1 className="fleet__title">Fleet</h1>
        <span className="fleet__count">
          {shownCollected} node{shownCollected === 1 ? '' : 's'}
        </span>
        <span className="fleet__spacer" />
        <button type="button" className="button" data-testid="import-open" onClick={() => setDialog({ kind: 'import' })}>
          Import from ssh config…
        </button>
        <button type="button" className="button button--primary" data-testid="add-node-open" onClick={() => setDialog({ kind: 'add' })}>
          Add node…
        </button>
      </header>

      {view.error && (
        <Notice tone="error" onRetry={() => fleetStore.reload()}>
          {view.error}
        </Notice>
      )}
      {actionError && <Notice tone="error">{actionError}</Notice>}
      {waitingKeys.length > 0 && (
        <div className={`notice ${waitingKeys.some((r) => r.status === 'host-key-mismatch') ? 'notice--error' : 'notice--warn'}`} role="status" data-testid="host-key-banner">
          <div className="notice__text">
            {waitingKeys.length === 1
              ? `${waitingKeys[0]!.id} waits for a host-key decision and is not collected until then.`
              : `${waitingKeys.length} nodes wait for a host-key decision and are not collected until then.`}
            {waitingKeys.some((r) => r.status === 'host-key-mismatch') && <strong> A host key has changed.</strong>}
          </div>
          <button type="button" className="button" onClick={() => setDialog({ kind: 'host-key', nodeId: waitingKeys[0]!.id })}>
            Review
          </button>
        </div>
      )}
      {onlyLocal && (
        <div className="fleet-empty panel">
          <h2 className="fleet-empty__title">Only this machine is monitored</h2>
          <p>Add the nodes of your cluster: Clusterdeck reads them over SSH, with nothing to install on them.</p>
          <div className="fleet-empty__actions">
            <button type="button" className="button button--primary" onClick={() => setDialog({ kind: 'add' })}>
              Add node…
            </button>
            <button type="button" className="button" onClick={() => setDialog({ kind: 'import' })}>
              Import from ssh config…
            </button>
          </div>
        </div>
      )}

      <GpuHeatmap filter={filter} onOpenNode={onOpenNode} gpuCount={gpuCount} intervalMs={intervalMs} />

      <section className="panel fleet-table-panel" aria-labelledby={`${ids}-nodes`}>
        <div className="fleet-filters" role="search">
          <h2 className="section__title" id={`${ids}-nodes`}>
            Nodes
          </h2>
          <label className="fleet-filters__search">
            <span className="visually-hidden">Filter nodes</span>
            <input
              className="input"
              type="search"
              placeholder="Filter by name, address, label…"
              value={filter.text}
              data-testid="fleet-filter-text"
              onChange={(event) => setFilter((f) => ({ ...f, text: event.target.value }))}
            />
          </label>
          <label className="fleet-filters__select">
            <span className="visually-hidden">Status</span>
            <select
              className="input"
              value={filter.status}
              data-testid="fleet-filter-status"
              onChange={(event) => setFilter((f) => ({ ...f, status: event.target.value as StatusFilter }))}
            >
              {STATUS_OPTIONS.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
          <label className="fleet-filters__select">
            <span className="visually-hidden">Label</span>
            <select
              className="input"
              value={filter.label ?? ''}
              data-testid="fleet-filter-label"
              disabled={labels.length === 0 && filter.label === null}
              onChange={(event) => setFilter((f) => ({ ...f, label: event.target.value === '' ? null : event.target.value }))}
            >
              <option value="">{labels.length === 0 ? 'No labels' : 'Any label'}</option>
              {labels.map((label) => (
                <option key={label} value={label}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          {retired > 0 && (
            <label className="check">
              <input type="checkbox" checked={filter.showRetired} onChange={(event) => setFilter((f) => ({ ...f, showRetired: event.target.checked }))} />
              Show {retired} not collected
            </label>
          )}
          <span className="fleet-filters__count" role="status">
            {filtered ? `${visible.length} of ${rows.length} shown` : ''}
          </span>
          {filtered && (
            <button type="button" className="button button--quiet" onClick={() => setFilter((f) => ({ ...DEFAULT_FILTER, showRetired: f.showRetired }))}>
              Clear filter
            </button>
          )}
        </div>
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
                return <FleetTableRow key={row.id} row={row} now={stale ? now : coarseNow} stale={stale} actions={actions} />;
              })}
            </tbody>
          </table>
          {loaded && visible.length === 0 && <p className="fleet-table__empty">{rows.length === 0 ? 'No nodes yet.' : 'No node matches the filter.'}</p>}
          {!loaded && !view.error && <p className="fleet-table__empty">Reading the fleet…</p>}
        </div>
      </section>
      {dialogView}
    </div>
  );
}
