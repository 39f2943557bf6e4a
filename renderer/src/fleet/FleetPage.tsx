import { useCallback, useEffect, useId, useMemo, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { api } from '../api';
import { describeError } from '../errors';
import { useServerNow } from '../hooks/useServerNow';
import { Notice } from '../ui/Notice';
import { allLabels, DEFAULT_FILTER, filterRows, type FleetFilter } from './filter';
import { FleetDialogs, type FleetDialog } from './FleetDialogs';
import { FleetFilters } from './FleetFilters';
import { HostKeyBanner, OnlyLocalPanel } from './FleetNotices';
import { FleetTable } from './FleetTable';
import type { RowActions } from './FleetTableRow';
import { GpuHeatmap } from './heatmap/GpuHeatmap';
import { DEFAULT_SORT, sortRows, type FleetSort } from './sort';
import { fleetStore, useFleetView } from './store';

interface FleetPageProps {
  mode: AppInfo['mode'] | null;
  /** The collection interval: values older than two are drawn stale. */
  intervalMs: number;
  onOpenNode(nodeId: string): void;
  /** Called once the fleet is on screen (the app-ready test hook). */
  onShown(): void;
}

/** Every node at a glance: state, load, GPUs; the door to adding nodes and to each node's page. */
export function FleetPage({ mode, intervalMs, onOpenNode, onShown }: FleetPageProps) {
  const view = useFleetView(500);
  const now = useServerNow(1000);
  const [filter, setFilter] = useState<FleetFilter>(DEFAULT_FILTER);
  const [sort, setSort] = useState<FleetSort>(DEFAULT_SORT);
  const [dialog, setDialog] = useState<FleetDialog | null>(null);
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

      <GpuHeatmap filter={filter} onOpenNode={onOpenNode} gpuCount={gpuCount} intervalMs={intervalMs} />

      <section className="panel fleet-table-panel" aria-labelledby={`${ids}-nodes`}>
        <FleetFilters
          titleId={`${ids}-nodes`}
          filter={filter}
          setFilter={setFilter}
          labels={labels}
          retired={retired}
          shown={visible.length}
          total={rows.length}
        />
        <FleetTable
          visible={visible}
          total={rows.length}
          loaded={loaded}
          failed={view.error !== null}
          now={now}
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
