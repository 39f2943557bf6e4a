import { readFileSync } from 'node:fs';
import { fmt } from '../electron/server/store-bench/stats';

/** Small statistics for benchmark reports: the app's own (for `clusterdeck bench store`), and more. */
export { fmt, formatColumns, median, percentile, round } from '../electron/server/store-bench/stats';

/** Prints rows as an aligned two-column table. */
export function formatTable(title: string, rows: Array<[string, string | number]>): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return [title, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

/** A report cell for a target: met or missed. */
export const mark = (ok: boolean) => (ok ? 'ok' : 'MISS');

/** Whether a measurement that could fail holds its error instead of figures. */
export function isError<T extends object>(value: T | { error: string } | null): value is { error: string } {
  return value !== null && 'error' in value;
}

/** CPU time of this process's reaped children (cutime + cstime in /proc/self/stat), seconds; NaN off Linux. */
export function childCpuSeconds(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // cutime, cstime: fields 16 and 17 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** The store's open period held in memory at the end of a run (Engine.openBuffers). */
export interface OpenPeriod {
  series: number;
  samples: number;
  bytes: number;
}

/**
 * A run of minutes sees the store's open hour barely begun: this says what it holds per sample,
 * and what every series' full hour (3,600,000 / intervalMs samples) comes to at that size and at
 * 16 bytes a sample (float64 time and value, the layout before the open buffers were encoded).
 */
export function openPeriodText(open: OpenPeriod | undefined, intervalMs: number): string {
  if (!open || open.samples === 0) return 'store open hour: no samples held';
  const perSample = open.bytes / open.samples;
  const hourSamples = open.series * (3_600_000 / intervalMs);
  const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 0)} MB`;
  return `store open hour in memory: ${open.series.toLocaleString('en-US')} series, ${fmt(perSample, 2)} bytes a sample held now; at the hour's end (${fmt(3_600_000 / intervalMs, 0)} samples a series) about ${mib(hourSamples * perSample)} (at 16 bytes a sample: ${mib(hourSamples * 16)})`;
}
