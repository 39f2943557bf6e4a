/**
 * One alert's state machine, as a pure function of what the tick saw:
 * pending -> firing once the condition held for the rule's `for`; firing -> resolved once it has
 * been gone for keep_firing_for; pending -> resolved as soon as it clears (never notified: a spike
 * shorter than `for` notifies nothing). A node or detector that could not be looked at this tick
 * keeps the alert where it is.
 */
import type { AlertState } from '../../../shared/model/alerts';

/** What the tick says about an alert's condition. */
export type Presence = 'active' | 'absent' | 'not-evaluated';

export interface LifecycleAlert {
  state: AlertState;
  pendingSinceMs: number;
  /** The last time the condition held (for an event: the event's time). */
  lastActiveAtMs: number;
}

export interface LifecycleTiming {
  forMs: number;
  keepFiringForMs: number;
  /** An event alert holds until its event's time + keep_firing_for, whether or not the detector looked again. */
  event: boolean;
}

/** The state a new alert starts in. */
export function initialState(timing: LifecycleTiming): AlertState {
  return timing.forMs <= 0 ? 'firing' : 'pending';
}

/** The presence of an event alert's condition between its events: held while within keep_firing_for. */
export function eventPresence(alert: LifecycleAlert, timing: LifecycleTiming, nowMs: number): Presence {
  return nowMs < alert.lastActiveAtMs + timing.keepFiringForMs ? 'active' : 'absent';
}

/** The next state of an open alert (resolved stays resolved). */
export function nextState(alert: LifecycleAlert, presence: Presence, timing: LifecycleTiming, nowMs: number): AlertState {
  if (alert.state === 'resolved' || presence === 'not-evaluated') return alert.state;
  if (presence === 'active') {
    if (alert.state === 'pending' && nowMs - alert.pendingSinceMs >= timing.forMs) return 'firing';
    return alert.state;
  }
  if (alert.state === 'pending') return 'resolved';
  return nowMs - alert.lastActiveAtMs >= timing.keepFiringForMs ? 'resolved' : 'firing';
}
