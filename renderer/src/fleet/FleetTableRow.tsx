import { memo, type MouseEvent } from 'react';
import type { AlertSummary } from '../../../shared/model/alerts';
import { AlertBadge } from '../alerts/AlertBadge';
import { nodeEntryBadge } from '../alerts/model';
import { formatAgo, formatClock, formatDateTime, formatPct, MISSING } from '../format';
import { lastSeenText } from '../staleness';
import { UsageBar } from '../ui/UsageBar';
import type { FleetDialog } from './FleetDialogs';
import { rowMenuTestId } from './focus';
import { GpuCell } from './GpuCells';
import type { FleetRow } from './rows';
import { RowMenu, type RowMenuItem } from './RowMenu';
import type { SparkSeries } from './sparks';
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

const NO_FLAGS: readonly string[] = [];

/** What a row's buttons do, from the page. */
export interface RowActions {
  onOpen(nodeId: string): void;
  onDialog(dialog: FleetDialog): void;
  onRetry(nodeId: string): void;
  onLabel(label: string): void;
  /** Shows or hides the row's per-GPU list. */
  onToggleGpus(nodeId: string): void;
}

/** What the row's menu offers, for its state: the urgent first. */
export function rowMenuItems(row: FleetRow, actions: RowActions): RowMenuItem[] {
  const items: RowMenuItem[] = [];
  const ssh = row.kind === 'ssh';
  if (row.hostKey)
    items.push({
      id: 'host-key',
      label: 'Review host key…',
      testId: `host-key-open-${row.id}`,
      tone: row.status === 'host-key-mismatch' ? 'danger' : 'warn',
      onSelect: () => actions.onDialog({ kind: 'host-key', nodeId: row.id }),
    });
  if (needsPassphrase(row))
    items.push({
      id: 'passphrase',
      label: 'Passphrase…',
      testId: `passphrase-open-${row.id}`,
      tone: 'warn',
      onSelect: () => actions.onDialog({ kind: 'passphrase', nodeId: row.id }),
    });
  if (ssh && (row.status === 'unreachable' || row.status === 'auth-failed' || row.status === 'degraded'))
    items.push({
      id: 'retry',
      label: 'Retry now',
      testId: `retry-${row.id}`,
      title: 'Connect now instead of after the back-off',
      onSelect: () => actions.onRetry(row.id),
    });
  items.push({ id: 'open', label: 'Open node page', testId: `open-${row.id}`, onSelect: () => actions.onOpen(row.id) });
  if (ssh) {
    items.push(
      {
        id: 'edit',
        label: 'Edit connection…',
        ariaLabel: `Edit ${row.id}`,
        testId: `edit-open-${row.id}`,
        onSelect: () => actions.onDialog({ kind: 'edit', nodeId: row.id }),
      },
      {
        id: 'labels',
        label: 'Labels…',
        ariaLabel: `Edit the labels of ${row.id}`,
        testId: `labels-open-${row.id}`,
        onSelect: () => actions.onDialog({ kind: 'labels', nodeId: row.id }),
      },
      {
        id: 'remove',
        label: 'Remove…',
        ariaLabel: `Remove ${row.id}`,
        testId: `remove-open-${row.id}`,
        tone: 'danger',
        onSelect: () => actions.onDialog({ kind: 'remove', nodeId: row.id }),
      },
    );
  }
  return items;
}

