/**
 * The Prometheus HTTP API's shapes (https://prometheus.io/docs/prometheus/latest/querying/api/),
 * validated with zod and turned into plain numbers. Unknown fields are ignored, so Thanos, Mimir
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
/** [unix seconds, "value"]: values are strings so that NaN and ±Inf survive JSON. */
const SamplePair = z.tuple([z.number(), z.string()]);

const QueryDataSchema = z.discriminatedUnion('resultType', [
  // A native histogram sample carries `histogram` instead of `value`: not read here.
  z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: Labels, value: SamplePair.optional() })) }),
  z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: Labels, values: z.array(SamplePair).optional() })) }),
  z.object({ resultType: z.literal('scalar'), result: SamplePair }),
  z.object({ resultType: z.literal('string'), result: SamplePair }),
]);

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

export function toQueryResult(data: unknown): QueryResult | { invalid: string } {
  const parsed = QueryDataSchema.safeParse(data);
  if (!parsed.success) return { invalid: parsed.error.issues[0]?.message ?? 'invalid query data' };
  const d = parsed.data;
  switch (d.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        samples: d.result.flatMap((s) => (s.value ? [{ labels: s.metric, timeMs: secondsToMs(s.value[0]), value: parseSampleValue(s.value[1]) }] : [])),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        series: d.result.map((s) => ({
          labels: s.metric,
          timesMs: (s.values ?? []).map((p) => secondsToMs(p[0])),
          values: (s.values ?? []).map((p) => parseSampleValue(p[1])),
        })),
      };
    case 'scalar':
      return { resultType: 'scalar', timeMs: secondsToMs(d.result[0]), value: parseSampleValue(d.result[1]) };
    case 'string':
      return { resultType: 'string', timeMs: secondsToMs(d.result[0]), value: d.result[1] };
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
