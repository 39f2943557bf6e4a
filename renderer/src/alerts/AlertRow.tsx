import { memo } from 'react';
import type { Alert } from '../../../shared/model/alerts';
import { formatDateTime } from '../format';
import { SeverityPill } from './AlertBadge';
import { alertDurationText, alertSince, alertStatusNotes, gpuLabel, VIEW_LABELS } from './model';

/** One alert in the list: who, what, how bad, since when; suppression and flapping said, not hidden. */
export const AlertRow = memo(function AlertRow({
  alert,
  now,
  selected,
  onSelect,
}: {
  alert: Alert;
  now: number;
  selected: boolean;
  onSelect(id: number): void;
}) {
  const gpu = gpuLabel(alert);
  const notes = alertStatusNotes(alert, now);
  return (
    <li
      className={`alert-row alert-row--${alert.severity} alert-row--${alert.view}${selected ? ' alert-row--selected' : ''}`}
      data-testid={`alert-row-${alert.id}`}
      data-view={alert.view}
      data-severity={alert.severity}
      data-node={alert.nodeId}
    >
      <button type="button" className="alert-row__button" aria-pressed={selected} onClick={() => onSelect(alert.id)}>
        <span className="alert-row__head">
          <SeverityPill severity={alert.severity} />
          <span className="alert-row__title">{alert.title}</span>
          <span className={`alert-row__view alert-row__view--${alert.view}`}>{VIEW_LABELS[alert.view]}</span>
          {alert.flapping && (
            <span className="alert-row__flapping" data-testid={`alert-flapping-${alert.id}`} title="It keeps firing and resolving: notifications are damped">
              flapping
            </span>
          )}
          <span className="alert-row__spacer" />
          <span className="alert-row__since" title={`since ${formatDateTime(alertSince(alert))}`}>
            {alertDurationText(alert, now)}
          </span>
        </span>
        <span className="alert-row__where">
          <span className="alert-row__node">{alert.nodeId}</span>
          {gpu && (
            <span className="alert-row__gpu" title={alert.gpu ?? undefined}>
              {gpu}
            </span>
          )}
          <span className="alert-row__rule mono">{alert.ruleId}</span>
        </span>
        <span className="alert-row__message" data-testid={`alert-message-${alert.id}`}>
          {alert.message}
        </span>
        {alert.suppressedBy && (
          <span className="alert-row__suppressed" data-testid={`alert-suppressed-${alert.id}`}>
            {/^suppressed by/i.test(alert.suppressedBy) ? alert.suppressedBy : `suppressed by ${alert.suppressedBy}`}
          </span>
        )}
        {notes.length > 0 && <span className="alert-row__notes">{notes.join(' · ')}</span>}
      </button>
    </li>
  );
});
