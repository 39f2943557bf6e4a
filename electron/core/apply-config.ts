/**
 * A new config applied to a running engine, without a restart: each part that a changed section
 * concerns is told, and nothing else is touched. The parts keep their own state (series,
 * alerts, connections); only their settings change.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../../shared/config';
import { tickDeadlineMs } from './fleet';
import type { StoreLimits } from './store/telemetry-store';

const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;

/** The store's retention, disk cap and interval from the config. */
export function storeLimits(config: Config): StoreLimits {
  const { storage, collection } = config;
  return {
    intervalMs: collection.intervalMs,
    retention: {
      rawMs: storage.rawRetentionDays * DAY_MS,
      minuteMs: storage.minuteRetentionDays * DAY_MS,
      hourMs: storage.hourRetentionDays * DAY_MS,
    },
    maxDiskBytes: storage.maxDiskMb === null ? null : storage.maxDiskMb * MIB,
  };
}

/** What a config change reaches in the engine (engine.ts passes its parts and the alert side's hooks). */
export interface ConfigurableParts {
  loop: { setIntervalMs(intervalMs: number): void };
  fleet: { setDeadlineMs(deadlineMs: number): void };
  store: { setOptions(limits: StoreLimits): void };
  /** The notification settings changed (sinks, minimum severity, quiet hours, bursts, rate limit). */
  onNotificationsChanged?: (notifications: Config['notifications'], config: Config) => void;
  /** The alert settings changed (rules folder, kernel log interval). */
  onAlertsChanged?: (alerts: Config['alerts'], config: Config) => void;
  /** collection.nvidiaSmiTimeoutMs changed: collectors made from now on should use it. */
  onCollectionChanged?: (collection: Config['collection'], config: Config) => void;
}

/** The config sections that differ between two configs. */
export function changedSections(previous: Config, next: Config): Array<keyof Config> {
  return (Object.keys(next) as Array<keyof Config>).filter((key) => !isDeepStrictEqual(previous[key], next[key]));
}

/**
 * Tells each part what changed from `previous` to `next`: the interval reaches the loop (from
 * the next tick), the fleet's tick deadline and the store (query steps); retention and the disk
 * cap reach the store (its next maintenance step); alert and notification settings go to their
 * callbacks. Returns the sections that changed. `serve` is read at start only (the listening socket).
 */
export function applyConfigToParts(parts: ConfigurableParts, previous: Config, next: Config): Array<keyof Config> {
  const changed = changedSections(previous, next);
  const has = (section: keyof Config) => changed.includes(section);
  if (previous.collection.intervalMs !== next.collection.intervalMs) {
    parts.loop.setIntervalMs(next.collection.intervalMs);
    parts.fleet.setDeadlineMs(tickDeadlineMs(next.collection.intervalMs));
  }
  if (has('storage') || previous.collection.intervalMs !== next.collection.intervalMs) parts.store.setOptions(storeLimits(next));
  if (has('collection')) parts.onCollectionChanged?.(next.collection, next);
  if (has('alerts')) parts.onAlertsChanged?.(next.alerts, next);
  if (has('notifications')) parts.onNotificationsChanged?.(next.notifications, next);
  return changed;
}

/** The config in force, and the one way to change it while the engine runs. */
export class LiveConfig {
  private config: Config;

  constructor(
    initial: Config,
    private readonly parts: ConfigurableParts,
  ) {
    this.config = initial;
  }

  current(): Config {
    return this.config;
  }

  /** Applies `next` to the parts, then makes it the config in force; returns the sections that changed. */
  apply(next: Config): Array<keyof Config> {
    const changed = applyConfigToParts(this.parts, this.config, next);
    this.config = next;
    return changed;
  }
}
