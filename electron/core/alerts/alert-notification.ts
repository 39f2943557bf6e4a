/** The notification an alert gives: fired, escalated or resolved, titled with its node and GPU. */
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
