/**
 * Every SQL statement over the alert tables (alerts, alert_transitions, silences, notifications).
 * The engine is its main user; the CLI opens the same file and uses it directly (`alerts list`,
 * `alerts ack`), which is why acknowledge and snooze write only their own columns and the engine's
 * tick writes never touch them.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Alert, AlertSeverity, AlertState, AlertTransition, AlertView, Silence, SilenceMatcher } from '../../../shared/model/alerts';
import { ALERT_VIEW_SQL, alertView } from './alert-view';
import type { Notification } from './types';

/**
 * An alert as the engine keeps it: the row, without the derived view, with its flap history and
 * the severity it was last notified at (an escalation above it is notified again). That severity
 * is not a column: an alert read back from the file counts as notified at its current severity.
 */
export type StoredAlert = Omit<Alert, 'view'> & { flapHistory: number[]; notifiedSeverity: AlertSeverity | null };

export interface AlertListQuery {
  views?: readonly AlertView[];
  nodeId?: string;
  gpu?: string;
  severities?: readonly AlertSeverity[];
  /** Only alerts whose span (pending since to resolved, or still open) overlaps [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
  limit: number;
}

interface AlertRow {
  id: number;
  fingerprint: string;
  rule_id: string;
  node_id: string;
  subject: string;
  gpu: string | null;
  severity: string;
  state: string;
  title: string;
  message: string;
  labels: string;
  value: number | null;
  pending_since_ms: number;
  fired_ms: number | null;
  resolved_ms: number | null;
  last_active_ms: number;
  notified_ms: number | null;
  ack_by: string | null;
  ack_ms: number | null;
  ack_comment: string | null;
  snoozed_until_ms: number | null;
  silenced_by: number | null;
  suppressed_by: string | null;
  flapping: number;
  flap_history: string;
}

interface SilenceRow {
  id: number;
  matchers: string;
  created_by: string;
  comment: string;
  starts_ms: number;
  ends_ms: number;
}

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function fromRow(row: AlertRow): StoredAlert {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    ruleId: row.rule_id,
    nodeId: row.node_id,
    subject: row.subject,
    gpu: row.gpu,
    severity: row.severity as AlertSeverity,
    state: row.state as AlertState,
    title: row.title,
    message: row.message,
    labels: parseJson<Record<string, string>>(row.labels, {}),
    value: row.value,
    pendingSinceMs: row.pending_since_ms,
    firedAtMs: row.fired_ms,
    resolvedAtMs: row.resolved_ms,
    lastActiveAtMs: row.last_active_ms,
    notifiedAtMs: row.notified_ms,
    notifiedSeverity: row.notified_ms === null ? null : (row.severity as AlertSeverity),
    ack: row.ack_ms === null ? null : { by: row.ack_by ?? '', atMs: row.ack_ms, comment: row.ack_comment },
    snoozedUntilMs: row.snoozed_until_ms,
    silencedBy: row.silenced_by,
    suppressedBy: row.suppressed_by,
    flapping: row.flapping !== 0,
    flapHistory: parseJson<number[]>(row.flap_history, []),
  };
}

export function toAlert(stored: StoredAlert, nowMs: number): Alert {
  const { flapHistory: _history, notifiedSeverity: _notified, ...alert } = stored;
  return { ...alert, view: alertView(alert, nowMs) };
}

function silenceFromRow(row: SilenceRow, nowMs: number): Silence {
  return {
    id: row.id,
    matchers: parseJson<SilenceMatcher[]>(row.matchers, []),
    createdBy: row.created_by,
    comment: row.comment,
    startsAtMs: row.starts_ms,
    endsAtMs: row.ends_ms,
    active: row.starts_ms <= nowMs && nowMs < row.ends_ms,
  };
}

/** The columns the engine owns; ack and snooze are written only by ack() and snooze(). */
const ENGINE_COLUMNS = `severity = @severity, state = @state, title = @title, message = @message, labels = @labels, value = @value,
  pending_since_ms = @pendingSinceMs, fired_ms = @firedAtMs, resolved_ms = @resolvedAtMs, last_active_ms = @lastActiveAtMs,
  notified_ms = @notifiedAtMs, silenced_by = @silencedBy, suppressed_by = @suppressedBy, flapping = @flapping, flap_history = @flapHistory`;

function engineParams(a: StoredAlert) {
  return {
    severity: a.severity,
    state: a.state,
    title: a.title,
    message: a.message,
    labels: JSON.stringify(a.labels),
    value: a.value,
    pendingSinceMs: a.pendingSinceMs,
    firedAtMs: a.firedAtMs,
    resolvedAtMs: a.resolvedAtMs,
    lastActiveAtMs: a.lastActiveAtMs,
    notifiedAtMs: a.notifiedAtMs,
    silencedBy: a.silencedBy,
    suppressedBy: a.suppressedBy,
    flapping: a.flapping ? 1 : 0,
    flapHistory: JSON.stringify(a.flapHistory),
  };
}

export class AlertStore {
  private readonly insertAlert: Statement;
  private readonly updateAlert: Statement;
  private readonly insertTransition: Statement;
  private readonly selectById: Statement;
  private readonly selectActions: Statement;

