/**
 * Noise control between the alert engine and the notification sinks. Pure: no timers, no I/O;
 * the engine offers each notification it decides on and calls release() every tick.
 *
 * The rules, in the order they apply to an offered notification (alerts and resolutions alike):
 * 1. Below `minSeverity`: dropped.
 * 2. Quiet hours (local time, a window may cross midnight; start == end means none): anything but
 *    critical is held, not dropped, and released as ONE summary at the first release() after the
 *    quiet hours end. Critical goes on to the next rules.
 * 3. Per-rule rate limit: at most `perRulePerHour` notifications of one rule in any hour. The
 *    extra ones are counted and held; one hour after the first extra one, ONE summary names the
 *    rule and lists them (held into the quiet summary instead, if that falls in quiet hours and
 *    none of them is critical).
 * 4. Bursts: a window opens at the first notification after a calm spell and lasts
 *    `burstWindowMs`. The first `burstCount - 1` notifications in it go out at once; from the
 *    `burstCount`th on, the rest of the window is held and released at its end as ONE summary (a
 *    single held notification goes out as itself). A storm that goes on is one summary per
 *    window: after a burst, the next window holds everything from its start; a window in which
 *    nothing arrived ends the storm. Summaries (quiet, rate limit) count as sends in the window.
 *
 * What release() returns carries the release time in `atMs`: the engine records that in its
 * notifications table, and gives the recent rows back as `history` after a restart, so the rate
 * limit and an open burst window hold across the restart.
 */
import type { Config } from '../../../shared/config';
import { SEVERITY_RANK, type AlertSeverity } from '../../../shared/model/alerts';
import type { Notification } from './types';

export type NotificationSettings = Config['notifications'];

export interface NoiseControlOptions {
  /** Notifications sent recently (their atMs is when they were sent), oldest first or in any order. */
  history?: readonly Notification[];
  /** IANA zone for quiet hours; default: this machine's local time. */
  timeZone?: string;
}

const HOUR_MS = 3_600_000;
/** How a burst summary's title starts (a restart tells a storm under way by it). */
export const BURST_TITLE = 'Burst:';
/** A summary lists at most this many notifications, then "… and N more". */
export const SUMMARY_MAX_LINES = 20;
const LINE_MAX_CHARS = 160;
/** At most this many notifications are kept per held group; beyond, they are only counted. */
const HELD_MAX_ITEMS = 1000;
const ALERT_IDS_MAX = 1000;

/** Notifications held for one summary: bounded, with the count of all of them. */
class HeldGroup {
  readonly items: Notification[] = [];
  total = 0;
  firstAtMs: number | null = null;

  add(n: Notification, nowMs: number): void {
    this.total += 1;
    this.firstAtMs ??= nowMs;
    if (this.items.length < HELD_MAX_ITEMS) this.items.push(n);
  }
  get empty(): boolean {
    return this.total === 0;
  }
  worst(): AlertSeverity {
    let worst: AlertSeverity = 'info';
    for (const n of this.items) if (SEVERITY_RANK[n.severity] > SEVERITY_RANK[worst]) worst = n.severity;
    return worst;
  }
}

function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > LINE_MAX_CHARS ? `${flat.slice(0, LINE_MAX_CHARS - 1)}…` : flat;
}

/** "[critical] GPU fallen off the bus: gpu-07 GPU 3", "[resolved] ..." */
export function summaryLine(n: Notification): string {
  const tag = n.kind === 'resolved' ? 'resolved' : n.kind === 'summary' ? `${n.severity} summary` : n.severity;
  return oneLine(`[${tag}] ${n.title}`);
}

function uniqueOrNull<T>(values: readonly T[]): T | null {
  const first = values[0];
  return first !== undefined && values.every((value) => value === first) ? first : null;
}

