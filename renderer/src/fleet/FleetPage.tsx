import { useCallback, useDeferredValue, useEffect, useId, useMemo, useRef, useState, type SetStateAction } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { api } from '../api';
import { describeError } from '../errors';
import { useServerNow } from '../hooks/useServerNow';
import { Notice } from '../ui/Notice';
import { fleetCsv, downloadText } from './csv';
import { allLabels, filterRows, type FleetFilter } from './filter';
import { FleetDialogs, type FleetDialog } from './FleetDialogs';
import { FleetFilters } from './FleetFilters';
import { HostKeyBanner, OnlyLocalPanel } from './FleetNotices';
import { FleetTable } from './FleetTable';
import type { RowActions } from './FleetTableRow';
import { GpuHeatmap } from './heatmap/GpuHeatmap';
import { focusAfterRemove } from './focus';
import { groupedOrder, groupKeys, groupRows } from './groups';
import { sortRows, type FleetSort } from './sort';
import { fleetStore, useFleetView } from './store';
import { DEFAULT_FLEET_VIEW_STATE, type FleetViewState } from './viewState';

/** How long after Remove the page still moves the focus when the row goes. */
const REMOVED_FOCUS_MS = 15_000;

interface FleetPageProps {
  mode: AppInfo['mode'] | null;
  /** The collection interval: values older than two are drawn stale. */
  intervalMs: number;
  onOpenNode(nodeId: string): void;
  /** Called once the fleet is on screen (the app-ready test hook). */
  onShown(): void;
  /**
   * Filter, sort and grouping, when the shell keeps them (in the URL); with `onViewStateChange`
   * the page is controlled. Without them it keeps its own.
   */
  viewState?: FleetViewState;
  onViewStateChange?(next: FleetViewState): void;
}

/** The page's view state: the shell's when it passes one, else the page's own. */
function useViewState(controlled: FleetViewState | undefined, onChange: ((next: FleetViewState) => void) | undefined) {
  const [own, setOwn] = useState<FleetViewState>(DEFAULT_FLEET_VIEW_STATE);
  const state = controlled ?? own;
  const latest = useRef(state);
  latest.current = state;
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const update = useCallback((change: (s: FleetViewState) => FleetViewState) => {
    const next = change(latest.current);
    latest.current = next;
    if (onChangeRef.current) onChangeRef.current(next);
    else setOwn(next);
  }, []);
  const setFilter = useCallback(
    (action: SetStateAction<FleetFilter>) => update((s) => ({ ...s, filter: typeof action === 'function' ? action(s.filter) : action })),
    [update],
  );
  const setSort = useCallback(
    (action: SetStateAction<FleetSort>) => update((s) => ({ ...s, sort: typeof action === 'function' ? action(s.sort) : action })),
    [update],
  );
  const setGroupBy = useCallback((groupBy: string | null) => update((s) => ({ ...s, groupBy })), [update]);
  return { ...state, setFilter, setSort, setGroupBy };
}

