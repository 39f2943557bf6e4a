/**
 * The one contract between the engine and every UI. Desktop IPC and HTTP both implement it, and
 * every request is validated against these schemas where it enters the engine.
 */
import { z } from 'zod';
import { MetricNameSchema, MetricUnitSchema } from './model/metrics';
import { NodeSnapshotSchema, NodeSummarySchema } from './model/node';

const NodeIdSchema = z.string().min(1).max(256);
const NoArgsSchema = z.object({}).strict();

/** Where the engine runs, what it stores where, and whether the config file was usable. */
export const AppInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'serve']),
  intervalMs: z.number().int().positive(),
  dbPath: z.string(),
  configPath: z.string(),
  configError: z.string().nullable(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/** The collection loop's health, shown in the tray and the status bar. */
export const EngineStatusSchema = z.object({
  state: z.enum(['starting', 'running', 'degraded', 'stopped']),
  ticks: z.number().int().nonnegative(),
  lastTickAt: z.number().int().nullable(),
  lastTickDurationMs: z.number().nullable(),
  lastError: z.string().nullable(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

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

export const MetricQueryResultSchema = z.object({
  metric: MetricNameSchema,
  unit: MetricUnitSchema,
  /** Width of one returned point: the collection interval for raw data, else the bucket width. */
  stepMs: z.number().int().positive(),
  series: z.array(SeriesPointsSchema),
});
export type MetricQueryResult = z.infer<typeof MetricQueryResultSchema>;

interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  doc: string;
  request: Req;
  response: Res;
}
const call = <Req extends z.ZodType, Res extends z.ZodType>(spec: CallSpec<Req, Res>) => spec;

/** Every request/response call. Names are `area:verb`. */
export const CALLS = {
  'app:info': call({ doc: 'Version, mode, data paths and config state.', request: NoArgsSchema, response: AppInfoSchema }),
  'engine:status': call({ doc: 'Health of the collection loop.', request: NoArgsSchema, response: EngineStatusSchema }),
  'nodes:list': call({ doc: 'Every known node with its latest GPU status.', request: NoArgsSchema, response: z.array(NodeSummarySchema) }),
  'nodes:latest': call({
    doc: "A node's most recent snapshot, or null before its first collection.",
    request: z.object({ nodeId: NodeIdSchema }).strict(),
    response: NodeSnapshotSchema.nullable(),
  }),
  'metrics:query': call({
    doc: "One metric's series for a node over a time range, at most maxPoints per series.",
    request: MetricQuerySchema,
    response: MetricQueryResultSchema,
  }),
} as const;

/** Every event pushed from the engine to UIs. */
export const EVENTS = {
  /** A node was collected; carries the whole snapshot so views need not re-fetch. */
  'snapshot:collected': NodeSnapshotSchema,
  /** The collection loop's status changed (after every tick). */
  'engine:statusChanged': EngineStatusSchema,
} as const;

export type CallName = keyof typeof CALLS;
export type EventName = keyof typeof EVENTS;
export type CallRequest<C extends CallName> = z.input<(typeof CALLS)[C]['request']>;
export type CallResponse<C extends CallName> = z.output<(typeof CALLS)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

export const CALL_NAMES = Object.keys(CALLS) as CallName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** Errors that cross the boundary: a code and a sentence, never a stack trace. */
export const ErrorCodeSchema = z.enum(['unknown-call', 'bad-request', 'not-found', 'unavailable', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export interface CallError {
  code: ErrorCode;
  message: string;
}
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError };

/** The engine side of the contract: one async handler per call. */
export type CallHandlers = { [C in CallName]: (request: z.output<(typeof CALLS)[C]['request']>) => Promise<CallResponse<C>> };

/** The UI side of the contract, whatever the transport. */
export interface ClusterdeckApi {
  call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CALLS, name);
}
