import type { Alert, AlertView } from '../../../shared/model/alerts';

/** How the alerts page files an alert: resolved, pending, acknowledged, silenced (silence, snooze, inhibition), else firing. */
export function alertView(alert: Pick<Alert, 'state' | 'ack' | 'snoozedUntilMs' | 'silencedBy' | 'suppressedBy'>, nowMs: number): AlertView {
  if (alert.state === 'resolved') return 'resolved';
  if (alert.state === 'pending') return 'pending';
  if (alert.ack) return 'acknowledged';
  if (alert.silencedBy !== null || alert.suppressedBy !== null || (alert.snoozedUntilMs !== null && alert.snoozedUntilMs > nowMs)) return 'silenced';
  return 'firing';
}

/** The same as SQL over the alerts table, with the time as parameter @now. */
export const ALERT_VIEW_SQL = `CASE
  WHEN state = 'resolved' THEN 'resolved'
  WHEN state = 'pending' THEN 'pending'
  WHEN ack_ms IS NOT NULL THEN 'acknowledged'
  WHEN silenced_by IS NOT NULL OR suppressed_by IS NOT NULL OR coalesce(snoozed_until_ms, 0) > @now THEN 'silenced'
  ELSE 'firing' END`;
