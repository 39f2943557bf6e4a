import { z } from 'zod';

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
  })
  .strict();

export type Config = z.output<typeof ConfigSchema>;

export const DEFAULT_CONFIG: Config = ConfigSchema.parse({});
