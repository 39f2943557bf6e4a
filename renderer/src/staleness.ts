/**
 * How old a value may be before the screen stops presenting it as current. A dead link, a hung
 * collection, a frozen server and a stalled event stream all look the same from here: nothing new
 * arrives. So every value carries when it was collected, and past two collection intervals it is
 * drawn stale ("last seen ... ago") whatever the node's status says. Pure; the clock is passed in.
 */
import { formatAgo } from './format';

/** Values older than this many collection intervals are stale. */
export const STALE_AFTER_INTERVALS = 2;

export function staleAfterMs(intervalMs: number): number {
  return intervalMs * STALE_AFTER_INTERVALS;
}

/** Whether a value collected at `collectedAt` (server time) is too old at server time `now`; no value is stale too. */
export function isStale(collectedAt: number | null, now: number, intervalMs: number): boolean {
  return collectedAt === null || now - collectedAt > staleAfterMs(intervalMs);
}

export function lastSeenText(collectedAt: number | null, now: number): string {
  return collectedAt === null ? 'never seen' : `last seen ${formatAgo(collectedAt, now)}`;
}

/**
 * Whether the live feed has gone quiet: no event for more than two intervals (the engine sends
 * its status every tick). Client time only: `lastEventAt` falls back to when listening began.
 */
export function feedSilent(lastEventAt: number | null, listeningSince: number, now: number, intervalMs: number): boolean {
  return now - (lastEventAt ?? listeningSince) > staleAfterMs(intervalMs);
}

/** How many recent ticks the clock offset is taken over (a clock that is set anew is followed within this many). */
const OFFSET_SAMPLES = 20;

/**
 * The engine's clock as seen from here. Values carry the engine's timestamps; a browser whose
 * clock runs behind would show old values as fresh, one running ahead fresh ones as stale. Each
 * tick's status says when it was sent (the tick's start plus its duration); the smallest
 * "arrived minus sent" over the last ticks is the clock offset plus the shortest delivery time.
 */
export class ServerClock {
  private readonly offsets: number[] = [];

  /** A tick status that arrived at `receivedAt` (client time). */
  observeTick(lastTickAt: number | null, lastTickDurationMs: number | null, receivedAt: number): void {
    if (lastTickAt === null) return;
    this.offsets.push(receivedAt - (lastTickAt + (lastTickDurationMs ?? 0)));
    if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
  }

  /** Client time minus engine time; 0 until a tick was seen. */
  offsetMs(): number {
    return this.offsets.length === 0 ? 0 : Math.min(...this.offsets);
  }

  /** The engine's time now, from the client's. */
  now(clientNow: number): number {
    return clientNow - this.offsetMs();
  }
}
