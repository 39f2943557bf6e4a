import type { AlertSeverity } from '../../../shared/model/alerts';
import { alertsHash, severityTone, type AlertBadgeInfo, type AlertsRoute } from './model';

/** A severity as a coloured pill ("critical", "warning", "info"). */
export function SeverityPill({ severity }: { severity: AlertSeverity }) {
  return <span className={`pill pill--${severityTone(severity)} alert-severity`}>{severity}</span>;
}

/**
 * Firing alerts on a node or GPU: a small coloured count that links to the alerts page filtered
 * to it (a plain hash link, so it works from any page without props threaded through).
 */
export function AlertBadge({ info, to, testId, label }: { info: AlertBadgeInfo | null; to: Partial<AlertsRoute>; testId: string; label?: string }) {
  if (!info) return null;
  return (
    <a
      className={`alert-badge alert-badge--${severityTone(info.worst)}`}
      href={alertsHash(to)}
      data-testid={testId}
      data-severity={info.worst}
      data-count={info.count}
      title={`${info.title}\nOpen the alerts page.`}
      onClick={(event) => event.stopPropagation()}
    >
      <span className="alert-badge__icon" aria-hidden="true">
        ▲
      </span>
      {label ?? info.count}
      <span className="visually-hidden">
        {' '}
        firing alert{info.count === 1 ? '' : 's'}, worst {info.worst}
      </span>
    </a>
  );
}
