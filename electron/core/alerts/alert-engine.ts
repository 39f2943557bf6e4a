/**
 * The alert engine: evaluates each tick against the rules, keeps every alert's lifecycle and each
 * transition in SQLite, applies silences, inhibition and flap damping, and offers the
 * notifications it decides on to the noise control. The open alerts live in memory (a tick costs
 * no SQL unless something changed); acknowledge and snooze are read back from the file before an
 * alert is notified, so the CLI may write them while the engine runs.
 */
import type { Database } from 'better-sqlite3';
import type { Alert, AlertSeverity, AlertSummary, AlertTransition, RuleError, RuleInfo, Silence, SilenceMatcher } from '../../../shared/model/alerts';
import { SEVERITY_RANK } from '../../../shared/model/alerts';
import type { Logger } from '../log';
import type { Clock } from '../scheduler';
import { AlertStore, toAlert, type AlertListQuery, type StoredAlert } from './alert-store';
import { compileSilences, settleFlags, type ActiveSilence } from './alert-flags';
import { isUnhandled, mayNotify, notificationOf } from './alert-notification';
import { alertMessage, newStoredAlert, timingOf } from './alert-record';
import { alertSummary } from './alert-summary';
import { evaluateTick, RuleIndex, type AlertInstance } from './evaluator';
import { FLAP_STABLE_MS, FLAP_WINDOW_MS, isFlapping, recordChange } from './flapping';
import { eventPresence, nextState, type Presence } from './lifecycle';
import { compileSilenceMatchers } from './matchers';
import { ruleInfo } from './rule-info';
import { readRuleMetric } from './rule-metrics';
import type { AlertEngine, AlertTick, NoiseGate, Notification, RuleSet } from './types';

const DAY_MS = 86_400_000;
/** Resolved alerts (and their transitions) are kept this long. */
export const RESOLVED_RETENTION_MS = 90 * DAY_MS;
const NOTIFICATION_RETENTION_MS = 7 * DAY_MS;
/** silences:list shows those that ended within this. */
const SILENCE_LIST_MS = 7 * DAY_MS;
const SILENCE_RETENTION_MS = 30 * DAY_MS;
const PRUNE_EVERY_MS = 3_600_000;
/** How often acknowledge, snooze and silences are re-read from the file (another process may write them). */
export const REFRESH_EVERY_MS = 15_000;
/** A value-only change (the temperature moved) is written at most this often per alert. */
const VALUE_WRITE_EVERY_MS = 30_000;

export interface SqliteAlertEngineOptions {
  db: Database;
  clock: Clock;
  rules: RuleSet;
  noise: NoiseGate;
  /** Hands what the noise control released to the sinks; must not block. */
  deliver: (notifications: Notification[]) => void;
  log: Logger;
  /** config.notifications.minSeverity: alerts below are tracked, never notified. */
  minSeverity?: AlertSeverity;
}

interface PendingTransition {
  alert: StoredAlert;
  from: string | null;
  to: string;
  actor: string | null;
  note: string | null;
}

/** Per fingerprint, the flap state of its last resolved alert (a flapping failure comes back as a new row). */
interface FlapMemory {
  history: number[];
  flapping: boolean;
}

export class SqliteAlertEngine implements AlertEngine {
  private readonly store: AlertStore;
  private readonly clock: Clock;
  private readonly noise: NoiseGate;
  private readonly deliver: (notifications: Notification[]) => void;
  private readonly log: Logger;
  private minSeverity: AlertSeverity;
  private index: RuleIndex;
  /** Open (pending, firing) alerts by fingerprint. */
  private readonly open = new Map<string, StoredAlert>();
  private readonly flapMemory = new Map<string, FlapMemory>();
  /** New alerts of this tick whose fingerprint was flapping when its last alert resolved. */
  private readonly inheritedFlapping = new Set<string>();
  private activeSilences: ActiveSilence[] = [];
  private readonly listeners = new Set<(summary: AlertSummary) => void>();
  /** When each open alert's row was last written (value-only changes wait VALUE_WRITE_EVERY_MS). */
  private readonly writtenAt = new Map<string, number>();
  /**
   * Alerts offered to the noise control and not yet let out (quiet hours, a burst, a rate limit
   * hold them), by id, at the severity offered. An alert counts as notified only once released:
   * held items live in the noise control's memory, so after a restart the alert is offered again.
   */
  private readonly offered = new Map<number, AlertSeverity>();
  private lastRefreshMs: number;
  private lastPruneMs = Number.NEGATIVE_INFINITY;
  private lastTickMs = Number.NEGATIVE_INFINITY;

