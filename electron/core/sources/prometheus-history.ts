/**
 * A source node's chart history, read from the source with query_range on demand: one query per
 * chart (the metric's fixed PromQL for that node, metric-queries.ts), a step from the chart's
 * maxPoints that never goes below what the source scrapes, the range aligned to the step so that
 * a live chart asking again within a step reads the cache, and the answer named by the same
 * devices as the live series. A metric the source does not have answers no series (missing, not 0).
 */
import { ContractError } from '../../../shared/dispatch';
import type { MetricQuery, MetricQueryResult, SeriesPoints } from '../../../shared/contract';
import { METRICS } from '../../../shared/model/metrics';
import { historyQuery, nodeMatcher } from './metric-queries';
import type { QueryResult } from './prometheus-api';
import { QueryCache } from './query-cache';

/** What history needs of a client (a test wraps it to count the queries). */
export interface RangeQuerier {
  readonly url: string;
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult>;
}

/** Steps a chart is read at: a span asked a little differently still lands on the same one. */
const NICE_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);
/** Devices one answer may bring (a hostile or odd source cannot flood a chart). */
export const MAX_HISTORY_SERIES = 256;
/** How long a range wholly in the past is kept (late samples are rare). */
const PAST_RANGE_TTL_MS = 5 * 60_000;

/** The step for a span and point budget: at least minStepMs, rounded up to a nice step (whole days beyond). */
export function historyStep(spanMs: number, maxPoints: number, minStepMs: number): number {
  // Two points spare: the aligned range may start and end a part-step wider.
  const wanted = Math.max(minStepMs, maxPoints > 2 ? spanMs / (maxPoints - 2) : spanMs + 1, 1000);
  return NICE_STEPS_MS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

/** A rate's window: four steps, so that every point sees several samples. */
export function rateWindow(stepMs: number): string {
  return `${Math.round((4 * stepMs) / 1000)}s`;
}

export interface HistoryOptions {
  sourceId: string;
  client: RangeQuerier;
  nodeLabel: string;
  /** The smallest step asked (about the source's scrape interval). */
  minStepMs: number;
  cache: QueryCache<SeriesPoints[]>;
  now: () => number;
}

/** A cache of answers sized for charts: about 2 M points (some 32 MB) in all. */
export function historyCache(now?: () => number): QueryCache<SeriesPoints[]> {
  return new QueryCache<SeriesPoints[]>({
    maxEntries: 500,
    maxWeight: 2_000_000,
    ttlMs: PAST_RANGE_TTL_MS,
    weigh: (series) => series.reduce((n, s) => n + s.t.length, 0) + 1,
    now,
  });
}

/** The range asked: only its points are taken (a hostile or odd source may answer others, or more). */
interface AskedRange {
  startMs: number;
  endMs: number;
  stepMs: number;
}

function toSeries(result: QueryResult, plan: ReturnType<typeof historyQuery>, range: AskedRange): SeriesPoints[] {
  if (result.resultType !== 'matrix') throw new Error(`answered a ${result.resultType}, not a matrix`);
  const maxPoints = Math.floor((range.endMs - range.startMs) / range.stepMs) + 1;
  const byDevice = new Map<string, { series: SeriesPoints; instance: boolean }>();
  for (const answer of result.series) {
    const device = plan.device(answer.labels);
    if (device === null) continue;
    // A MIG instance repeats its GPU's fields: the GPU's own series wins, as in the live mapping.
    const instance = answer.labels.GPU_I_ID !== undefined && answer.labels.GPU_I_ID !== '';
    const held = byDevice.get(device);
    if (held && !(held.instance && !instance)) continue;
    if (!held && byDevice.size >= MAX_HISTORY_SERIES) continue;
    const t: number[] = [];
    const v: number[] = [];
    answer.values.forEach((value, i) => {
      const time = answer.timesMs[i]!;
      if (!plan.keep(value) || time < range.startMs || time > range.endMs || t.length >= maxPoints || time <= (t.at(-1) ?? -Infinity)) return;
      t.push(time);
      v.push(value);
    });
    byDevice.set(device, { series: { device, t, v, min: null, max: null }, instance });
  }
  return [...byDevice.values()]
    .map((e) => e.series)
    .filter((s) => s.t.length > 0)
    .sort((a, b) => a.device.localeCompare(b.device));
}

/** One node's metric over [fromMs, toMs] from the source; a source failure is 'unavailable'. */
export async function sourceHistory(options: HistoryOptions, query: MetricQuery): Promise<MetricQueryResult> {
  const stepMs = historyStep(query.toMs - query.fromMs, query.maxPoints, options.minStepMs);
  const plan = historyQuery(query.metric, nodeMatcher(options.nodeLabel, query.nodeId), rateWindow(stepMs));
  const startMs = Math.floor(query.fromMs / stepMs) * stepMs;
  // Down, not up: no point past what was asked (a future point would repeat the last sample).
  const endMs = Math.max(startMs, Math.floor(query.toMs / stepMs) * stepMs);
  const reachesNow = endMs + stepMs >= options.now();
  let series: SeriesPoints[];
  try {
    series = await options.cache.getOrLoad(
      { expr: plan.expr, startMs, endMs, stepMs },
      async () => toSeries(await options.client.queryRange(plan.expr, startMs, endMs, stepMs), plan, { startMs, endMs, stepMs }),
      reachesNow ? stepMs : PAST_RANGE_TTL_MS,
    );
  } catch (error) {
    throw new ContractError('unavailable', `source ${options.sourceId}: the history of ${query.metric} cannot be read: ${(error as Error).message}`);
  }
  return { metric: query.metric, unit: METRICS[query.metric].unit, tier: 'raw', stepMs, series };
}
