/**
 * Storage tiers as the engine stores them and the charts expect them: the width of one rollup
 * point, and the width of one returned point for a wanted step. Shared so that the renderer's
 * live points fold into the same buckets as a reload from the store.
 */

/** Width of one stored rollup point. */
export const ROLLUP_RESOLUTION_MS: Readonly<Record<'1m' | '1h', number>> = { '1m': 60_000, '1h': 3_600_000 };

/**
 * Width of one returned point: whole units of the tier (collection intervals for raw samples,
 * rollup points otherwise), at least one, covering the wanted step.
 */
export function bucketStepMs(unitMs: number, wantedStepMs: number): number {
  return Math.max(unitMs, Math.ceil(wantedStepMs / unitMs) * unitMs);
}
