/**
 * `clusterdeck bench store --input FILE.csv`: the store measured on the user's own telemetry, as
 * `promtool tsdb bench write` does for Prometheus. The file is ingested into a scratch database
 * in a temporary folder (removed afterwards, also on Ctrl-C), in a process of its own, and the
 * report gives the ingest rate, bytes per sample, peak RSS and the time of a chart and of a
 * latest-values query. The benchmarks of the project itself are `npm run bench` in a checkout.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { fmt, formatColumns } from '../store-bench/stats';
import type { TsdbRun } from '../store-bench/tsdb-run';
import { runTsdbJobIsolated } from '../store-bench/tsdb-run-worker';
import { UsageError } from '../usage-error';

export interface BenchStoreFlags {
  input?: string;
  batch?: string;
  json?: boolean;
}

/** Ticks per write transaction unless --batch says otherwise (a collector flushing once a minute). */
export const DEFAULT_TICKS_PER_TRANSACTION = 12;

export interface BenchStoreResult {
  input: string;
  ticksPerTransaction: number;
  machine: { cpus: number; cpuModel: string; node: string; sqlite: string };
  run: TsdbRun;
  /** What the engine or the read-back check found wrong (the file's own problems, mostly). */
  warnings: string[];
}

function ticksPerTransaction(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TICKS_PER_TRANSACTION;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError('--batch must be a positive integer');
  return n;
}

function machine(): BenchStoreResult['machine'] {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, sqlite };
}

function warningsOf(run: TsdbRun): string[] {
  const c = run.check;
  const warnings: string[] = [];
  if (c.latestMismatches > 0) warnings.push(`${c.latestMismatches} series did not read back the value of the last tick`);
  if (c.outOfOrderSamples > 0) warnings.push(`${fmt(c.outOfOrderSamples, 0)} samples out of order (not stored): the file must list ticks in time order`);
  if (c.droppedSamples > 0) warnings.push(`${fmt(c.droppedSamples, 0)} samples dropped`);
  if (c.corruptChunks > 0) warnings.push(`${c.corruptChunks} corrupt chunks`);
  if (c.state !== 'ok') warnings.push(`store state ${c.state}`);
  return warnings;
}

/** Measures the store on `--input`; resolves to the exit code. */
export async function benchStore(flags: BenchStoreFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (flags.input === undefined) throw new UsageError('bench store needs --input FILE.csv (series,ts_ms,value rows in time order)');
  const input = resolve(flags.input);
  if (!(existsSync(input) && statSync(input).isFile())) throw new UsageError(`--input: no such file: ${flags.input}`);
  const batch = ticksPerTransaction(flags.batch);

  const dir = mkdtempSync(join(tmpdir(), 'clusterdeck-bench-store-'));
  const removeScratch = () => rmSync(dir, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    removeScratch();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let run: TsdbRun;
  try {
    process.stderr.write(`bench store: ingesting ${input} into a scratch database in ${dir}\n`);
    run = await runTsdbJobIsolated({
      kind: 'tsdb',
      label: input,
      source: { type: 'csv', path: input },
      dir,
      chart: true,
      latest: true,
      isolated: false,
      ticksPerTransaction: batch,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeScratch();
  }
  const result: BenchStoreResult = { input, ticksPerTransaction: batch, machine: machine(), run, warnings: warningsOf(run) };
  write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatBenchStore(result)}\n`);
  return 0;
}

const mb = (bytes: number) => fmt(bytes / 1e6, 1);

export function formatBenchStore(r: BenchStoreResult): string {
  const { run } = r;
  const s = run.shape;
  const m = r.machine;
  const out = [
    `bench store: ${r.input}`,
    `  ${fmt(s.nodes, 0)} nodes, ${fmt(s.series, 0)} series, ${fmt(s.ticks, 0)} ticks, ${fmt(s.samples, 0)} samples over ${fmt(s.hours, 1)} h${s.csvBytes === null ? '' : `; ${mb(s.csvBytes)} MB of CSV`}`,
    `  Tsdb on SQLite ${m.sqlite}, Node ${m.node}, ${m.cpus} x ${m.cpuModel}; ${r.ticksPerTransaction} tick${r.ticksPerTransaction === 1 ? '' : 's'} per write transaction (--batch N)`,
    '',
  ];
  const rows: string[][] = [
    ['ingest, samples/s (rollups and sealing included)', fmt(run.ingest.samplesPerSec, 0), `${fmt(run.ingest.seconds, 1)} s of ingest()`],
    ['raw tier, bytes/sample', fmt(run.size.rawBytesPerSample, 3), ''],
    ['whole file, bytes/sample (all tiers, head, catalog)', fmt(run.size.fileBytesPerSample, 3), `${mb(run.size.fileBytes)} MB`],
    ['peak RSS during ingest, MB', fmt(run.rss.kernelPeakMb ?? run.rss.peakMb, 0), ''],
  ];
  if (run.chart) {
    const c = run.chart;
    rows.push([
      `chart of 1 series over ${fmt(c.spanHours, 1)} h, median ms`,
      fmt(c.medianMs, 2),
      `p95 ${fmt(c.p95Ms, 2)}, first ${fmt(c.firstMs, 2)}; ${c.points} points from the ${c.tier} tier`,
    ]);
  }
  if (run.latest) {
    const l = run.latest;
    rows.push([`latest value of ${fmt(l.series, 0)} series, median ms`, fmt(l.medianMs, 3), `p95 ${fmt(l.p95Ms, 3)}, first ${fmt(l.firstMs, 3)}`]);
  }
  // The notes after the figures read left to right.
  const table = formatColumns(
    ['figure', 'value'],
    rows.map(([label, value]) => [label!, value!]),
  ).split('\n');
  out.push(...table.map((line, i) => (i > 0 && rows[i - 1]![2] ? `${line}  ${rows[i - 1]![2]}` : line)));
  const tiers = Object.entries(run.size.tierBytes).map(([tier, bytes]) => `${tier} ${mb(bytes)} MB`);
  out.push('', `  tiers: ${tiers.join(', ')}`);
  if (run.chart) out.push(`  chart series: ${run.chart.series}`);
  if (r.warnings.length) out.push('', 'Warnings', ...r.warnings.map((w) => `  ${w}`));
  return out.join('\n');
}
