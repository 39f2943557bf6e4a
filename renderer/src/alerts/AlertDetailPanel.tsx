import type { ReactNode } from 'react';
import { formatDateTime } from '../format';
import { Notice } from '../ui/Notice';
import { AlertActions } from './AlertActions';
import { SeverityPill } from './AlertBadge';
import { alertDurationText, alertStatusNotes, gpuLabel, transitionText, VIEW_LABELS } from './model';
import type { AlertDetail } from './useAlertData';

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="alert-detail__fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** One alert beside the list: its text, its rule's rationale and runbook, what happened to it, and the actions. */
export function AlertDetailPanel({
  detail,
  error,
  now,
  onClose,
  onChanged,
  onSilence,
}: {
  detail: AlertDetail | null;
  error: string | null;
  now: number;
  onClose(): void;
  onChanged(): void;
  onSilence(): void;
}) {
  if (!detail) {
    return (
      <aside className="panel alert-detail" data-testid="alert-detail" data-loaded="false">
        {error ? <Notice tone="error">{error}</Notice> : <p className="muted">Reading the alert…</p>}
      </aside>
    );
  }
  const { alert, transitions, rule } = detail;
  const gpu = gpuLabel(alert);
  const notes = alertStatusNotes(alert, now);
  const labels = Object.entries(alert.labels);
  return (
    <aside
      className="panel alert-detail"
      data-testid="alert-detail"
      data-loaded="true"
      data-alert-id={alert.id}
      data-view={alert.view}
      aria-label={`Alert ${alert.id}`}
    >
      <header className="alert-detail__head">
        <SeverityPill severity={alert.severity} />
        <h2 className="alert-detail__title">{alert.title}</h2>
        <span className={`alert-row__view alert-row__view--${alert.view}`} data-testid="alert-detail-view">
          {VIEW_LABELS[alert.view]}
        </span>
        <button type="button" className="modal__close" aria-label="Close the detail" onClick={onClose}>
          ×
        </button>
      </header>
      {error && <Notice tone="error">{error}</Notice>}
      <p className="alert-detail__message" data-testid="alert-detail-message">
        {alert.message}
      </p>
      {alert.suppressedBy && (
        <p className="alert-row__suppressed">{/^suppressed by/i.test(alert.suppressedBy) ? alert.suppressedBy : `suppressed by ${alert.suppressedBy}`}</p>
      )}
      {alert.flapping && <p className="alert-row__flapping">Flapping: it keeps firing and resolving, so its notifications are damped.</p>}
      {notes.length > 0 && <p className="alert-detail__notes">{notes.join(' · ')}</p>}
      <AlertActions alert={alert} onChanged={onChanged} onSilence={onSilence} />
      <dl className="alert-detail__facts">
        <Row label="Node">{alert.nodeId}</Row>
        {gpu && (
          <Row label="GPU">
            {gpu}
            {gpu !== alert.gpu && <span className="mono muted"> {alert.gpu}</span>}
          </Row>
        )}
        {alert.subject && alert.subject !== alert.gpu && <Row label="Subject">{alert.subject}</Row>}
        <Row label="State">{alertDurationText(alert, now)}</Row>
        <Row label="Pending since">{formatDateTime(alert.pendingSinceMs)}</Row>
        {alert.firedAtMs !== null && <Row label="Fired">{formatDateTime(alert.firedAtMs)}</Row>}
        {alert.resolvedAtMs !== null && <Row label="Resolved">{formatDateTime(alert.resolvedAtMs)}</Row>}
        <Row label="Notified">{alert.notifiedAtMs !== null ? formatDateTime(alert.notifiedAtMs) : 'not notified'}</Row>
        {alert.value !== null && <Row label="Value">{alert.value}</Row>}
        {labels.length > 0 && (
          <Row label="Labels">
            {labels.map(([k, v]) => (
              <span key={k} className="chip chip--static">
                {k}={v}
              </span>
            ))}
          </Row>
        )}
      </dl>
      <section className="alert-detail__rule" data-testid="alert-rule" aria-label="Rule">
        <h3 className="alert-detail__subtitle">
          Rule <span className="mono">{alert.ruleId}</span>
        </h3>
        {rule ? (
          <>
            <p className="mono alert-detail__watches">{rule.watches}</p>
            <p className="alert-detail__rationale" data-testid="alert-rule-rationale">
              <strong>Why: </strong>
              {rule.rationale || 'No rationale given.'}
            </p>
            <div className="alert-detail__runbook" data-testid="alert-rule-runbook">
              <strong>Runbook</strong>
              <p>{rule.runbook || 'No runbook given.'}</p>
            </div>
            <p className="muted alert-detail__source">{rule.source}</p>
          </>
        ) : (
          <p className="muted">This rule is no longer loaded (removed or refused); the alert is kept as it was.</p>
        )}
      </section>
      <section className="alert-detail__history" aria-label="Transitions">
        <h3 className="alert-detail__subtitle">History</h3>
        <ol className="alert-detail__transitions" data-testid="alert-transitions">
          {transitions.map((t, i) => (
            <li key={`${t.atMs}-${i}`}>
              <time className="mono">{formatDateTime(t.atMs)}</time> {transitionText(t)}
            </li>
          ))}
        </ol>
      </section>
    </aside>
  );
}