  constructor(options: SqliteAlertEngineOptions) {
    this.store = new AlertStore(options.db);
    this.clock = options.clock;
    this.noise = options.noise;
    this.deliver = options.deliver;
    this.log = options.log;
    this.minSeverity = options.minSeverity ?? 'warning';
    this.index = new RuleIndex(options.rules);
    const now = this.clock.now();
    this.resync(now);
    for (const [fingerprint, history] of this.store.recentFlapHistories(now - Math.max(FLAP_WINDOW_MS, FLAP_STABLE_MS))) {
      this.flapMemory.set(fingerprint, { history, flapping: isFlapping(history, now, true) });
    }
    this.loadSilences(now);
    this.lastRefreshMs = now;
  }

  /** Open alerts as the file has them (after a failed write). */
  private resync(now: number): void {
    this.open.clear();
    this.writtenAt.clear();
    for (const alert of this.store.loadOpen()) {
      this.open.set(alert.fingerprint, alert);
      this.writtenAt.set(alert.fingerprint, now);
    }
  }

  /** The notification settings' severity floor, applied from the next tick. */
  setMinSeverity(severity: AlertSeverity): void {
    this.minSeverity = severity;
  }

  /** Notifications sent since sinceMs (the noise control's history after a restart). */
  recentNotifications(sinceMs: number): Notification[] {
    return this.store.recentNotifications(sinceMs);
  }

