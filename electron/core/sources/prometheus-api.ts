/**
 * The Prometheus HTTP API's shapes (https://prometheus.io/docs/prometheus/latest/querying/api/),
 * validated (with zod, and query results by hand) and turned into plain numbers. Unknown fields are ignored, so Thanos, Mimir
 * and VictoriaMetrics answers, which add their own, pass too.
 */
import { z } from 'zod';

export const ApiEnvelopeSchema = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});
export type ApiEnvelope = z.infer<typeof ApiEnvelopeSchema>;

const Labels = z.record(z.string(), z.string());
export const TargetsDataSchema = z.object({
  activeTargets: z.array(
    z.object({
      labels: Labels,
      discoveredLabels: Labels.optional(),
      scrapePool: z.string().optional(),
      scrapeUrl: z.string(),
      health: z.string(),
      lastError: z.string().optional(),
      lastScrape: z.string().optional(),
    }),
  ),
});
export const StringListSchema = z.array(z.string());
export const SeriesDataSchema = z.array(Labels);
export const BuildInfoSchema = z.object({ version: z.string() }).catchall(z.unknown());

export type Labels = Record<string, string>;
export interface InstantSample {
  labels: Labels;
  timeMs: number;
  value: number;
}
export interface RangeSeries {
  labels: Labels;
  /** Parallel arrays: compact for charts and the cache. */
  timesMs: number[];
  values: number[];
}
export type QueryResult =
  | { resultType: 'vector'; samples: InstantSample[] }
  | { resultType: 'matrix'; series: RangeSeries[] }
  | { resultType: 'scalar'; timeMs: number; value: number }
  | { resultType: 'string'; timeMs: number; value: string };

export interface Target {
  labels: Labels;
  scrapePool: string | null;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string | null;
  lastScrapeMs: number | null;
}
export interface BuildInfo {
  version: string;
  revision: string | null;
}

/** Prometheus's float text: Go's strconv format, with NaN, +Inf and -Inf. */
export function parseSampleValue(text: string): number {
  switch (text) {
    case '+Inf':
    case 'Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    case 'NaN':
      return NaN;
    default:
      return text.trim() === '' ? NaN : Number(text);
  }
}

function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1000);
}

/** Why a value is not a label set, or null when it is one (every value a string). */
function labelsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'metric is not an object of labels';
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== 'string') return `label ${JSON.stringify(key.slice(0, 64))} is not a string`;
  return null;
}

/** [unix seconds, "value"]: values are strings so that NaN and ±Inf survive JSON. */
const isSamplePair = (value: unknown): value is [number, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string';

/** Thrown inside toQueryResult's loops, turned into `{ invalid }` at its end. */
class InvalidData extends Error {}

function vectorSamples(result: readonly unknown[]): InstantSample[] {
  const samples: InstantSample[] = [];
  for (let i = 0; i < result.length; i += 1) {
    const s = result[i] as { metric?: unknown; value?: unknown } | null;
    if (typeof s !== 'object' || s === null) throw new InvalidData(`result[${i}] is not an object`);
    const problem = labelsProblem(s.metric);
    if (problem !== null) throw new InvalidData(`result[${i}]: ${problem}`);
    // A native histogram sample carries `histogram` instead of `value`: not read here.
    if (s.value === undefined) continue;
    if (!isSamplePair(s.value)) throw new InvalidData(`result[${i}].value is not [time, "value"]`);
    samples.push({ labels: s.metric as Labels, timeMs: secondsToMs(s.value[0]), value: parseSampleValue(s.value[1]) });
  }
  return samples;
}

function matrixSeries(result: readonly unknown[]): RangeSeries[] {
  return result.map((item, i) => {
    const s = item as { metric?: unknown; values?: unknown } | null;
    if (typeof s !== 'object' || s === null) throw new InvalidData(`result[${i}] is not an object`);
    const problem = labelsProblem(s.metric);
    if (problem !== null) throw new InvalidData(`result[${i}]: ${problem}`);
    const pairs = s.values ?? [];
    if (!Array.isArray(pairs)) throw new InvalidData(`result[${i}].values is not a list`);
    const timesMs = new Array<number>(pairs.length);
    const values = new Array<number>(pairs.length);
    for (let j = 0; j < pairs.length; j += 1) {
      const pair: unknown = pairs[j];
      if (!isSamplePair(pair)) throw new InvalidData(`result[${i}].values[${j}] is not [time, "value"]`);
      timesMs[j] = secondsToMs(pair[0]);
      values[j] = parseSampleValue(pair[1]);
    }
    return { labels: s.metric as Labels, timesMs, values };
  });
}

/**
 * An instant or range query's `data`, checked by hand (a schema per sample costs seconds on
 * answers of 100,000 samples): the same checks as a schema, the first problem as `invalid`.
 */
export function toQueryResult(data: unknown): QueryResult | { invalid: string } {
  if (typeof data !== 'object' || data === null) return { invalid: 'data is not an object' };
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  try {
    switch (resultType) {
      case 'vector':
      case 'matrix':
        if (!Array.isArray(result)) return { invalid: `a ${resultType}'s result is not a list` };
        return resultType === 'vector' ? { resultType, samples: vectorSamples(result) } : { resultType, series: matrixSeries(result) };
      case 'scalar':
      case 'string':
        if (!isSamplePair(result)) return { invalid: `a ${resultType}'s result is not [time, "value"]` };
        return resultType === 'scalar'
          ? { resultType, timeMs: secondsToMs(result[0]), value: parseSampleValue(result[1]) }
          : { resultType, timeMs: secondsToMs(result[0]), value: result[1] };
      default:
        return { invalid: `unknown resultType ${JSON.stringify(String(resultType).slice(0, 32))}` };
    }
  } catch (error) {
    if (error instanceof InvalidData) return { invalid: error.message };
    throw error;
  }
}

export function toTargets(data: z.infer<typeof TargetsDataSchema>): Target[] {
  return data.activeTargets.map((t) => {
    const lastScrapeMs = t.lastScrape ? Date.parse(t.lastScrape) : NaN;
    return {
      labels: t.labels,
      scrapePool: t.scrapePool ?? null,
      scrapeUrl: t.scrapeUrl,
      health: t.health === 'up' || t.health === 'down' ? t.health : 'unknown',
      lastError: t.lastError ? t.lastError : null,
      // Go's zero time (0001-01-01) means "never scraped".
      lastScrapeMs: Number.isFinite(lastScrapeMs) && lastScrapeMs > 0 ? lastScrapeMs : null,
    };
  });
}

/** Unix seconds as Prometheus reads them, from milliseconds (no float noise: 1700000000.5). */
export function msToApiTime(ms: number): string {
  return (ms / 1000).toString();
}