/** One node in the table: status, identity, load, and the actions its state calls for. */
export const FleetTableRow = memo(function FleetTableRow({
  row,
  now,
  stale,
  actions,
  alerts = null,
  spark = null,
  sparkVersion = 0,
  expanded = false,
  alertFlags = NO_FLAGS,
}: {
  row: FleetRow;
  now: number;
  stale: boolean;
  actions: RowActions;
  /** The node's firing alerts (worst severity, count), from the alert summary. */
  alerts?: AlertSummary['nodes'][string] | null;
  /** Mean GPU utilisation over the last 15 minutes. */
  spark?: SparkSeries | null;
  /** Changes when the sparkline's points do (the series is updated in place). */
  sparkVersion?: number;
  /** The per-GPU list under the row is shown. */
  expanded?: boolean;
  /** Firing GPU alerts that name an Xid, as "GPU n: title". */
  alertFlags?: readonly string[];
}) {
  const tone = statusTone(row.status);
  const data = row.data;
  // Every value carries its age: on hover, and in words once it is stale.
  const age = data ? `collected ${formatClock(data.collectedAt, true)}${stale ? ` (${lastSeenText(data.collectedAt, now)})` : ''}` : undefined;
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
        <div className="fleet-cell fleet-cell--status">
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
        </div>
      </td>
      <td className="fleet-node">
        <button type="button" className="link-button" data-testid={`node-link-${row.id}`} onClick={() => actions.onOpen(row.id)}>
          {row.hostname}
        </button>
        {row.hostname !== row.id && <span className="fleet-node__alias">{row.id}</span>}
        {row.kind === 'local' && <span className="fleet-node__alias">this machine</span>}
        {row.address && (
          <span className="fleet-node__address mono" title={row.address}>
            {row.address}
          </span>
        )}
        {row.notes.length > 0 && (
          <span className="fleet-node__note" data-testid={`node-notes-${row.id}`} title={row.notes.join('\n')}>
            readings cut
          </span>
        )}
      </td>
      <td className="fleet-labels">
        {row.labels.map((label) => (
          <button key={label} type="button" className="chip" title={`Show only ${label}`} onClick={() => actions.onLabel(label)}>
            {label}
          </button>
        ))}
      </td>
      <td className="num" title={age}>
        <div className="fleet-cell fleet-cell--cpu">
          <Pct value={data?.cpuPct ?? null} bar label={`CPU of ${row.id}`} />
        </div>
      </td>
      <td className="num" title={age}>
        <div className="fleet-cell fleet-cell--memory">
          <Pct value={data?.memPct ?? null} bar label={`Memory of ${row.id}`} />
        </div>
      </td>
      <td className="num" title={data?.worstDisk ? `${data.worstDisk.mount}: ${formatPct(data.worstDisk.pct)} used, ${age}` : undefined}>
        <div className="fleet-cell fleet-cell--disk">
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
        </div>
      </td>
      <td className="num fleet-gpus" title={data?.gpusUnread ? 'The last collection could not read these GPUs' : age}>
        {data && data.gpus.length > 0 ? (
          <button
            type="button"
            className="link-button fleet-gpus__toggle"
            aria-expanded={expanded}
            aria-label={`${data.gpus.length} GPUs of ${row.id}: ${expanded ? 'hide' : 'show'} each GPU`}
            data-testid={`gpu-toggle-${row.id}`}
            onClick={() => actions.onToggleGpus(row.id)}
          >
            <span data-testid={`gpu-count-${row.id}`}>
              {data.gpus.length}
              {data.gpusUnread && <span className="fleet-gpus__unread"> no reading</span>}
            </span>
            <span aria-hidden="true" className="fleet-gpus__chevron">
              {expanded ? '▾' : '▸'}
            </span>
          </button>
        ) : data ? (
          <span data-testid={`gpu-count-${row.id}`}>0</span>
        ) : (
          <span className="muted">{MISSING}</span>
        )}
      </td>
      <td className="fleet-gpu-cell" title={age}>
        <div className="fleet-cell fleet-cell--gpu">
          {data ? (
            <GpuCell data={data} nodeId={row.id} spark={spark} sparkVersion={sparkVersion} now={now} extraFlags={alertFlags} />
          ) : (
            <span className="muted">{MISSING}</span>
          )}
        </div>
      </td>
      <td className="fleet-actions">
        <RowMenu
          label={`Actions for ${row.id}`}
          testId={rowMenuTestId(row.id)}
          items={rowMenuItems(row, actions)}
          attention={row.hostKey !== null || needsPassphrase(row)}
        />
      </td>
    </tr>
  );
});