  evaluate(tick: AlertTick): Notification[] {
    const now = tick.atMs;
    let changed = this.maybeRefresh(now) || this.snoozeEnded(now);
    this.lastTickMs = now;
    const view = evaluateTick(
      this.index,
      tick,
      (fp) => {
        const open = this.open.get(fp);
        return open?.state === 'firing' ? open.severity : null;
      },
      readRuleMetric,
    );
    const transitions: PendingTransition[] = [];
    const created: StoredAlert[] = [];
    const dirty = new Set<StoredAlert>();
    const resolved: StoredAlert[] = [];
    const resolvedNotices: StoredAlert[] = [];

    const move = (alert: StoredAlert, to: StoredAlert['state'], note: string | null = null) => {
      const from = alert.state;
      alert.state = to;
      if (to === 'firing') {
        alert.firedAtMs = now;
        alert.flapHistory = recordChange(alert.flapHistory, now);
      } else if (to === 'resolved') {
        alert.resolvedAtMs = now;
        if (from === 'firing') alert.flapHistory = recordChange(alert.flapHistory, now);
        resolved.push(alert);
        if (alert.notifiedAtMs !== null || this.offered.has(alert.id)) resolvedNotices.push(alert);
      }
      transitions.push({ alert, from, to, actor: null, note });
      dirty.add(alert);
    };

    for (const instance of view.active.values()) {
      const alert = this.open.get(instance.fingerprint);
      if (!alert) {
        const fresh = this.newAlert(instance, now);
        created.push(fresh);
        transitions.push({ alert: fresh, from: null, to: fresh.state, actor: null, note: null });
        continue;
      }
      const before = alert.severity;
      this.refreshFromInstance(alert, instance, now, dirty);
      if (alert.severity !== before) {
        // One alert whose severity moves (a rule with levels, a worse Xid on the same GPU): a rise is notified again, a fall is not.
        const rose = SEVERITY_RANK[alert.severity] > SEVERITY_RANK[before];
        transitions.push({ alert, from: alert.state, to: rose ? 'escalated' : 'de-escalated', actor: null, note: `${before} to ${alert.severity}` });
      }
      const next = nextState(alert, 'active', timingOf(instance.rule), now);
      if (next !== alert.state) move(alert, next);
    }

    for (const alert of this.open.values()) {
      if (view.active.has(alert.fingerprint)) continue;
      const rule = this.index.byId.get(alert.ruleId);
      if (!rule) {
        move(alert, 'resolved', 'rule removed');
        continue;
      }
      const timing = timingOf(rule);
      const presence: Presence = timing.event ? eventPresence(alert, timing, now) : view.evaluated(rule, alert.nodeId) ? 'absent' : 'not-evaluated';
      const next = nextState(alert, presence, timing, now);
      if (next !== alert.state) move(alert, next);
    }

    for (const alert of resolved) {
      this.open.delete(alert.fingerprint);
      this.writtenAt.delete(alert.fingerprint);
      this.offered.delete(alert.id);
      this.flapMemory.set(alert.fingerprint, { history: alert.flapHistory, flapping: alert.flapping });
    }
    for (const alert of created) this.open.set(alert.fingerprint, alert);

    this.applyFlags(now, transitions, dirty);

    const offered: Notification[] = [];
    const offeredAlerts: StoredAlert[] = [];
    const candidates = [...this.open.values()].filter((alert) => mayNotify(alert, now, this.offered.get(alert.id), this.minSeverity));
    if (created.length || transitions.length) changed = true;
    // No SQL at all on a tick where nothing changed and nothing is to be notified.
    if (created.length || dirty.size || transitions.length || candidates.length || resolvedNotices.length) {
      const fresh = new Set(created);
      try {
        this.store.transaction(() => {
          for (const alert of created) {
            alert.id = this.store.insert(alert);
            this.writtenAt.set(alert.fingerprint, now);
          }
          for (const alert of resolvedNotices) offered.push(notificationOf(alert, 'resolved', now));
          for (const alert of candidates) {
            if (!fresh.has(alert) && !this.stillUnhandled(alert, now)) continue;
            offeredAlerts.push(alert);
            offered.push(notificationOf(alert, alert.notifiedAtMs !== null ? 'escalated' : 'alert', now));
          }
          for (const alert of dirty) {
            this.store.update(alert);
            this.writtenAt.set(alert.fingerprint, now);
          }
          for (const t of transitions) this.store.addTransition(t.alert.id, now, t.from, t.to, t.actor, t.note);
        });
      } catch (error) {
        // The file said no (locked past the busy timeout, disk full): memory goes back to what the file holds.
        this.log.error('alert changes could not be written; this tick is dropped', error);
        this.resync(now);
        return [];
      }
    }
    if (offered.length) changed = true;
    for (const alert of offeredAlerts) this.offered.set(alert.id, alert.severity);
    for (const n of offered) this.noise.offer(n, now);
    const released = this.noise.release(now);
    if (released.length) {
      const notified = this.markReleased(released);
      try {
        this.store.transaction(() => {
          released.forEach((n) => this.store.insertNotification(n));
          for (const t of notified) {
            this.store.update(t.alert);
            this.store.addTransition(t.alert.id, t.atMs, t.from, 'notified', null, t.note);
          }
        });
      } catch (error) {
        // The noise control has let them go: they are delivered all the same, only not recorded.
        this.log.error(`${released.length} released notification(s) could not be recorded; they are delivered anyway`, error);
      }
    }

    this.maybePrune(now);
    if (released.length) {
      try {
        this.deliver(released);
      } catch (error) {
        this.log.error('alert notifications could not be handed to the sinks', error);
      }
    }
    if (changed) this.emitChange();
    return released;
  }

  /** The open alerts that released notifications (or summaries) name, marked notified now; their transitions, to write. */
  private markReleased(released: readonly Notification[]): Array<{ alert: StoredAlert; atMs: number; from: string; note: string | null }> {
    const byId = new Map([...this.open.values()].map((alert) => [alert.id, alert]));
    const notified: Array<{ alert: StoredAlert; atMs: number; from: string; note: string | null }> = [];
    for (const n of released) {
      if (n.kind === 'resolved') continue;
      for (const id of n.alertIds.length > 0 ? n.alertIds : n.alertId !== null ? [n.alertId] : []) {
        const alert = byId.get(id);
        const severity = this.offered.get(id);
        if (!alert || severity === undefined) continue;
        this.offered.delete(id);
        const escalated = alert.notifiedAtMs !== null;
        alert.notifiedAtMs ??= n.atMs;
        alert.notifiedSeverity = severity;
        this.writtenAt.set(alert.fingerprint, n.atMs);
        notified.push({ alert, atMs: n.atMs, from: alert.state, note: escalated ? `escalated to ${severity}` : null });
      }
    }
    return notified;
  }

