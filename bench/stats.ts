import { readFileSync } from 'node:fs';

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
