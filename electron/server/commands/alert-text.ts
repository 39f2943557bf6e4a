/**
 * Alerts as terminal text, for `run` and `alerts list`. Node names, GPU keys, titles and the
 * decoded kernel text came from nodes: every one is made safe before it is printed.
 */
import type { Alert } from '../../../shared/model/alerts';
import { terminalSafe } from '../terminal-text';

const t = terminalSafe;

/** UTC, to the second: "2026-12-02 04:30:05Z". */
export function formatTime(ms: number | null): string {
  return ms === null ? '-' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** When the alert entered the view it is in now. */
function viewTime(alert: Alert): number {
  if (alert.view === 'resolved') return alert.resolvedAtMs ?? alert.lastActiveAtMs;
  if (alert.view === 'acknowledged' && alert.ack) return alert.ack.atMs;
  return alert.firedAtMs ?? alert.pendingSinceMs;
}

/** "node gpu-07, GPU GPU-5c3f…" or just the node. */
function where(alert: Alert): string {
  return alert.gpu ? `${t(alert.nodeId)} ${t(alert.gpu)}` : t(alert.nodeId);
}

/**
 * One line for a new alert or a change of view:
 * "2026-12-02 04:30:05Z  FIRING  critical  #12 gpu-07 GPU-5c3f… gpu-fallen-off-bus: GPU fallen off the bus: …".
 */
export function alertLine(alert: Alert, previousView: string | null): string {
  const change = previousView === null ? alert.view.toUpperCase() : `${previousView.toUpperCase()} -> ${alert.view.toUpperCase()}`;
  const by = alert.view === 'acknowledged' && alert.ack ? ` (by ${t(alert.ack.by)})` : '';
  return `${formatTime(viewTime(alert))}  ${change}${by}  ${alert.severity}  #${alert.id} ${where(alert)} ${t(alert.ruleId)}: ${t(alert.title)}: ${t(alert.message)}`;
}

const COLUMNS = ['ID', 'STATE', 'SEVERITY', 'NODE', 'GPU', 'RULE', 'SINCE', 'RESOLVED'] as const;
const MAX_WIDTH = 40;

function cell(text: string): string {
  return text.length > MAX_WIDTH ? `${text.slice(0, MAX_WIDTH - 1)}…` : text;
}

/**
 * A table, one row per alert, with its decoded text (title: message, acknowledgement) indented
 * below the row, so the text never has to fit a column.
 */
export function alertsTable(alerts: readonly Alert[]): string {
  if (alerts.length === 0) return 'no alerts\n';
  const rows = alerts.map((a) =>
    [String(a.id), a.view, a.severity, t(a.nodeId), t(a.gpu ?? '-'), t(a.ruleId), formatTime(a.firedAtMs ?? a.pendingSinceMs), formatTime(a.resolvedAtMs)].map(
      cell,
    ),
  );
  const widths = COLUMNS.map((name, i) => Math.max(name.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const out = [line(COLUMNS)];
  alerts.forEach((alert, i) => {
    out.push(line(rows[i]!));
    out.push(`    ${t(alert.title)}: ${t(alert.message)}`);
    if (alert.ack) out.push(`    acknowledged by ${t(alert.ack.by)} at ${formatTime(alert.ack.atMs)}${alert.ack.comment ? `: ${t(alert.ack.comment)}` : ''}`);
    if (alert.suppressedBy) out.push(`    ${t(alert.suppressedBy)}`);
  });
  return `${out.join('\n')}\n`;
}