  list(query: AlertListQuery): { alerts: Alert[]; total: number } {
    return this.store.list(query, this.clock.now());
  }

  get(id: number): { alert: Alert; transitions: AlertTransition[]; rule: RuleInfo | null } | null {
    const stored = this.store.get(id);
    if (!stored) return null;
    const rule = this.index.byId.get(stored.ruleId);
    return { alert: toAlert(stored, this.clock.now()), transitions: this.store.transitions(id), rule: rule ? ruleInfo(rule) : null };
  }

  summary(): AlertSummary {
    return alertSummary(this.open.values(), this.clock.now());
  }

  ack(id: number, by: string, comment: string | null): Alert {
    const now = this.clock.now();
    const stored = this.store.ack(id, by, comment, now);
    if (!stored) throw new AlertNotFoundError(`no alert ${id}`);
    this.adoptActions(stored);
    this.emitChange();
    return toAlert(stored, now);
  }

  snooze(id: number, durationMs: number, by: string): Alert {
    const now = this.clock.now();
    const stored = this.store.snooze(id, now + durationMs, by, now);
    if (!stored) throw new AlertNotFoundError(`no alert ${id}`);
    this.adoptActions(stored);
    this.emitChange();
    return toAlert(stored, now);
  }

  silence(matchers: readonly SilenceMatcher[], durationMs: number, comment: string, by: string): Silence {
    compileSilenceMatchers(matchers); // refuses a bad regular expression before anything is written
    const now = this.clock.now();
    const silence = this.store.createSilence(matchers, now, now + durationMs, comment, by);
    this.reapplySilences(now, by);
    return silence;
  }

  expireSilence(id: number, by: string): Silence {
    const now = this.clock.now();
    const silence = this.store.expireSilence(id, now);
    if (!silence) throw new AlertNotFoundError(`no silence ${id}`);
    this.reapplySilences(now, by);
    return silence;
  }

  silences(): Silence[] {
    const now = this.clock.now();
    return this.store.silences(now - SILENCE_LIST_MS, now);
  }

  rules(): { rules: RuleInfo[]; errors: RuleError[] } {
    return { rules: this.index.set.rules.map(ruleInfo), errors: [...this.index.set.errors] };
  }

  setRules(rules: RuleSet): void {
    this.index = new RuleIndex(rules);
    const now = this.clock.now();
    const gone = [...this.open.values()].filter((alert) => !this.index.byId.has(alert.ruleId));
    if (gone.length === 0) return;
    const notices: Notification[] = [];
    this.store.transaction(() => {
      for (const alert of gone) {
        const from = alert.state;
        alert.state = 'resolved';
        alert.resolvedAtMs = now;
        this.store.update(alert);
        this.store.addTransition(alert.id, now, from, 'resolved', null, 'rule removed');
        this.open.delete(alert.fingerprint);
        this.writtenAt.delete(alert.fingerprint);
        if (alert.notifiedAtMs !== null || this.offered.has(alert.id)) notices.push(notificationOf(alert, 'resolved', now));
        this.offered.delete(alert.id);
      }
    });
    for (const n of notices) this.noise.offer(n, now);
    this.emitChange();
  }

