/**
 * The engine's own state as the UIs show it: what it runs and stores where, the collection
 * loop's health, the nodes' health apart from it, and the storage tiers.
 */
import { z } from 'zod';
import { NodeStatusSchema } from './inventory';

/** Where the engine runs, what it stores where, and whether the config file was usable. */
export const AppInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['desktop', 'serve']),
  intervalMs: z.number().int().positive(),
  dbPath: z.string(),
  configPath: z.string(),
  configError: z.string().nullable(),
  /** Whether typed secrets can be kept (an OS keychain); absent from engines before it was added. */
  secretsKept: z.boolean().optional(),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

/**
 * Whether telemetry reaches the disk. `buffering`: writes fail (disk full, read-only) and new
 * ticks wait in memory; `dropping`: that buffer is full and new ticks are not stored (the message
 * says how many since when; data already kept is never dropped).
 */
export const StorageStatusSchema = z.object({
  state: z.enum(['ok', 'buffering', 'dropping']),
  message: z.string().nullable(),
  since: z.number().nullable(),
  bufferedTicks: z.number().int().nonnegative(),
  droppedSamples: z.number().int().nonnegative(),
  outOfOrderSamples: z.number().int().nonnegative(),
  corruptChunks: z.number().int().nonnegative(),
});
export type StorageStatus = z.infer<typeof StorageStatusSchema>;

/** How many troubled nodes the engine status names; the count covers the rest. */
export const LISTED_TROUBLED_NODES = 20;

/** A node that is not up (connecting nodes are not counted), for the status bar. */
export const TroubledNodeSchema = z.object({
  id: z.string(),
  status: NodeStatusSchema,
  lastError: z.string().nullable(),
});
export type TroubledNode = z.infer<typeof TroubledNodeSchema>;

/** The nodes' health, kept apart from the engine's own: a dead node does not degrade the engine. */
export const NodeHealthSchema = z
  .object({
    total: z.number().int().nonnegative(),
    troubled: z.number().int().nonnegative(),
    /** The first troubled nodes, worst status first. */
    nodes: z.array(TroubledNodeSchema).max(LISTED_TROUBLED_NODES),
  })
  .refine((h) => h.troubled <= h.total && h.nodes.length <= h.troubled, { message: 'more troubled nodes than nodes' });
export type NodeHealth = z.infer<typeof NodeHealthSchema>;

/**
 * The collection loop's health, shown in the tray and the status bar. `degraded` is about the
 * engine itself (storage, a failed tick); troubled nodes are in `nodes`.
 */
export const EngineStatusSchema = z.object({
  state: z.enum(['starting', 'running', 'degraded', 'stopped']),
  ticks: z.number().int().nonnegative(),
  lastTickAt: z.number().int().nullable(),
  lastTickDurationMs: z.number().nullable(),
  lastError: z.string().nullable(),
  storage: StorageStatusSchema,
  /** Left out by engines before node health was reported apart (and before the first tick). */
  nodes: NodeHealthSchema.optional(),
});
export type EngineStatus = z.infer<typeof EngineStatusSchema>;

/** Size and reach of each storage tier, for the Storage settings. */
export const TierStatsSchema = z.object({
  tier: z.enum(['raw', '1m', '1h', 'head']),
  bytes: z.number().nonnegative(),
  chunks: z.number().int().nonnegative(),
  samples: z.number().int().nonnegative(),
  oldestMs: z.number().nullable(),
  newestMs: z.number().nullable(),
  retentionMs: z.number().nullable(),
});

export const StorageStatsSchema = z.object({
  dbPath: z.string(),
  fileBytes: z.number().nonnegative(),
  maxDiskBytes: z.number().nullable(),
  retentionMs: z.object({ raw: z.number(), minute: z.number(), hour: z.number() }),
  tiers: z.array(TierStatsSchema),
  status: StorageStatusSchema,
});
export type StorageStats = z.infer<typeof StorageStatsSchema>;
