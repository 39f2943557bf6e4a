/** A chart's question to the store (or a source) and its answer, and the latest values of metrics. */
import { z } from 'zod';
import { MetricNameSchema, MetricUnitSchema } from './metrics';

const NodeIdSchema = z.string().min(1).max(256);

export const MetricQuerySchema = z
  .object({
    nodeId: NodeIdSchema,
    metric: MetricNameSchema,
    fromMs: z.number().int().nonnegative(),
    toMs: z.number().int().nonnegative(),
    maxPoints: z.number().int().min(2).max(10_000),
  })
  .strict()
  .refine((q) => q.fromMs < q.toMs, { message: 'fromMs must be before toMs', path: ['fromMs'] });
export type MetricQuery = z.infer<typeof MetricQuerySchema>;

/** One device's points; `min`/`max` are the envelope of each bucket when points were merged. */
export const SeriesPointsSchema = z.object({
  device: z.string(),
  t: z.array(z.number()),
  v: z.array(z.number()),
  min: z.array(z.number()).nullable(),
  max: z.array(z.number()).nullable(),
});
export type SeriesPoints = z.infer<typeof SeriesPointsSchema>;

/** Where points come from: raw samples, or 1-minute / 1-hour rollups (min, max, avg). */
export const TierSchema = z.enum(['raw', '1m', '1h']);

export const MetricQueryResultSchema = z.object({
  metric: MetricNameSchema,
  unit: MetricUnitSchema,
  tier: TierSchema,
  /** Width of one returned point: the collection interval for raw data, else the bucket width. */
  stepMs: z.number().int().positive(),
  series: z.array(SeriesPointsSchema),
});
export type MetricQueryResult = z.infer<typeof MetricQueryResultSchema>;

export const LatestValuesQuerySchema = z
  .object({
    metrics: z.array(MetricNameSchema).min(1).max(32),
    /** Nodes to read; all known nodes when left out. */
    nodeIds: z.array(NodeIdSchema).max(10_000).optional(),
  })
  .strict();
export type LatestValuesQuery = z.infer<typeof LatestValuesQuerySchema>;

export const LatestValueSchema = z.object({
  nodeId: z.string(),
  metric: MetricNameSchema,
  device: z.string(),
  t: z.number(),
  v: z.number(),
});
export type LatestValue = z.infer<typeof LatestValueSchema>;