  onChange(listener: (summary: AlertSummary) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private newAlert(instance: AlertInstance, now: number): StoredAlert {
    const memory = this.flapMemory.get(instance.fingerprint);
    this.flapMemory.delete(instance.fingerprint);
    // Flags are set by applyFlags, which records the transition when this starts flapping.
    if (memory?.flapping) this.inheritedFlapping.add(instance.fingerprint);
    return newStoredAlert(instance, now, memory?.history ?? []);
  }

  /** Takes what the tick says about an open alert; marks it for writing when its text changed, or its value after a while. */
  private refreshFromInstance(alert: StoredAlert, instance: AlertInstance, now: number, dirty: Set<StoredAlert>): void {
    alert.lastActiveAtMs = Math.max(alert.lastActiveAtMs, instance.atMs);
    const message = alertMessage(instance);
    const textChanged = message !== alert.message || instance.severity !== alert.severity || instance.rule.name !== alert.title;
    const valueChanged = instance.value !== alert.value;
    alert.message = message;
    alert.severity = instance.severity;
    alert.title = instance.rule.name;
    alert.value = instance.value;
    alert.labels = instance.labels;
    if (textChanged || (valueChanged && now - (this.writtenAt.get(alert.fingerprint) ?? 0) >= VALUE_WRITE_EVERY_MS)) dirty.add(alert);
  }

  /** Flapping, silences and inhibition of every open alert, with a transition for each change. */
  private applyFlags(now: number, transitions: PendingTransition[], dirty: Set<StoredAlert>): void {
    for (const change of settleFlags(this.open.values(), this.index.set.inhibit, this.activeSilences, this.inheritedFlapping, now)) {
      transitions.push({ ...change, actor: null });
      dirty.add(change.alert);
    }
    this.inheritedFlapping.clear();
  }

  /** Acknowledge and snooze as the file has them now (the CLI may have written them since the last refresh). */
  private stillUnhandled(alert: StoredAlert, now: number): boolean {
    const actions = this.store.actions(alert.id);
    if (actions) {
      alert.ack = actions.ack;
      alert.snoozedUntilMs = actions.snoozedUntilMs;
    }
    return isUnhandled(alert, now);
  }

  private adoptActions(stored: StoredAlert): void {
    const open = this.open.get(stored.fingerprint);
    if (open && open.id === stored.id) {
      open.ack = stored.ack;
      open.snoozedUntilMs = stored.snoozedUntilMs;
    }
  }

  private loadSilences(now: number): void {
    this.activeSilences = compileSilences(this.store.silences(now, now), this.log);
  }

  /** After a silence is created or expired: every open alert's silencedBy now, written with its transition. */
  private reapplySilences(now: number, actor: string): void {
    this.loadSilences(now);
    const transitions: PendingTransition[] = [];
    const dirty = new Set<StoredAlert>();
    this.applyFlags(now, transitions, dirty);
    this.store.transaction(() => {
      for (const alert of dirty) this.store.update(alert);
      for (const t of transitions) this.store.addTransition(t.alert.id, now, t.from, t.to, t.to.endsWith('silenced') ? actor : null, t.note);
    });
    this.emitChange();
  }

  /** Whether a snooze ran out since the last tick (the alert shows as firing again: the summary changed). */
  private snoozeEnded(now: number): boolean {
    for (const alert of this.open.values()) {
      const until = alert.snoozedUntilMs;
      if (until !== null && until > this.lastTickMs && until <= now) return true;
    }
    return false;
  }

  /** Every REFRESH_EVERY_MS: silences and acknowledge/snooze as the file has them (the CLI may have written). */
  private maybeRefresh(now: number): boolean {
    if (now - this.lastRefreshMs < REFRESH_EVERY_MS) return false;
    this.lastRefreshMs = now;
    this.loadSilences(now);
    let changed = false;
    const actions = this.store.openActions();
    for (const alert of this.open.values()) {
      const fresh = actions.get(alert.id);
      if (!fresh) continue;
      if (fresh.ack?.atMs !== alert.ack?.atMs || fresh.snoozedUntilMs !== alert.snoozedUntilMs) changed = true;
      alert.ack = fresh.ack;
      alert.snoozedUntilMs = fresh.snoozedUntilMs;
    }
    return changed;
  }

  private maybePrune(now: number): void {
    if (now - this.lastPruneMs < PRUNE_EVERY_MS) return;
    this.lastPruneMs = now;
    try {
      this.store.prune(now - RESOLVED_RETENTION_MS, now - NOTIFICATION_RETENTION_MS, now - SILENCE_RETENTION_MS);
    } catch (error) {
      this.log.error('old resolved alerts could not be pruned', error);
    }
  }

  private emitChange(): void {
    if (this.listeners.size === 0) return;
    const summary = this.summary();
    for (const listener of this.listeners) {
      try {
        listener(summary);
      } catch (error) {
        this.log.error('an alerts:changed listener failed', error);
      }
    }
  }
}

/** An alert or silence id that does not exist (the handlers answer not-found). */
export class AlertNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlertNotFoundError';
  }
}
