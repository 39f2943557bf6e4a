/**
 * The alerts page's data layer: which alerts a filter keeps, in which order, how they group, how
 * long each has lasted, and what the `#/alerts...` hash means. Pure: unit-tested without a DOM.
 */
import {
  SEVERITY_RANK,
  type Alert,
  type AlertSeverity,
  type AlertSummary,
  type AlertTransition,
  type AlertView,
  type SilenceMatcher,
} from '../../../shared/model/alerts';

/** The page's tabs, in order; 'all' shows every view at once. */
export const ALERT_VIEWS: readonly AlertView[] = ['firing', 'pending', 'acknowledged', 'silenced', 'resolved'];
export type AlertTab = AlertView | 'all';

export const VIEW_LABELS: Readonly<Record<AlertTab, string>> = {
  all: 'All',
  firing: 'Firing',
  pending: 'Pending',
  acknowledged: 'Acknowledged',
  silenced: 'Silenced',
  resolved: 'Resolved',
};

export const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];

/** The tone (pill/dot colour) of a severity. */
export function severityTone(severity: AlertSeverity | null): 'error' | 'warn' | 'neutral' {
  return severity === 'critical' ? 'error' : severity === 'warning' ? 'warn' : 'neutral';
}

export interface AlertFilter {
  tab: AlertTab;
  /** Empty: every severity. */
  severities: readonly AlertSeverity[];
  nodeId: string | null;
  gpu: string | null;
  /** Case-insensitive, over title, message, node, GPU, rule and labels. */
  text: string;
}

export const DEFAULT_ALERT_FILTER: AlertFilter = { tab: 'all', severities: [], nodeId: null, gpu: null, text: '' };

/** Every filter but the tab: the tabs' counts are taken after these. */
export function matchesAlert(alert: Alert, filter: Omit<AlertFilter, 'tab'>): boolean {
  if (filter.severities.length > 0 && !filter.severities.includes(alert.severity)) return false;
  if (filter.nodeId !== null && alert.nodeId !== filter.nodeId) return false;
  if (filter.gpu !== null && alert.gpu !== filter.gpu) return false;
  const needle = filter.text.trim().toLowerCase();
  if (needle === '') return true;
  const hay = [
    alert.title,
    alert.message,
    alert.nodeId,
    alert.gpu ?? '',
    alert.ruleId,
    alert.subject,
    alert.suppressedBy ?? '',
    ...Object.values(alert.labels),
  ];
  return hay.some((s) => s.toLowerCase().includes(needle));
}

export function filterAlerts(alerts: readonly Alert[], filter: AlertFilter): Alert[] {
  return alerts.filter((a) => (filter.tab === 'all' || a.view === filter.tab) && matchesAlert(a, filter));
}

/** How many alerts of each view pass the other filters, for the tabs' counts. */
export function countByView(alerts: readonly Alert[], filter: Omit<AlertFilter, 'tab'>): Record<AlertTab, number> {
  const counts: Record<AlertTab, number> = { all: 0, firing: 0, pending: 0, acknowledged: 0, silenced: 0, resolved: 0 };
  for (const alert of alerts) {
    if (!matchesAlert(alert, filter)) continue;
    counts.all += 1;
    counts[alert.view] += 1;
  }
  return counts;
}

/** What needs a human first: firing, then pending, acknowledged, silenced, resolved. */
const VIEW_RANK: Readonly<Record<AlertView, number>> = { firing: 5, pending: 4, acknowledged: 3, silenced: 2, resolved: 1 };

/** When the alert's current episode began: firing since, else pending since. */
export function alertSince(alert: Alert): number {
  return alert.firedAtMs ?? alert.pendingSinceMs;
}

/** Worst first: open before closed, critical before warning, then the newest. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    VIEW_RANK[b.view] - VIEW_RANK[a.view] ||
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (b.resolvedAtMs ?? alertSince(b)) - (a.resolvedAtMs ?? alertSince(a)) ||
    b.id - a.id
  );
}

export function sortAlerts(alerts: readonly Alert[]): Alert[] {
  return [...alerts].sort(compareAlerts);
}

export interface AlertGroup {
  key: string;
  /** The node's id, or the rule's name. */
  label: string;
  /** The worst severity among its open alerts, else among all of them. */
  worst: AlertSeverity;
  open: number;
  alerts: Alert[];
}

const isOpen = (a: Alert) => a.view !== 'resolved';

