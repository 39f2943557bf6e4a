import { z } from 'zod';

import { PrometheusSourceConfigSchema } from './model/sources';

export { PrometheusSourceConfigSchema, type PrometheusSourceConfig } from './model/sources';

/**
 * The user's configuration file (config.yaml in the config folder). Every field is optional;
 * unknown fields are refused so a typo is reported instead of silently ignored.
 */
export const ConfigSchema = z
  .object({
    collection: z
      .object({
        /** How often every node is collected. */
        intervalMs: z.number().int().min(1000).max(3_600_000).default(5000),
        /** How long one nvidia-smi may run before the GPU collection of that tick is given up. */
        nvidiaSmiTimeoutMs: z.number().int().min(500).max(120_000).default(10_000),
      })
      .strict()
      .prefault({}),
    serve: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(0),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** Raw samples (every collection) are kept this long. */
        rawRetentionDays: z.number().min(1).max(3650).default(7),
        /** 1-minute rollups (min, max, average) are kept this long. */
        minuteRetentionDays: z.number().min(1).max(3650).default(90),
        /** 1-hour rollups are kept this long. */
        hourRetentionDays: z.number().min(1).max(36500).default(730),
        /** Total database size cap; the oldest, finest data goes first. Null: no cap. */
        maxDiskMb: z.number().min(16).nullable().default(null),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        /** Folder of the user's rule files (*.yaml); default: rules/ beside config.yaml. */
        rulesDir: z.string().min(1).max(4096).nullable().default(null),
        /** How often each node's kernel log is read for Xid and fallen-off-the-bus lines. */
        kernelLogIntervalMs: z.number().int().min(1000).max(3_600_000).default(10_000),
      })
      .strict()
      .prefault({}),
    notifications: z
      .object({
        /** OS notifications: Electron's in the desktop app, notify-send headless (when a session bus exists). */
        desktop: z.boolean().default(true),
        /** Severities notified at all. */
        minSeverity: z.enum(['info', 'warning', 'critical']).default('warning'),
        webhook: z
          .object({
            url: z.url({ protocol: /^https?$/ }).max(2048),
            timeoutMs: z.number().int().min(100).max(60_000).default(5000),
            retries: z.number().int().min(0).max(10).default(3),
          })
          .strict()
          .nullable()
          .default(null),
        /** Non-critical alerts are held (not dropped) between these local times, "HH:MM". */
        quietHours: z
          .object({ start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) })
          .strict()
          .nullable()
          .default(null),
        /** This many notifications within burstWindowMs become one summary. */
        burstCount: z.number().int().min(2).max(1000).default(5),
        burstWindowMs: z.number().int().min(1000).max(3_600_000).default(60_000),
        /** At most this many notifications per rule per hour; the rest are counted in the next summary. */
        perRulePerHour: z.number().int().min(1).max(10_000).default(20),
      })
      .strict()
      .prefault({}),
    /**
     * Prometheus-compatible HTTP APIs (Prometheus, Thanos, Mimir, VictoriaMetrics) whose nodes are
     * collected besides the SSH ones. Secrets are files (read at start), never inline in this file.
     */
    sources: z.array(PrometheusSourceConfigSchema).max(32).default([]),
  })
  .strict();

/**
 * What Settings may change: a partial config, the same validation. `null` where a field allows it
 * (maxDiskMb, webhook, quietHours) clears the setting.
 */
export const SettingsPatchSchema = z
  .object({
    collection: z
      .object({ intervalMs: z.number().int().min(1000).max(3_600_000), nvidiaSmiTimeoutMs: z.number().int().min(500).max(120_000) })
      .partial()
      .strict(),
    storage: z
      .object({
        rawRetentionDays: z.number().min(1).max(3650),
        minuteRetentionDays: z.number().min(1).max(3650),
        hourRetentionDays: z.number().min(1).max(36500),
        maxDiskMb: z.number().min(16).nullable(),
      })
      .partial()
      .strict(),
    alerts: z
      .object({ kernelLogIntervalMs: z.number().int().min(1000).max(3_600_000) })
      .partial()
      .strict(),
    notifications: z
      .object({
        desktop: z.boolean(),
        minSeverity: z.enum(['info', 'warning', 'critical']),
        webhook: z
          .object({
            url: z.url({ protocol: /^https?$/ }).max(2048),
            timeoutMs: z.number().int().min(100).max(60_000),
            retries: z.number().int().min(0).max(10),
          })
          .partial({ timeoutMs: true, retries: true })
          .strict()
          .nullable(),
        quietHours: z
          .object({ start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/), end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/) })
          .strict()
          .nullable(),
        burstCount: z.number().int().min(2).max(1000),
        burstWindowMs: z.number().int().min(1000).max(3_600_000),
        perRulePerHour: z.number().int().min(1).max(10_000),
      })
      .partial()
      .strict(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export type Config = z.output<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse({});
