/**
 * The flags an open alert carries beside its state: flapping (notifications held until it is
 * stable), silenced (by which silence) and suppressed (by which inhibiting alert). Settled for
 * every open alert at once; each change is a transition for the alert's history.
 */
import type { Silence } from '../../../shared/model/alerts';
import type { Logger } from '../log';
import type { StoredAlert } from './alert-store';
import { isFlapping } from './flapping';
import { inhibitions } from './inhibition';
import { alertMatchLabels, compileSilenceMatchers, silenceMatches, type MatchLabels } from './matchers';
import type { InhibitRule, LabelMatcher } from './types';

/** A silence with its matchers compiled. */
export interface ActiveSilence {
  id: number;
  compiled: Record<string, LabelMatcher>[];
  startsAtMs: number;
  endsAtMs: number;
}

/** One flag that changed: the transition to record (from the alert's state, to the flag's name). */
export interface FlagChange {
  alert: StoredAlert;
  from: string;
  to: string;
  note: string | null;
}

/** The silences, compiled; one with a matcher that is not a valid regular expression is left out, with a warning. */
export function compileSilences(silences: readonly Silence[], log: Logger): ActiveSilence[] {
  const compiled: ActiveSilence[] = [];
  for (const silence of silences) {
    try {
      compiled.push({ id: silence.id, compiled: compileSilenceMatchers(silence.matchers), startsAtMs: silence.startsAtMs, endsAtMs: silence.endsAtMs });
    } catch (error) {
      log.warn(`silence ${silence.id} has a matcher that is not a valid regular expression; it is ignored (${(error as Error).message})`);
    }
  }
  return compiled;
}

/**
 * Sets each open alert's flapping, silencedBy and suppressedBy as they are at `now` and returns
 * what changed. `inheritedFlapping`: fingerprints whose last alert resolved while flapping (a new
 * alert of a flapping failure starts flapping).
 */
export function settleFlags(
  open: Iterable<StoredAlert>,
  inhibit: readonly InhibitRule[],
  silences: readonly ActiveSilence[],
  inheritedFlapping: ReadonlySet<string>,
  now: number,
): FlagChange[] {
  const labels = new Map<StoredAlert, MatchLabels>();
  for (const alert of open) labels.set(alert, alertMatchLabels(alert));
  const suppressed = inhibit.length
    ? inhibitions(
        [...labels].map(([alert, l]) => ({ key: alert.fingerprint, ruleId: alert.ruleId, nodeId: alert.nodeId, state: alert.state, labels: l })),
        inhibit,
      )
    : new Map<string, string>();
  const current = silences.filter((s) => s.startsAtMs <= now && now < s.endsAtMs);
  const changes: FlagChange[] = [];
  for (const [alert, l] of labels) {
    const note = (to: string, text: string | null) => changes.push({ alert, from: alert.state, to, note: text });
    const wasFlapping = alert.flapping || inheritedFlapping.has(alert.fingerprint);
    const flapping = isFlapping(alert.flapHistory, now, wasFlapping);
    if (flapping !== alert.flapping) {
      alert.flapping = flapping;
      note(flapping ? 'flapping' : 'stable', flapping ? 'notifications held until it is stable' : null);
    }
    const silencedBy = current.find((s) => silenceMatches(s.compiled, l))?.id ?? null;
    if (silencedBy !== alert.silencedBy) {
      note(silencedBy === null ? 'unsilenced' : 'silenced', silencedBy === null ? `silence ${alert.silencedBy} ended` : `silence ${silencedBy}`);
      alert.silencedBy = silencedBy;
    }
    const suppressedBy = suppressed.get(alert.fingerprint) ?? null;
    if (suppressedBy !== alert.suppressedBy) {
      note(suppressedBy === null ? 'unsuppressed' : 'suppressed', suppressedBy ?? alert.suppressedBy);
      alert.suppressedBy = suppressedBy;
    }
  }
  return changes;
}