/** Alerts grouped by node or by rule; groups worst first, each group's alerts worst first. */
export function groupAlerts(alerts: readonly Alert[], by: 'node' | 'rule'): AlertGroup[] {
  const groups = new Map<string, AlertGroup>();
  for (const alert of sortAlerts(alerts)) {
    const key = by === 'node' ? alert.nodeId : alert.ruleId;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, label: by === 'node' ? alert.nodeId : alert.title, worst: alert.severity, open: 0, alerts: [] }));
    group.alerts.push(alert);
    if (isOpen(alert)) group.open += 1;
  }
  for (const group of groups.values()) {
    const pool = group.open > 0 ? group.alerts.filter(isOpen) : group.alerts;
    group.worst = pool.reduce<AlertSeverity>((w, a) => (SEVERITY_RANK[a.severity] > SEVERITY_RANK[w] ? a.severity : w), 'info');
  }
  return [...groups.values()].sort(
    (a, b) => Number(b.open > 0) - Number(a.open > 0) || SEVERITY_RANK[b.worst] - SEVERITY_RANK[a.worst] || b.open - a.open || (a.key < b.key ? -1 : 1),
  );
}

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h": two units at most, never "0 h". */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

/** How long the alert has been (or was) in its state: "firing for 3 min", "lasted 2 h, resolved 5 min ago". */
export function alertDurationText(alert: Alert, now: number): string {
  const since = alertSince(alert);
  if (alert.resolvedAtMs !== null) return `lasted ${durationText(alert.resolvedAtMs - since)}, resolved ${durationText(now - alert.resolvedAtMs)} ago`;
  const word = alert.state === 'pending' ? 'pending' : 'firing';
  return `${word} for ${durationText(now - since)}`;
}

/** Why an alert is under its tab, in words (ack, snooze, silence), for the row. */
export function alertStatusNotes(alert: Alert, now: number): string[] {
  const notes: string[] = [];
  if (alert.ack) notes.push(`acknowledged by ${alert.ack.by}${alert.ack.comment ? `: “${alert.ack.comment}”` : ''}`);
  if (alert.snoozedUntilMs !== null && alert.snoozedUntilMs > now) notes.push(`snoozed for ${durationText(alert.snoozedUntilMs - now)} more`);
  if (alert.silencedBy !== null) notes.push(`silenced (silence #${alert.silencedBy})`);
  return notes;
}

/** A transition in one line: "firing → resolved", "acknowledged by ana: “on it”". */
export function transitionText(t: AlertTransition): string {
  const move = t.from && t.from !== t.to ? `${t.from} → ${t.to}` : t.to;
  const who = t.actor ? ` by ${t.actor}` : '';
  const note = t.note ? `: ${t.note}` : '';
  return `${move}${who}${note}`;
}

// ---- the #/alerts route ----

/** What `#/alerts[/ID][?node=N&gpu=G]` asks for. */
export interface AlertsRoute {
  alertId: number | null;
  nodeId: string | null;
  gpu: string | null;
}

/** The route in a location hash, or null when the hash is not an alerts route. */
export function parseAlertsHash(hash: string): AlertsRoute | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > 2048) return null;
  const [path = '', query = ''] = text.split('?', 2);
  const match = /^\/?alerts(?:\/(\d{1,15}))?\/?$/.exec(path);
  if (!match) return null;
  const id = match[1] === undefined ? null : Number(match[1]);
  const params = new URLSearchParams(query);
  const param = (name: string) => {
    const value = params.get(name);
    return value === null || value === '' ? null : value;
  };
  return { alertId: id !== null && id > 0 ? id : null, nodeId: param('node'), gpu: param('gpu') };
}

/** The hash that opens the alerts page on an alert, or filtered to a node (and GPU). */
export function alertsHash(route: Partial<AlertsRoute> = {}): string {
  const params = new URLSearchParams();
  if (route.nodeId) params.set('node', route.nodeId);
  if (route.gpu) params.set('gpu', route.gpu);
  const query = params.toString();
  return `#/alerts${route.alertId ? `/${route.alertId}` : ''}${query ? `?${query}` : ''}`;
}

// ---- silences ----

export type SilenceTarget = 'node' | 'gpu' | 'rule';

/** The matchers a silence of this alert starts with: its node, GPU and rule, as the user ticked them. */
export function silenceMatchersFor(alert: Alert, targets: ReadonlySet<SilenceTarget>): SilenceMatcher[] {
  const matchers: SilenceMatcher[] = [];
  if (targets.has('node')) matchers.push({ label: 'node', value: alert.nodeId, regex: false });
  if (targets.has('gpu') && alert.gpu !== null) matchers.push({ label: 'gpu', value: alert.gpu, regex: false });
  if (targets.has('rule')) matchers.push({ label: 'rule', value: alert.ruleId, regex: false });
  return matchers;
}

