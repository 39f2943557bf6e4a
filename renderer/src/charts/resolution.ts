/**
 * What a chart draws: which storage tier the points come from and how wide one point is, read
 * from the query results, and said in a few words for the chart's corner.
 */
import type { MetricQueryResult } from '../../../shared/contract';
import { bucketStepMs, ROLLUP_RESOLUTION_MS } from '../../../shared/model/tiers';
import { formatDuration, formatStep } from '../format';
import type { SeriesResolution } from './seriesBuffer';

export type Tier = MetricQueryResult['tier'];

export interface DrawnResolution extends SeriesResolution {
  tier: Tier;
}

/**
 * The point width the store would answer with for a window of this range, used when a query
 * found no series yet (a new node) so live points already fold into the buckets a reload would
 * show. Mirrors the store: raw buckets are whole collection intervals, rollup buckets whole
 * rollup points.
 */
export function expectedStepMs(tier: Tier, pointMs: number, intervalMs: number): number {
  return bucketStepMs(tier === 'raw' ? intervalMs : ROLLUP_RESOLUTION_MS[tier], pointMs);
}

/** Resolution of the results of one chart (one per source); they share a window, so a tier. */
export function resolutionOf(results: readonly MetricQueryResult[], intervalMs: number, pointMs: number): DrawnResolution {
  const withData = results.find((r) => r.series.some((s) => s.t.length > 0));
  if (!withData) {
    const tier = results[0]?.tier ?? 'raw';
    const stepMs = expectedStepMs(tier, pointMs, intervalMs);
    return { tier, stepMs, bucketed: tier !== 'raw' || stepMs > intervalMs, intervalMs };
  }
  const { tier, stepMs } = withData;
  const bucketed = tier !== 'raw' || stepMs > intervalMs || results.some((r) => r.series.some((s) => s.min !== null));
  return { tier, stepMs, bucketed, intervalMs };
}

const SOURCES: Record<Tier, string> = { raw: 'raw samples', '1m': '1-minute rollups', '1h': '1-hour rollups' };

export interface ResolutionLabel {
  /** Short and quiet, for the chart's corner: "raw 5 s", "1-min avg · min/max band". */
  text: string;
  /** The longer sentence for its tooltip. */
  detail: string;
}

export function describeResolution(resolution: DrawnResolution): ResolutionLabel {
  const { tier, stepMs, bucketed } = resolution;
  if (!bucketed) {
    return { text: `raw ${formatDuration(stepMs)}`, detail: `Every collected sample, ${formatDuration(stepMs)} apart.` };
  }
  return {
    text: `${formatStep(stepMs)} avg · min/max band`,
    detail: `Each point averages ${formatDuration(stepMs)} of ${SOURCES[tier]}; the shaded band spans the lowest to the highest value in it.`,
  };
}
