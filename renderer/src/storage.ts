/**
 * Words for the store's state: the status bar's warning when telemetry does not reach the disk,
 * and the rows of the Storage settings.
 */
import type { StorageStats, StorageStatus } from '../../shared/contract';
import { formatCount, formatDuration } from './format';

export type TierStats = StorageStats['tiers'][number];
export type StorageTier = TierStats['tier'];

/** Why writes fail, in two or three words, from the engine's message. */
export function storageProblem(message: string | null): string {
  const text = message ?? '';
  if (/\bfull\b/i.test(text)) return 'disk full';
  if (/read-only|readonly/i.test(text)) return 'database read-only';
  if (/I\/O error|SQLITE_IOERR/i.test(text)) return 'disk I/O error';
  return 'cannot write';
}

export interface StorageWarning {
  /** One line for the status bar. */
  text: string;
  /** The same without the "Storage:" prefix, for the storage settings themselves. */
  summary: string;
  tone: 'warn' | 'error';
  /** The engine's own message and the counters, for the tooltip. */
  title: string;
}

const plural = (n: number, one: string, many: string) => `${formatCount(n)} ${n === 1 ? one : many}`;

/** Null while telemetry is written normally. */
export function storageWarning(status: StorageStatus): StorageWarning | null {
  if (status.state === 'ok') return null;
  const problem = storageProblem(status.message);
  const details = [status.message ?? `Storage is ${status.state}.`];
  if (status.bufferedTicks > 0) details.push(`${plural(status.bufferedTicks, 'tick', 'ticks')} waiting in memory.`);
  if (status.droppedSamples > 0) details.push(`${plural(status.droppedSamples, 'sample', 'samples')} lost so far.`);
  const summary =
    status.state === 'buffering'
      ? `${problem} — ${plural(status.bufferedTicks, 'tick', 'ticks')} buffered in memory`
      : `${problem} — memory buffer full, new data not stored`;
  return {
    text: `Storage: ${summary}`,
    summary: summary.charAt(0).toUpperCase() + summary.slice(1),
    tone: status.state === 'buffering' ? 'warn' : 'error',
    title: details.join('\n'),
  };
}

export interface TierDescription {
  name: string;
  /** How fine its points are. */
  resolution: string;
}

export function describeTier(tier: StorageTier, intervalMs: number | null): TierDescription {
  switch (tier) {
    case 'raw':
      return { name: 'Raw samples', resolution: intervalMs === null ? 'every collection' : `every ${formatDuration(intervalMs)}` };
    case '1m':
      return { name: '1-minute rollups', resolution: '1 min · min, max, avg' };
    case '1h':
      return { name: '1-hour rollups', resolution: '1 h · min, max, avg' };
    case 'head':
      return { name: 'Unsealed head', resolution: 'newest ticks, sealed into chunks hourly' };
  }
}

const TIER_ORDER: readonly StorageTier[] = ['raw', '1m', '1h', 'head'];

/** Tiers finest first, the unsealed head last, whatever order the engine sent. */
export function orderTiers(tiers: readonly TierStats[]): TierStats[] {
  return [...tiers].sort((a, b) => TIER_ORDER.indexOf(a.tier) - TIER_ORDER.indexOf(b.tier));
}

/** Share of the disk cap the file takes, in percent; null without a cap. */
export function capUsePct(stats: Pick<StorageStats, 'fileBytes' | 'maxDiskBytes'>): number | null {
  if (stats.maxDiskBytes === null || stats.maxDiskBytes <= 0) return null;
  return (stats.fileBytes / stats.maxDiskBytes) * 100;
}
