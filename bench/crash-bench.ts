/**
 * `bench crash`: the report of the kill -9 rounds of test/helpers/crash-writer.ts (the writer
 * and its checks live with the tests, which run the same rounds, fewer of them).
 */
import type { CrashBenchResult } from '../test/helpers/crash-writer';
import { formatTable, median } from './stats';

export { runCrashRounds, type CrashBenchResult } from '../test/helpers/crash-writer';

export function formatCrashBench(r: CrashBenchResult): string {
  return formatTable(`kill -9 of the writer, ${r.rounds.length} rounds on one database`, [
    ['acknowledged ticks (40 series each)', r.acknowledgedTicks],
    ['rounds with integrity_check not ok', r.rounds.filter((x) => x.integrity !== 'ok').length],
    ['acknowledged ticks missing after reopening', r.rounds.reduce((n, x) => n + x.missing, 0)],
    ['stored values that differ from the written ones', r.rounds.reduce((n, x) => n + x.wrongValues, 0)],
    ['reopen (replay of the head) median / max', `${median(r.rounds.map((x) => x.reopenMs))} / ${Math.max(...r.rounds.map((x) => x.reopenMs))} ms`],
    ['chunks written (raw / 1-minute / 1-hour)', `${r.chunks.raw} / ${r.chunks.minute} / ${r.chunks.hour}`],
    ['verdict', r.failures === 0 ? 'ok: every acknowledged tick survived' : `FAILED in ${r.failures} rounds`],
  ]);
}
