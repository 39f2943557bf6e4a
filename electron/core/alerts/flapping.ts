/**
 * Flap detection: an alert that starts and stops firing again and again (FLAP_CHANGES changes
 * within FLAP_WINDOW_MS) is marked flapping, and is not notified until it has been stable (no
 * change) for FLAP_STABLE_MS. The history is per fingerprint, so it spans the alert rows a
 * flapping failure opens and resolves, and is kept in the row across a restart.
 */

export const FLAP_WINDOW_MS = 10 * 60_000;
export const FLAP_CHANGES = 4;
export const FLAP_STABLE_MS = 15 * 60_000;
/** Changes kept per fingerprint (bounded; only the window counts). */
const MAX_HISTORY = 32;

/** The history with a change at atMs added and what fell out of every window dropped. */
export function recordChange(history: readonly number[], atMs: number): number[] {
  const horizon = atMs - Math.max(FLAP_WINDOW_MS, FLAP_STABLE_MS);
  return [...history.filter((t) => t > horizon), atMs].slice(-MAX_HISTORY);
}

/** Whether the alert is flapping now, given whether it was. */
export function isFlapping(history: readonly number[], nowMs: number, wasFlapping: boolean): boolean {
  const recent = history.filter((t) => t > nowMs - FLAP_WINDOW_MS).length;
  if (recent >= FLAP_CHANGES) return true;
  const last = history.at(-1) ?? Number.NEGATIVE_INFINITY;
  return wasFlapping && nowMs - last < FLAP_STABLE_MS;
}