/** One summary notification for a held group. */
function summarize(group: HeldGroup, title: string, header: string | null, nowMs: number): Notification {
  const shown = group.items.slice(0, SUMMARY_MAX_LINES).map(summaryLine);
  const more = group.total - shown.length;
  const lines = [...(header ? [header] : []), ...shown, ...(more > 0 ? [`… and ${more} more`] : [])];
  const alertIds: number[] = [];
  const seen = new Set<number>();
  for (const n of group.items) {
    for (const id of n.alertIds.length > 0 ? n.alertIds : n.alertId !== null ? [n.alertId] : []) {
      if (seen.has(id) || alertIds.length >= ALERT_IDS_MAX) continue;
      seen.add(id);
      alertIds.push(id);
    }
  }
  return {
    kind: 'summary',
    severity: group.worst(),
    title,
    body: lines.join('\n'),
    nodeId: uniqueOrNull(group.items.map((n) => n.nodeId)),
    alertId: alertIds[0] ?? null,
    alertIds,
    ruleId: uniqueOrNull(group.items.map((n) => n.ruleId)),
    atMs: nowMs,
  };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** Whether `minute` (of the day) lies in [start, end), a window that may cross midnight. */
export function inQuietWindow(minute: number, quiet: { start: string; end: string }): boolean {
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return false;
  return start < end ? minute >= start && minute < end : minute >= start || minute < end;
}

function localMinuteFormatter(timeZone: string | undefined): (ms: number) => number {
  const format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return (ms) => {
    let hour = 0;
    let minute = 0;
    for (const part of format.formatToParts(ms)) {
      if (part.type === 'hour') hour = Number(part.value);
      if (part.type === 'minute') minute = Number(part.value);
    }
    return hour * 60 + minute;
  };
}

interface BurstWindow {
  startMs: number;
  /** Notifications sent or held in this window. */
  count: number;
  /** A storm window: everything in it is held. */
  holding: boolean;
}

export class NoiseControl {
  private settings: NotificationSettings;
  private readonly minuteOfDay: (ms: number) => number;
  private history: readonly Notification[] | null;
  /** Ready to go: returned by the next release(). */
  private outbox: Notification[] = [];
  /** Per rule, when its notifications went out in the last hour. */
  private readonly ruleSends = new Map<string, number[]>();
  /** Per rule, what its rate limit held back. */
  private readonly rateLimited = new Map<string, HeldGroup>();
  private quietHeld = new HeldGroup();
  private burstHeld = new HeldGroup();
  private window: BurstWindow | null = null;

  constructor(settings: NotificationSettings, options: NoiseControlOptions = {}) {
    this.settings = settings;
    this.minuteOfDay = localMinuteFormatter(options.timeZone);
    this.history = options.history ?? null;
  }

  /** New settings apply to what is offered from now on; what is held stays held. */
  setSettings(settings: NotificationSettings): void {
    this.settings = settings;
  }

  offer(n: Notification, nowMs: number): void {
    this.catchUp(nowMs);
    if (SEVERITY_RANK[n.severity] < SEVERITY_RANK[this.settings.minSeverity]) return;
    if (n.severity !== 'critical' && this.inQuietHours(nowMs)) {
      this.quietHeld.add(n, nowMs);
      return;
    }
    if (n.ruleId !== null) {
      const sends = this.recentRuleSends(n.ruleId, nowMs);
      if (sends.length >= this.settings.perRulePerHour) {
        const held = this.rateLimited.get(n.ruleId) ?? new HeldGroup();
        held.add(n, nowMs);
        this.rateLimited.set(n.ruleId, held);
        return;
      }
      sends.push(nowMs);
    }
    const window = this.openWindow(nowMs);
    window.count += 1;
    if (window.holding || window.count >= this.settings.burstCount) {
      window.holding = true;
      this.burstHeld.add(n, nowMs);
    } else {
      this.outbox.push({ ...n, atMs: nowMs });
    }
  }

  /** What to send now: offered notifications that passed, and summaries that are due. */
  release(nowMs: number): Notification[] {
    this.catchUp(nowMs);
    const quiet = this.inQuietHours(nowMs);
    for (const [ruleId, held] of this.rateLimited) {
      if (nowMs < held.firstAtMs! + HOUR_MS) continue;
      this.rateLimited.delete(ruleId);
      if (quiet && held.worst() !== 'critical') {
        for (const n of held.items) this.quietHeld.add(n, nowMs);
        continue;
      }
      const header = `Rule ${ruleId} reached its limit of ${this.settings.perRulePerHour} notifications per hour; held back:`;
      this.sendSummary(summarize(held, `Rate limit: ${plural(held.total, 'more notification')} from ${ruleId}`, header, nowMs), nowMs);
    }
    if (!quiet && !this.quietHeld.empty) {
      const held = this.quietHeld;
      this.quietHeld = new HeldGroup();
      this.sendSummary(summarize(held, `Quiet hours: ${plural(held.total, 'notification')} held`, null, nowMs), nowMs);
    }
    return this.outbox.splice(0);
  }

  /** What is held now (for status and tests). */
  pending(): { quiet: number; burst: number; rateLimited: number } {
    let rateLimited = 0;
    for (const held of this.rateLimited.values()) rateLimited += held.total;
    return { quiet: this.quietHeld.total, burst: this.burstHeld.total, rateLimited };
  }

  private inQuietHours(nowMs: number): boolean {
    const quiet = this.settings.quietHours;
    return quiet !== null && inQuietWindow(this.minuteOfDay(nowMs), quiet);
  }

  private recentRuleSends(ruleId: string, nowMs: number): number[] {
    const sends = (this.ruleSends.get(ruleId) ?? []).filter((atMs) => atMs > nowMs - HOUR_MS);
    this.ruleSends.set(ruleId, sends);
    return sends;
  }

  /** The burst window that `nowMs` falls in, opened if there is none. */
  private openWindow(nowMs: number): BurstWindow {
    this.window ??= { startMs: nowMs, count: 0, holding: false };
    return this.window;
  }

  /** Summaries skip the burst rule (they are what it produces) but count in the window. */
  private sendSummary(summary: Notification, nowMs: number): void {
    this.outbox.push(summary);
    this.openWindow(nowMs).count += 1;
    if (summary.ruleId !== null && summary.alertIds.length > 0) this.recentRuleSends(summary.ruleId, nowMs).push(nowMs);
  }

  /** Applies the history (once, when the time is first known) and closes a burst window that ended. */
  private catchUp(nowMs: number): void {
    if (this.history) {
      this.applyHistory(this.history, nowMs);
      this.history = null;
    }
    const window = this.window;
    if (!window || nowMs < window.startMs + this.settings.burstWindowMs) return;
    if (this.burstHeld.empty) {
      // A calm window (or a storm window in which nothing came): the storm, if any, is over.
      this.window = null;
      return;
    }
    const held = this.burstHeld;
    this.burstHeld = new HeldGroup();
    const summary =
      held.total === 1
        ? { ...held.items[0]!, atMs: nowMs }
        : summarize(held, `${BURST_TITLE} ${plural(held.total, 'more notification')} in ${formatSpan(this.settings.burstWindowMs)}`, null, nowMs);
    this.outbox.push(summary);
    // The storm goes on: the next window holds from its start.
    this.window = { startMs: nowMs, count: 1, holding: true };
  }

  private applyHistory(history: readonly Notification[], nowMs: number): void {
    const recent = history.filter((n) => n.atMs <= nowMs && n.atMs > nowMs - HOUR_MS).sort((a, b) => a.atMs - b.atMs);
    for (const n of recent) {
      if (n.ruleId !== null) this.recentRuleSends(n.ruleId, nowMs).push(n.atMs);
    }
    const inWindow = recent.filter((n) => n.atMs > nowMs - this.settings.burstWindowMs);
    if (inWindow.length === 0) return;
    // A summary sent last means a storm was under way: it goes on holding.
    const last = inWindow[inWindow.length - 1]!;
    const storm = last.kind === 'summary' && last.title.startsWith(BURST_TITLE);
    const start = storm ? last.atMs : inWindow[0]!.atMs;
    const count = inWindow.filter((n) => n.atMs >= start).length;
    this.window = { startMs: start, count, holding: storm || count >= this.settings.burstCount };
  }
}

function formatSpan(ms: number): string {
  if (ms % HOUR_MS === 0) return plural(ms / HOUR_MS, 'hour');
  if (ms % 60_000 === 0) return plural(ms / 60_000, 'minute');
  return plural(Math.round(ms / 1000), 'second');
}