  constructor(private readonly db: Database) {
    this.insertAlert = db.prepare(`INSERT INTO alerts (fingerprint, rule_id, node_id, subject, gpu, severity, state, title, message, labels, value,
      pending_since_ms, fired_ms, resolved_ms, last_active_ms, notified_ms, silenced_by, suppressed_by, flapping, flap_history)
      VALUES (@fingerprint, @ruleId, @nodeId, @subject, @gpu, @severity, @state, @title, @message, @labels, @value,
      @pendingSinceMs, @firedAtMs, @resolvedAtMs, @lastActiveAtMs, @notifiedAtMs, @silencedBy, @suppressedBy, @flapping, @flapHistory)`);
    this.updateAlert = db.prepare(`UPDATE alerts SET ${ENGINE_COLUMNS} WHERE id = @id`);
    this.insertTransition = db.prepare('INSERT INTO alert_transitions (alert_id, at_ms, from_state, to_state, actor, note) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectById = db.prepare('SELECT * FROM alerts WHERE id = ?');
    this.selectActions = db.prepare('SELECT id, ack_by, ack_ms, ack_comment, snoozed_until_ms FROM alerts WHERE id = ?');
  }

  /** Runs fn in one transaction (a tick's writes, an action and its transition). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  /** Every alert not resolved. */
  loadOpen(): StoredAlert[] {
    return (this.db.prepare("SELECT * FROM alerts WHERE state != 'resolved'").all() as AlertRow[]).map(fromRow);
  }

  /** Inserts a new alert; returns its id. */
  insert(alert: Omit<StoredAlert, 'id' | 'ack' | 'snoozedUntilMs' | 'notifiedSeverity'>): number {
    const result = this.insertAlert.run({
      ...engineParams({ ...alert, id: 0, ack: null, snoozedUntilMs: null, notifiedSeverity: null }),
      fingerprint: alert.fingerprint,
      ruleId: alert.ruleId,
      nodeId: alert.nodeId,
      subject: alert.subject,
      gpu: alert.gpu,
    });
    return Number(result.lastInsertRowid);
  }

  /** Writes the engine's columns of an alert (never ack or snooze). */
  update(alert: StoredAlert): void {
    this.updateAlert.run({ ...engineParams(alert), id: alert.id });
  }

  addTransition(alertId: number, atMs: number, from: string | null, to: string, actor: string | null = null, note: string | null = null): void {
    this.insertTransition.run(alertId, atMs, from, to, actor, note);
  }

  get(id: number): StoredAlert | null {
    const row = this.selectById.get(id) as AlertRow | undefined;
    return row ? fromRow(row) : null;
  }

  /** Acknowledge and snooze as they are in the file now (another process may have written them). */
  actions(id: number): Pick<StoredAlert, 'ack' | 'snoozedUntilMs'> | null {
    const row = this.selectActions.get(id) as Pick<AlertRow, 'ack_by' | 'ack_ms' | 'ack_comment' | 'snoozed_until_ms'> | undefined;
    if (!row) return null;
    return {
      ack: row.ack_ms === null ? null : { by: row.ack_by ?? '', atMs: row.ack_ms, comment: row.ack_comment },
      snoozedUntilMs: row.snoozed_until_ms,
    };
  }

  /** Acknowledge and snooze of every open alert, for the engine's periodic refresh. */
  openActions(): Map<number, Pick<StoredAlert, 'ack' | 'snoozedUntilMs'>> {
    const rows = this.db.prepare("SELECT id, ack_by, ack_ms, ack_comment, snoozed_until_ms FROM alerts WHERE state != 'resolved'").all() as Array<
      Pick<AlertRow, 'id' | 'ack_by' | 'ack_ms' | 'ack_comment' | 'snoozed_until_ms'>
    >;
    return new Map(
      rows.map((row) => [
        row.id,
        { ack: row.ack_ms === null ? null : { by: row.ack_by ?? '', atMs: row.ack_ms, comment: row.ack_comment }, snoozedUntilMs: row.snoozed_until_ms },
      ]),
    );
  }

  /** Acknowledges an alert (and records the transition); null when there is no such alert. */
  ack(id: number, by: string, comment: string | null, nowMs: number): StoredAlert | null {
    return this.transaction(() => {
      const current = this.get(id);
      if (!current) return null;
      this.db.prepare('UPDATE alerts SET ack_by = ?, ack_ms = ?, ack_comment = ? WHERE id = ?').run(by, nowMs, comment, id);
      this.addTransition(id, nowMs, current.state, 'acknowledged', by, comment);
      return this.get(id);
    });
  }

  /** Snoozes an alert until untilMs; null when there is no such alert. */
  snooze(id: number, untilMs: number, by: string, nowMs: number): StoredAlert | null {
    return this.transaction(() => {
      const current = this.get(id);
      if (!current) return null;
      this.db.prepare('UPDATE alerts SET snoozed_until_ms = ? WHERE id = ?').run(untilMs, id);
      this.addTransition(id, nowMs, current.state, 'snoozed', by, `until ${new Date(untilMs).toISOString()}`);
      return this.get(id);
    });
  }

  transitions(id: number): AlertTransition[] {
    return (
      this.db.prepare('SELECT at_ms, from_state, to_state, actor, note FROM alert_transitions WHERE alert_id = ? ORDER BY at_ms, id').all(id) as Array<{
        at_ms: number;
        from_state: string | null;
        to_state: string;
        actor: string | null;
        note: string | null;
      }>
    ).map((row) => ({ atMs: row.at_ms, from: row.from_state, to: row.to_state, actor: row.actor, note: row.note }));
  }

  /** Alerts matching the query: open ones first, each group newest first; total counts every match. */
  list(query: AlertListQuery, nowMs: number): { alerts: Alert[]; total: number } {
    const where: string[] = [];
    const params: Record<string, unknown> = { now: nowMs, limit: query.limit };
    const listOf = (name: string, values: readonly string[]) => {
      const names = values.map((value, i) => {
        params[`${name}${i}`] = value;
        return `@${name}${i}`;
      });
      return `(${names.join(', ') || 'NULL'})`;
    };
    if (query.views) where.push(`(${ALERT_VIEW_SQL}) IN ${listOf('view', query.views)}`);
    if (query.severities) where.push(`severity IN ${listOf('severity', query.severities)}`);
    if (query.nodeId !== undefined) {
      where.push('node_id = @nodeId');
      params.nodeId = query.nodeId;
    }
    if (query.gpu !== undefined) {
      where.push('gpu = @gpu');
      params.gpu = query.gpu;
    }
    if (query.fromMs !== undefined) {
      where.push('(resolved_ms IS NULL OR resolved_ms >= @fromMs)');
      params.fromMs = query.fromMs;
    }
    if (query.toMs !== undefined) {
      where.push('pending_since_ms < @toMs');
      params.toMs = query.toMs;
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = (this.db.prepare(`SELECT count(*) AS n FROM alerts ${clause}`).get(params) as { n: number }).n;
    const rows = this.db
      .prepare(`SELECT * FROM alerts ${clause} ORDER BY state = 'resolved', coalesce(resolved_ms, pending_since_ms) DESC, id DESC LIMIT @limit`)
      .all(params) as AlertRow[];
    return { alerts: rows.map((row) => toAlert(fromRow(row), nowMs)), total };
  }

  /** Flap histories of fingerprints resolved since sinceMs (a flapping alert comes back as a new row). */
  recentFlapHistories(sinceMs: number): Map<string, number[]> {
    const rows = this.db
      .prepare("SELECT fingerprint, flap_history FROM alerts WHERE state = 'resolved' AND resolved_ms >= ? ORDER BY resolved_ms, id")
      .all(sinceMs) as Array<{ fingerprint: string; flap_history: string }>;
    return new Map(rows.map((row) => [row.fingerprint, parseJson<number[]>(row.flap_history, [])]));
  }

  createSilence(matchers: readonly SilenceMatcher[], startsMs: number, endsMs: number, comment: string, by: string): Silence {
    const result = this.db
      .prepare('INSERT INTO silences (matchers, created_by, comment, starts_ms, ends_ms) VALUES (?, ?, ?, ?, ?)')
      .run(JSON.stringify(matchers), by, comment, startsMs, endsMs);
    return this.silence(Number(result.lastInsertRowid), startsMs) as Silence;
  }

  silence(id: number, nowMs: number): Silence | null {
    const row = this.db.prepare('SELECT * FROM silences WHERE id = ?').get(id) as SilenceRow | undefined;
    return row ? silenceFromRow(row, nowMs) : null;
  }

  /** Ends a silence now (one that already ended keeps its end). */
  expireSilence(id: number, nowMs: number): Silence | null {
    this.db.prepare('UPDATE silences SET ends_ms = min(ends_ms, ?) WHERE id = ?').run(nowMs, id);
    return this.silence(id, nowMs);
  }

  /** Silences that end after sinceMs (active ones, and those expired since), newest first. */
  silences(sinceMs: number, nowMs: number): Silence[] {
    return (this.db.prepare('SELECT * FROM silences WHERE ends_ms > ? ORDER BY starts_ms DESC, id DESC').all(sinceMs) as SilenceRow[]).map((row) =>
      silenceFromRow(row, nowMs),
    );
  }

  insertNotification(n: Notification): void {
    this.db
      .prepare('INSERT INTO notifications (at_ms, kind, alert_id, rule_id, severity, title, body, alert_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(n.atMs, n.kind, n.alertId, n.ruleId, n.severity, n.title, n.body, Math.max(1, n.alertIds.length));
  }

  /**
   * Notifications sent since sinceMs, oldest first, for the noise control's rate limits across a
   * restart (the table keeps no node or id list: nodeId null, alertIds the one alert if any).
   */
  recentNotifications(sinceMs: number): Notification[] {
    return (
      this.db
        .prepare('SELECT at_ms, kind, alert_id, rule_id, severity, title, body FROM notifications WHERE at_ms >= ? ORDER BY at_ms, id')
        .all(sinceMs) as Array<{ at_ms: number; kind: string; alert_id: number | null; rule_id: string | null; severity: string; title: string; body: string }>
    ).map((row) => ({
      kind: row.kind as Notification['kind'],
      severity: row.severity as AlertSeverity,
      title: row.title,
      body: row.body,
      nodeId: null,
      alertId: row.alert_id,
      alertIds: row.alert_id === null ? [] : [row.alert_id],
      ruleId: row.rule_id,
      atMs: row.at_ms,
    }));
  }

  /** Drops resolved alerts (their transitions cascade), notifications and silences older than the cut-offs. */
  prune(resolvedBeforeMs: number, notificationsBeforeMs: number, silencesEndedBeforeMs: number): void {
    this.transaction(() => {
      this.db.prepare("DELETE FROM alerts WHERE state = 'resolved' AND resolved_ms < ?").run(resolvedBeforeMs);
      this.db.prepare('DELETE FROM notifications WHERE at_ms < ?').run(notificationsBeforeMs);
      this.db.prepare('DELETE FROM silences WHERE ends_ms < ?').run(silencesEndedBeforeMs);
    });
  }
}
