import { memo, type MouseEvent } from 'react';
import type { AlertSummary } from '../../../shared/model/alerts';
import { AlertBadge } from '../alerts/AlertBadge';
import { nodeEntryBadge } from '../alerts/model';
import { formatAgo, formatClock, formatDateTime, formatPct, MISSING } from '../format';
import { lastSeenText } from '../staleness';
import { UsageBar } from '../ui/UsageBar';
import type { FleetDialog } from './FleetDialogs';
import type { FleetRow } from './rows';
import { needsPassphrase, statusTone, statusWord } from './status';

function Pct({ value, bar, label }: { value: number | null; bar: boolean; label: string }) {
  if (value === null) return <span className="muted">{MISSING}</span>;
  return (
    <span className="fleet-pct">
      <span className="fleet-pct__value">{formatPct(value)}</span>
      {bar && <UsageBar pct={value} label={label} />}
    </span>
  );
}

/** What a row's buttons do, from the page. */
export interface RowActions {
  onOpen(nodeId: string): void;
  onDialog(dialog: FleetDialog): void;
  onRetry(nodeId: string): void;
  onLabel(label: string): void;
}

/** One node in the table: status, identity, load, and the actions its state calls for. */
export const FleetTableRow = memo(function FleetTableRow({
  row,
  now,
  stale,
  actions,
  alerts = null,
}: {
  row: FleetRow;
  now: number;
  stale: boolean;
  actions: RowActions;
  /** The node's firing alerts (worst severity, count), from the alert summary. */
  alerts?: AlertSummary['nodes'][string] | null;
}) {
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
        <AlertBadge info={nodeEntryBadge(alerts, row.id)} to={{ nodeId: row.id }} testId={`fleet-alerts-${row.id}`} />
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
          <button
            type="button"
            className="button button--small button--warn"
            data-testid={`passphrase-open-${row.id}`}
            onClick={() => actions.onDialog({ kind: 'passphrase', nodeId: row.id })}
          >
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
            <button
              type="button"
              className="button button--small button--quiet"
              aria-label={`Edit the labels of ${row.id}`}
              onClick={() => actions.onDialog({ kind: 'labels', nodeId: row.id })}
            >
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
