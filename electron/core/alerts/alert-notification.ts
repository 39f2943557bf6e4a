/** The notification an alert gives (fired, escalated or resolved, titled with its node and GPU), and whether it may be given. */
import { SEVERITY_RANK, type AlertSeverity } from '../../../shared/model/alerts';
import type { StoredAlert } from './alert-store';
import type { Notification } from './types';

function notificationTitle(alert: StoredAlert): string {
  const gpu = alert.labels.gpu_index !== undefined ? ` GPU ${alert.labels.gpu_index}` : alert.gpu ? ` ${alert.gpu}` : '';
  return `${alert.title}: ${alert.nodeId}${gpu}`;
}

/** 'escalated': an alert notified before at a lower severity, sent again as an alert whose title says so. */
export function notificationOf(alert: StoredAlert, kind: 'alert' | 'resolved' | 'escalated', now: number): Notification {
  const title = notificationTitle(alert);
  return {
    kind: kind === 'escalated' ? 'alert' : kind,
    severity: alert.severity,
    title: kind === 'resolved' ? `Resolved: ${title}` : kind === 'escalated' ? `Escalated to ${alert.severity}: ${title}` : title,
    body: alert.message,
    nodeId: alert.nodeId,
    alertId: alert.id,
    alertIds: [alert.id],
    ruleId: alert.ruleId,
    atMs: now,
  };
}

/**
 * Nobody acknowledged or snoozed it. An acknowledgement is of the severity it was given at: an
 * alert acknowledged as a warning that turns critical is news (snoozes and silences still hold).
 */
export function isUnhandled(alert: StoredAlert, now: number): boolean {
  const escalation = alert.notifiedAtMs !== null;
  return (alert.ack === null || escalation) && (alert.snoozedUntilMs ?? 0) <= now;
}

/**
 * Firing, never notified (or notified at a lower severity: it escalated), not held by the noise
 * control at its severity or above (`held`), at or above the floor, and (as far as memory knows)
 * nobody silenced, snoozed, acknowledged or suppressed it.
 */
export function mayNotify(alert: StoredAlert, now: number, held: AlertSeverity | undefined, minSeverity: AlertSeverity): boolean {
  if (alert.state !== 'firing') return false;
  if (alert.notifiedAtMs !== null && (alert.notifiedSeverity === null || SEVERITY_RANK[alert.severity] <= SEVERITY_RANK[alert.notifiedSeverity])) return false;
  if (held !== undefined && SEVERITY_RANK[alert.severity] <= SEVERITY_RANK[held]) return false;
  if (SEVERITY_RANK[alert.severity] < SEVERITY_RANK[minSeverity]) return false;
  if (alert.silencedBy !== null || alert.suppressedBy !== null || alert.flapping) return false;
  return isUnhandled(alert, now);
}