export function describeMatchers(matchers: readonly SilenceMatcher[]): string {
  return matchers.map((m) => `${m.label}${m.regex ? '=~' : '='}${m.value}`).join(', ');
}

export const SNOOZE_DURATIONS: ReadonlyArray<{ label: string; ms: number }> = [
  { label: '15 min', ms: 15 * 60_000 },
  { label: '1 h', ms: 3_600_000 },
  { label: '4 h', ms: 4 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
];

export const SILENCE_DURATIONS: ReadonlyArray<{ label: string; ms: number }> = [
  { label: '1 h', ms: 3_600_000 },
  { label: '4 h', ms: 4 * 3_600_000 },
  { label: '1 day', ms: 86_400_000 },
  { label: '1 week', ms: 7 * 86_400_000 },
];

// ---- badges from the summary ----

export interface AlertBadgeInfo {
  worst: AlertSeverity;
  count: number;
  /** The alert's title when there is one, else a count in words. */
  title: string;
  /** For a GPU: the key the summary knows it by (what the alerts page filters on). */
  key?: string;
  /** Every firing alert is acknowledged, snoozed, silenced or suppressed: nothing calls for a human. */
  quiet?: boolean;
}

/**
 * The firing alerts in the summary, for the nav item's count (null: none firing). Its colour is
 * the worst alert nobody has acknowledged, snoozed or silenced; `quiet` when there is none.
 */
export function navBadge(summary: AlertSummary | null): AlertBadgeInfo | null {
  if (!summary) return null;
  const { critical, warning, info } = summary.firing;
  const count = critical + warning + info;
  if (count === 0) return null;
  const parts = SEVERITIES.filter((s) => summary.firing[s] > 0).map((s) => `${summary.firing[s]} ${s}`);
  const quiet = summary.worst === null;
  const worst: AlertSeverity = summary.worst ?? (critical > 0 ? 'critical' : warning > 0 ? 'warning' : 'info');
  return { worst, count, quiet, title: `${count} firing: ${parts.join(', ')}${quiet ? ' (all acknowledged, snoozed or silenced)' : ''}` };
}

export function nodeBadge(summary: AlertSummary | null, nodeId: string): AlertBadgeInfo | null {
  return nodeEntryBadge(summary?.nodes[nodeId], nodeId);
}

/** A node's entry of the summary as a badge (null: nothing firing there). */
export function nodeEntryBadge(entry: AlertSummary['nodes'][string] | null | undefined, nodeId: string): AlertBadgeInfo | null {
  if (!entry || entry.count === 0) return null;
  return { worst: entry.worst, count: entry.count, title: `${entry.count} firing alert${entry.count === 1 ? '' : 's'} on ${nodeId}, worst ${entry.worst}` };
}

/** A GPU's firing alerts, looked up by each of its keys (UUID first, then its series key or PCI bus id). */
export function gpuBadge(summary: AlertSummary | null, keys: ReadonlyArray<string | null | undefined>): AlertBadgeInfo | null {
  if (!summary) return null;
  for (const key of keys) {
    if (!key) continue;
    const entry = summary.gpus[key];
    if (entry && entry.count > 0) return { worst: entry.worst, count: entry.count, title: entry.title, key };
  }
  return null;
}

/** The GPU as people name it: "GPU 2" when the index is known, else its key (UUID or PCI id). */
export function gpuLabel(alert: Pick<Alert, 'gpu' | 'labels'>): string | null {
  if (alert.gpu === null) return null;
  const index = alert.labels.gpu_index;
  return index !== undefined && /^\d+$/.test(index) ? `GPU ${index}` : alert.gpu;
}

/**
 * A GPU's badge on its node's page. The summary keys GPUs by UUID, but a GPU only the kernel named
 * is keyed by its PCI bus id, which repeats across nodes: that key counts only when the node
 * itself has firing alerts.
 */
export function nodeGpuBadge(
  summary: AlertSummary | null,
  nodeId: string,
  gpu: { uuid: string | null; key: string; pciBusId: string | null },
): AlertBadgeInfo | null {
  const byId = gpuBadge(summary, [gpu.uuid, gpu.key]);
  if (byId) return byId;
  return nodeBadge(summary, nodeId) ? gpuBadge(summary, [gpu.pciBusId]) : null;
}