/** Every node at a glance: state, load, GPUs; the door to adding nodes and to each node's page. */
export function FleetPage({ mode, intervalMs, onOpenNode, onShown, viewState, onViewStateChange }: FleetPageProps) {
  const view = useFleetView(500);
  const now = useServerNow(1000);
  // The clock re-renders the rows whose age text moves (all of them every 10 s): in the
  // background, sliced between frames, like the table's updates.
  const tableNow = useDeferredValue(now);
  const { filter, sort, groupBy, setFilter, setSort, setGroupBy } = useViewState(viewState, onViewStateChange);
  const [dialog, setDialog] = useState<FleetDialog | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const ids = useId();
  const loaded = view.states !== null;

  useEffect(() => {
    if (loaded) onShown();
  }, [loaded, onShown]);

  const rows = view.rows;
  const matching = useMemo(() => filterRows(rows, filter), [rows, filter]);
  const sorted = useMemo(() => sortRows(matching, sort), [matching, sort]);
  const groups = useMemo(() => groupRows(sorted, groupBy), [sorted, groupBy]);
  const visible = useMemo(() => groupedOrder(groups), [groups]);
  const labels = useMemo(() => allLabels(rows), [rows]);
  const keys = useMemo(() => groupKeys(rows), [rows]);
  const visibleRef = useRef(visible);
  visibleRef.current = visible;
  const tableRef = useRef<HTMLDivElement>(null);
  const retired = useMemo(() => rows.filter((r) => r.status === 'not-collected').length, [rows]);
  const shownCollected = rows.length - retired;
  const gpuCount = useMemo(() => matching.reduce((n, r) => n + (r.data?.gpus.length ?? 0), 0), [matching]);
  const waitingKeys = useMemo(
    () => rows.filter((r) => r.hostKey !== null).sort((a, b) => (a.status === 'host-key-mismatch' ? -1 : 0) - (b.status === 'host-key-mismatch' ? -1 : 0)),
    [rows],
  );
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

  const dialogRef = useRef(dialog);
  dialogRef.current = dialog;
  /** A node just removed here, and the rows shown then: its row's focus moves on once the row is gone. */
  const removedRef = useRef<{ nodeId: string; ids: string[]; at: number } | null>(null);
  const close = useCallback(() => {
    const open = dialogRef.current;
    if (open?.kind === 'remove' && !fleetStore.collects(open.nodeId))
      removedRef.current = { nodeId: open.nodeId, ids: visibleRef.current.map((r) => r.id), at: performance.now() };
    setDialog(null);
  }, []);
  // After Remove the focus goes to the next row's menu button (or the table), never to <body>:
  // when the removed row leaves the table, the button that had the focus goes with it.
  useEffect(() => {
    const removed = removedRef.current;
    if (!removed) return;
    if (performance.now() - removed.at > REMOVED_FOCUS_MS) {
      removedRef.current = null;
      return;
    }
    if (visible.some((r) => r.id === removed.nodeId)) return;
    removedRef.current = null;
    if (document.activeElement === null || document.activeElement === document.body) focusAfterRemove(tableRef.current, removed.ids, removed.nodeId);
  }, [visible]);
  const exportCsv = useCallback(() => {
    const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
    downloadText(`fleet-${stamp}.csv`, 'text/csv;charset=utf-8', fleetCsv(visibleRef.current, groupByRef.current));
  }, []);
  const groupByRef = useRef(groupBy);
  groupByRef.current = groupBy;
  const actions = useMemo<Omit<RowActions, 'onToggleGpus'>>(
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

  const onlyLocal = loaded && shownCollected <= 1 && rows.every((r) => r.kind !== 'ssh');

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
      <HostKeyBanner waiting={waitingKeys} onReview={(nodeId) => setDialog({ kind: 'host-key', nodeId })} />
      {onlyLocal && <OnlyLocalPanel onAdd={() => setDialog({ kind: 'add' })} onImport={() => setDialog({ kind: 'import' })} />}

      <GpuHeatmap filter={filter} groupBy={groupBy} onOpenNode={onOpenNode} gpuCount={gpuCount} intervalMs={intervalMs} />

      <section className="panel fleet-table-panel" aria-labelledby={`${ids}-nodes`}>
        <FleetFilters
          titleId={`${ids}-nodes`}
          filter={filter}
          setFilter={setFilter}
          labels={labels}
          groupKeys={keys}
          groupBy={groupBy}
          setGroupBy={setGroupBy}
          onExport={exportCsv}
          retired={retired}
          shown={visible.length}
          total={rows.length}
        />
        <FleetTable
          tableRef={tableRef}
          groups={groups}
          grouped={groupBy !== null}
          visible={visible}
          total={rows.length}
          loaded={loaded}
          failed={view.error !== null}
          now={tableNow}
          intervalMs={intervalMs}
          sort={sort}
          setSort={setSort}
          actions={actions}
        />
      </section>
      <FleetDialogs dialog={dialog} rowById={rowById} awaitingKeyReview={view.awaitingKeyReview} mode={mode} onClose={close} />
    </div>
  );
}
