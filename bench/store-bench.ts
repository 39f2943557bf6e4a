/**
 * `bench store`: the time-series engine (Tsdb) measured on realistic GPU-cluster telemetry.
 *
 * Figures: ingest rate (the ingest() calls only, rollups and hourly sealing included), bytes per
 * sample (raw tier, and the whole file), peak RSS during ingest, a 7-day chart of one noisy
 * series in at most 1,000 points, and the latest value of 8,000 series (1,000 GPUs x 8 metrics).
 *
 * Data: the reference generator ../shared/workloads/gen_telemetry.py (when it and python3 are
 * there) and this project's own TypeScript generator, side by side; or any CSV with --input.
 * Baselines on the same data: SQLite with one row per sample, and Prometheus' TSDB via promtool.
 * Every measured run happens in a child process of its own (store-bench-worker.ts). The Tsdb run
 * is the app's own (`clusterdeck bench store --input`, electron/server/store-bench/tsdb-run.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APP_ROOT } from '../electron/core/app-root';
import { UsageError } from '../electron/server/usage-error';
import { findPromtool, runPromtool, type OpenMetricsFile, type PrometheusRun, type SqliteJob, type SqliteRun } from './baselines';
import type { ChartQuery, CsvSource, LatestQuery, TsdbRun } from '../electron/server/store-bench/tsdb-run';
import { runInChild } from '../electron/server/store-bench/tsdb-run-worker';
import type { BenchJob } from './store-bench-worker';
import { runJob } from './store-bench-worker';
import type { SourceSpec } from './store-bench-workload';
import { writeGeneratorCsv } from './generator-csv';
import { fmt, formatColumns, isError, mark, round } from './stats';
import { DEFAULT_SEED } from './telemetry-generator';

export const REFERENCE_GENERATOR = join(APP_ROOT, '..', 'shared', 'workloads', 'gen_telemetry.py');
/** The reference generator's default seed; its published figures are for this seed. */
const REFERENCE_SEED = 'clusterdeck-anchor-1';

/**
 * The row-per-sample baseline touches one B-tree leaf per series per tick, so one transaction
 * per tick rewrites ~1,260 pages per commit (about 20,000 samples/s here): that rate is measured
 * on the first 30 minutes only, and the whole workload is written in 5-minute batches.
 */
const SQLITE_PER_TICK_TICKS = 360;
const SQLITE_BATCH_TICKS = 60;
/** The chart workload is only there for its query: written in 1-hour batches. */
const SQLITE_CHART_BATCH_TICKS = 720;

export const TARGETS = {
  samplesPerSec: 2_000_000,
  rawBytesPerSample: 1.0,
  chartMedianMs: 5,
  latestMedianMs: 10,
  rssMb: 200,
} as const;

interface Shape {
  nodes: number;
  hours: number;
}

interface Plan {
  mode: 'full' | 'quick';
  /** Size, ingest rate, RSS. */
  main: Shape;
  /** The chart query (7 days of one node; 24 h with --quick). */
  chart: Shape;
  /** The latest-values query: 125 nodes x 8 GPUs x 8 metrics = 8,000 series. */
  latest: Shape;
}

const PLANS: Record<Plan['mode'], Plan> = {
  full: { mode: 'full', main: { nodes: 10, hours: 24 }, chart: { nodes: 1, hours: 168 }, latest: { nodes: 125, hours: 0.1 } },
  quick: { mode: 'quick', main: { nodes: 10, hours: 6 }, chart: { nodes: 1, hours: 24 }, latest: { nodes: 125, hours: 0.1 } },
};

export interface StoreBenchOptions {
  quick?: boolean;
  input?: string;
  /** Ticks written per transaction (default 12: a minute of 5-second ticks). */
  ticksPerTransaction?: number;
  /** Progress lines (stderr by default, so that --json output stays clean). */
  log?: (line: string) => void;
}

export interface Figures {
  samplesPerSec: number;
  rawBytesPerSample: number;
  fileBytesPerSample: number;
  rssMb: number;
  chartLabel: string | null;
  chart: ChartQuery | null;
  latest: LatestQuery | null;
}

export interface DataSetResult {
  name: string;
  source: string;
  figures: Figures;
  runs: { main: TsdbRun; chart: TsdbRun | null; latest: TsdbRun | null };
}

export interface BaselineResults {
  /** Which data the baselines ran on. */
  dataSet: string;
  workload: string;
  samples: number;
  /** One transaction per tick, as the Tsdb commits: measured on a prefix, it is that slow. */
  sqlitePerTick: SqliteRun | { error: string };
  /** The whole workload in batches of ticks: rate, size after checkpoint and after VACUUM. */
  sqlite: SqliteRun | { error: string };
  sqliteChart: SqliteRun | { error: string } | null;
  prometheus: PrometheusRun | { error: string };
}

export interface StoreBenchResult {
  mode: 'full' | 'quick' | 'input';
  /** Ticks per write transaction (1: the app's own rhythm of one tick per collection). */
  ticksPerTransaction: number;
  /** loadAverage: the 1-minute load at the start and at the end (other work skews timings). */
  machine: { cpus: number; cpuModel: string; node: string; sqlite: string; loadAverage: [number, number] };
  targets: typeof TARGETS;
  referenceUnavailable: string | null;
  dataSets: DataSetResult[];
  baselines: BaselineResults | null;
  misses: string[];
  warnings: string[];
  seconds: number;
}

/** Ticks per write transaction unless --batch says otherwise (a fleet collector flushing once a minute). */
export const DEFAULT_TICKS_PER_TRANSACTION = 12;

// ------------------------------------------------------------------ child processes

const WORKER = join(__dirname, 'store-bench-worker.js');

/** Runs a job in a fresh Node process (the built worker), or here when there is no build. */
function runIsolated<T>(job: BenchJob): Promise<T> {
  return runInChild(WORKER, job, () => runJob(job) as T);
}

function runProgram(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const lines = `${stderr}`.trim().split('\n');
        reject(new Error(lines[lines.length - 1] || error.message));
      } else resolve(`${stdout}`);
    });
  });
}

// ------------------------------------------------------------------ reference data

interface ReferenceFiles {
  python: string;
  main: string;
  mainOm: string | null;
  chart: string;
  latest: string;
}

/** Why the reference generator cannot run here, or null when it can. */
async function referenceUnavailable(): Promise<string | null> {
  if (!existsSync(REFERENCE_GENERATOR)) return `reference generator not found at ${REFERENCE_GENERATOR}; TypeScript generator only`;
  try {
    await runProgram('python3', ['--version']);
    return null;
  } catch (error) {
    return `python3 does not run (${(error as Error).message}); TypeScript generator only`;
  }
}

/** Runs gen_telemetry.py for the three workloads at once (they are independent processes). */
async function generateReference(plan: Plan, dir: string, withOpenMetrics: boolean): Promise<ReferenceFiles> {
  const python = (await runProgram('python3', ['--version'])).trim();
  const generate = (shape: Shape, name: string, om: boolean) => {
    const csv = join(dir, `${name}.csv`);
    const args = [
      REFERENCE_GENERATOR,
      '--nodes',
      String(shape.nodes),
      '--hours',
      String(shape.hours),
      '--seed',
      REFERENCE_SEED,
      '--csv-order',
      'time',
      '--csv',
      csv,
    ];
    if (om) args.push('--om', join(dir, `${name}.om`));
    return runProgram('python3', args).then(() => csv);
  };
  // allSettled: on a failure, wait for the other generators before the folder is removed.
  const settled = await Promise.allSettled([
    generate(plan.main, 'main', withOpenMetrics),
    generate(plan.chart, 'chart', false),
    generate(plan.latest, 'latest', false),
  ]);
  const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure) throw failure.reason;
  const [main, chart, latest] = settled.map((s) => (s as PromiseFulfilledResult<string>).value) as [string, string, string];
  return { python, main, mainOm: withOpenMetrics ? join(dir, 'main.om') : null, chart, latest };
}

// ------------------------------------------------------------------ the runs

const describeShape = (shape: Shape) => `${shape.nodes} node${shape.nodes === 1 ? '' : 's'} x ${shape.hours} h`;

function chartLabel(mode: StoreBenchResult['mode'], hours: number): string {
  if (Math.abs(hours - 168) < 0.01) return '7-day chart';
  const span = `${round(hours, 1)} h chart`;
  return mode === 'quick' ? `${span} (quick substitute for the 7-day chart)` : `${span} (the whole span of the data)`;
}

function figuresOf(mode: StoreBenchResult['mode'], main: TsdbRun, chart: TsdbRun | null, latest: TsdbRun | null): Figures {
  return {
    samplesPerSec: main.ingest.samplesPerSec,
    rawBytesPerSample: main.size.rawBytesPerSample,
    fileBytesPerSample: main.size.fileBytesPerSample,
    rssMb: main.rss.kernelPeakMb ?? main.rss.peakMb,
    chartLabel: chart?.chart ? chartLabel(mode, chart.chart.spanHours) : null,
    chart: chart?.chart ?? null,
    latest: latest?.latest ?? null,
  };
}

async function runDataSet(
  mode: StoreBenchResult['mode'],
  name: string,
  source: string,
  sources: { main: CsvSource; chart: CsvSource; latest: CsvSource },
  labels: { main: string; chart: string; latest: string },
  dir: string,
  log: (line: string) => void,
  batch: number,
): Promise<DataSetResult> {
  const tsdbJob = (role: 'main' | 'chart' | 'latest', spec: CsvSource) => {
    log(`${name}, ${labels[role]}: Tsdb ingest${role === 'main' ? '' : ` and the ${role === 'chart' ? 'chart' : 'latest-values'} query`}`);
    return runIsolated<TsdbRun>({
      kind: 'tsdb',
      label: labels[role],
      source: spec,
      dir: join(dir, role),
      chart: role === 'chart',
      latest: role === 'latest',
      isolated: false,
      ticksPerTransaction: batch,
    });
  };
  const main = await tsdbJob('main', sources.main);
  const chart = await tsdbJob('chart', sources.chart);
  const latest = await tsdbJob('latest', sources.latest);
  return { name, source, figures: figuresOf(mode, main, chart, latest), runs: { main, chart, latest } };
}

async function runBaselines(
  dataSet: string,
  workload: string,
  samples: number,
  sources: { main: SourceSpec; chart: SourceSpec | null },
  openMetrics: string | null,
  dir: string,
  log: (line: string) => void,
): Promise<BaselineResults> {
  const failed = (error: unknown) => ({ error: (error as Error).message ?? String(error) });
  const sqliteJob = (label: string, source: SourceSpec, options: Pick<SqliteJob, 'chart' | 'vacuum' | 'ticksPerTransaction' | 'maxTicks'>) =>
    runIsolated<SqliteRun>({ kind: 'sqlite', label, source, dir: join(dir, 'sqlite'), ...options }).catch(failed);
  log(`${dataSet}, ${workload}: SQLite one-row-per-sample baseline, one transaction per tick (first ${SQLITE_PER_TICK_TICKS} ticks)`);
  const sqlitePerTick = await sqliteJob(workload, sources.main, { chart: false, vacuum: false, ticksPerTransaction: 1, maxTicks: SQLITE_PER_TICK_TICKS });
  log(
    `${dataSet}, ${workload}: SQLite one-row-per-sample baseline, ${SQLITE_BATCH_TICKS} ticks per transaction${sources.chart ? '' : ', with the chart query'}`,
  );
  const sqlite = await sqliteJob(workload, sources.main, {
    chart: sources.chart === null,
    vacuum: true,
    ticksPerTransaction: SQLITE_BATCH_TICKS,
    maxTicks: null,
  });
  let sqliteChart: SqliteRun | { error: string } | null = null;
  if (sources.chart) {
    log(`${dataSet}: SQLite one-row-per-sample baseline of the chart workload, for its chart query`);
    sqliteChart = await sqliteJob('chart', sources.chart, { chart: true, vacuum: false, ticksPerTransaction: SQLITE_CHART_BATCH_TICKS, maxTicks: null });
  }
  let prometheus: PrometheusRun | { error: string };
  const promtool = findPromtool();
  if (!promtool) {
    prometheus = { error: 'promtool is not installed (Debian: apt install prometheus); Prometheus baseline skipped' };
  } else {
    try {
      let path = openMetrics;
      if (!path) {
        log(`${dataSet}, ${workload}: writing OpenMetrics for promtool`);
        path = (await runIsolated<OpenMetricsFile>({ kind: 'openmetrics', source: sources.main, path: join(dir, 'main.om') })).path;
      }
      log(`${dataSet}, ${workload}: promtool backfill (Prometheus TSDB baseline)`);
      prometheus = await runPromtool(promtool, path, join(dir, 'prometheus'), samples);
      rmSync(path, { force: true });
    } catch (error) {
      prometheus = { error: `promtool failed: ${(error as Error).message}` };
    }
  }
  return { dataSet, workload, samples, sqlitePerTick, sqlite, sqliteChart, prometheus };
}

function machine(): StoreBenchResult['machine'] {
  const db = new Database(':memory:');
  const sqlite = db.prepare('SELECT sqlite_version()').pluck().get() as string;
  db.close();
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', node: process.version, sqlite, loadAverage: [loadavg()[0]!, Number.NaN] };
}

function judge(result: StoreBenchResult): void {
  for (const set of result.dataSets) {
    const f = set.figures;
    const miss = (what: string) => result.misses.push(`${set.name}: ${what}`);
    if (f.samplesPerSec < TARGETS.samplesPerSec) miss(`ingest ${fmtInt(f.samplesPerSec)} samples/s, below ${fmtInt(TARGETS.samplesPerSec)}`);
    if (f.rawBytesPerSample > TARGETS.rawBytesPerSample) miss(`raw tier ${fmt(f.rawBytesPerSample, 3)} bytes/sample, above ${TARGETS.rawBytesPerSample}`);
    if (f.rssMb > TARGETS.rssMb) miss(`peak RSS ${fmt(f.rssMb, 0)} MB, above ${TARGETS.rssMb}`);
    if (f.chart && f.chart.medianMs > TARGETS.chartMedianMs) miss(`${f.chartLabel} median ${fmt(f.chart.medianMs, 2)} ms, above ${TARGETS.chartMedianMs}`);
    if (f.chart && f.chart.points > 1000) miss(`${f.chartLabel} returned ${f.chart.points} points, more than 1,000`);
    if (f.latest && f.latest.medianMs > TARGETS.latestMedianMs)
      miss(`latest of ${fmtInt(f.latest.series)} series median ${fmt(f.latest.medianMs, 2)} ms, above ${TARGETS.latestMedianMs}`);
    if (f.latest && f.latest.series < 8000)
      result.warnings.push(`${set.name}: the latest-values query covers ${fmtInt(f.latest.series)} series (the data has no more GPU series), not 8,000`);
    for (const run of [set.runs.main, set.runs.chart, set.runs.latest]) {
      if (!run) continue;
      const c = run.check;
      if (c.latestMismatches > 0) result.warnings.push(`${set.name}, ${run.label}: ${c.latestMismatches} series did not read back their last value`);
      if (c.outOfOrderSamples > 0 || c.droppedSamples > 0 || c.corruptChunks > 0 || c.state !== 'ok') {
        result.warnings.push(
          `${set.name}, ${run.label}: engine reported ${c.outOfOrderSamples} out-of-order and ${c.droppedSamples} dropped samples, ${c.corruptChunks} corrupt chunks, state ${c.state}`,
        );
      }
    }
  }
}

export async function runStoreBench(options: StoreBenchOptions = {}): Promise<StoreBenchResult> {
  const started = performance.now();
  const log = (line: string) =>
    (options.log ?? ((text: string) => process.stderr.write(`${text}\n`)))(`store [${Math.round((performance.now() - started) / 1000)} s]: ${line}`);
  if (options.input !== undefined && !(existsSync(options.input) && statSync(options.input).isFile())) {
    throw new UsageError(`--input: no such file: ${options.input}`);
  }
  const mode: StoreBenchResult['mode'] = options.input !== undefined ? 'input' : options.quick ? 'quick' : 'full';
  const batch = options.ticksPerTransaction ?? DEFAULT_TICKS_PER_TRANSACTION;
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError('--batch must be a positive integer');
  const result: StoreBenchResult = {
    mode,
    ticksPerTransaction: batch,
    machine: machine(),
    targets: TARGETS,
    referenceUnavailable: null,
    dataSets: [],
    baselines: null,
    misses: [],
    warnings: [],
    seconds: 0,
  };

  const dir = mkdtempSync(join(tmpdir(), 'cd-store-bench-'));
  const removeTemp = () => rmSync(dir, { recursive: true, force: true });
  // Interrupted: the gigabytes of temporary CSV must not stay behind.
  const onSignal = (signal: NodeJS.Signals) => {
    removeTemp();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (options.input !== undefined) {
      const spec: CsvSource = { type: 'csv', path: options.input };
      log(`${options.input}: Tsdb ingest and both queries`);
      const run = await runIsolated<TsdbRun>({
        kind: 'tsdb',
        label: options.input,
        source: spec,
        dir: join(dir, 'input'),
        chart: true,
        latest: true,
        isolated: false,
        ticksPerTransaction: batch,
      });
      result.dataSets.push({ name: 'input', source: options.input, figures: figuresOf(mode, run, run, run), runs: { main: run, chart: null, latest: null } });
      result.baselines = await runBaselines('input', options.input, run.shape.samples, { main: spec, chart: null }, null, join(dir, 'baselines'), log);
    } else {
      const plan = PLANS[mode as Plan['mode']];
      const labels = { main: describeShape(plan.main), chart: describeShape(plan.chart), latest: describeShape(plan.latest) };
      result.referenceUnavailable = await referenceUnavailable();
      let reference: ReferenceFiles | null = null;
      if (result.referenceUnavailable === null) {
        log(`generating the reference workloads with gen_telemetry.py (${labels.main}, ${labels.chart}, ${labels.latest})`);
        try {
          reference = await generateReference(plan, dir, findPromtool() !== null);
        } catch (error) {
          result.referenceUnavailable = `gen_telemetry.py failed: ${(error as Error).message}; TypeScript generator only`;
          log(result.referenceUnavailable);
        }
      } else {
        log(result.referenceUnavailable);
      }
      const csv = (path: string): CsvSource => ({ type: 'csv', path });
      const generated = (shape: Shape): SourceSpec => ({ type: 'generator', nodes: shape.nodes, hours: shape.hours, seed: DEFAULT_SEED });
      if (reference) {
        result.dataSets.push(
          await runDataSet(
            mode,
            'reference',
            `gen_telemetry.py (${reference.python}, seed ${REFERENCE_SEED})`,
            { main: csv(reference.main), chart: csv(reference.chart), latest: csv(reference.latest) },
            labels,
            join(dir, 'reference'),
            log,
            batch,
          ),
        );
      }
      // Written to CSV first and read like the reference data, so that the measured process holds
      // the engine and a lean reader, not the generator (see generator-csv.ts).
      log(`writing the TypeScript generator's workloads as CSV (${labels.main}, ${labels.chart}, ${labels.latest})`);
      mkdirSync(join(dir, 'ts-data'), { recursive: true });
      const tsCsv = (shape: Shape, name: string) =>
        csv(writeGeneratorCsv(join(dir, 'ts-data', `${name}.csv`), { nodes: shape.nodes, hours: shape.hours, seed: DEFAULT_SEED }).path);
      const ts = await runDataSet(
        mode,
        'TS generator',
        `telemetry-generator.ts (seed ${DEFAULT_SEED}), written to CSV`,
        { main: tsCsv(plan.main, 'main'), chart: tsCsv(plan.chart, 'chart'), latest: tsCsv(plan.latest, 'latest') },
        labels,
        join(dir, 'ts'),
        log,
        batch,
      );
      result.dataSets.push(ts);
      const baselineSet = result.dataSets[0]!;
      result.baselines = await runBaselines(
        baselineSet.name,
        labels.main,
        baselineSet.runs.main.shape.samples,
        reference ? { main: csv(reference.main), chart: csv(reference.chart) } : { main: generated(plan.main), chart: generated(plan.chart) },
        reference?.mainOm ?? null,
        join(dir, 'baselines'),
        log,
      );
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    removeTemp();
  }
  judge(result);
  result.machine.loadAverage[1] = loadavg()[0]!;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

// ------------------------------------------------------------------ report

const fmtInt = (n: number | null | undefined) => fmt(n, 0);
const mb = (bytes: number) => fmt(bytes / 1e6, 1);

export function formatStoreBench(r: StoreBenchResult): string {
  const out: string[] = [];
  const minutes = Math.floor(r.seconds / 60);
  out.push(
    `bench store (${r.mode}${r.mode === 'quick' ? ': smaller workloads, for development' : ''}): Tsdb on SQLite ${r.machine.sqlite}, Node ${r.machine.node}, ${r.machine.cpus} x ${r.machine.cpuModel}; took ${minutes} min ${Math.round(r.seconds - minutes * 60)} s`,
    `  ${r.ticksPerTransaction} tick${r.ticksPerTransaction === 1 ? '' : 's'} per write transaction (--batch N; 1 = one transaction per collection tick)`,
  );
  out.push(
    `  load average (1 min) ${fmt(r.machine.loadAverage[0], 2)} at the start, ${fmt(r.machine.loadAverage[1], 2)} at the end: other work on the machine slows the timings`,
  );
  for (const set of r.dataSets) out.push(`  ${set.name}: ${set.source}`);
  if (r.referenceUnavailable) out.push(`  reference: ${r.referenceUnavailable}`);

  out.push('', 'Workloads (each ingested into a fresh database in a process of its own; only ingest() and the final flush() are timed)');
  const workloadRows: string[][] = [];
  for (const set of r.dataSets) {
    for (const [role, run] of [
      ['size, rate, RSS', set.runs.main],
      ['chart query', set.runs.chart],
      ['latest query', set.runs.latest],
    ] as const) {
      if (!run) continue;
      const s = run.shape;
      workloadRows.push([
        `${set.name}: ${set.name === 'input' ? 'the file' : run.label} (${set.name === 'input' ? 'all figures' : role})`,
        fmtInt(s.nodes),
        fmtInt(s.series),
        fmtInt(s.ticks),
        fmtInt(s.samples),
        fmt(s.hours, 1),
        s.csvBytes === null ? '-' : mb(s.csvBytes),
        fmt(run.ingest.seconds, 1),
        fmtInt(run.ingest.samplesPerSec),
        fmt(run.size.rawBytesPerSample, 3),
        fmt(run.size.fileBytesPerSample, 3),
        run.size.openBytesPerSample === null ? '-' : fmt(run.size.openBytesPerSample, 2),
        fmtInt(run.rss.kernelPeakMb ?? run.rss.peakMb),
      ]);
    }
  }
  out.push(
    formatColumns(
      ['workload', 'nodes', 'series', 'ticks', 'samples', 'hours', 'CSV MB', 'ingest s', 'samples/s', 'raw B/s', 'file B/s', 'open B/s', 'RSS MB'],
      workloadRows,
    ),
    '  open B/s: the open hour as memory holds it at its fullest, bytes per sample (float64 time and value pairs: 16)',
  );

  const sets = r.dataSets;
  const b = r.baselines;
  const baselineColumn = (value: (b: BaselineResults) => string) => sets.map((set) => (b && b.dataSet === set.name ? value(b) : '-'));
  const t = r.targets;
  const rows: string[][] = [
    [
      'ingest, samples/s (rollups and sealing included)',
      `>= ${fmtInt(t.samplesPerSec)}`,
      ...sets.map((s) => `${fmtInt(s.figures.samplesPerSec)} ${mark(s.figures.samplesPerSec >= t.samplesPerSec)}`),
    ],
    [
      'raw tier, bytes/sample (chunks_raw pages, dbstat)',
      `<= ${fmt(t.rawBytesPerSample, 2)}`,
      ...sets.map((s) => `${fmt(s.figures.rawBytesPerSample, 3)} ${mark(s.figures.rawBytesPerSample <= t.rawBytesPerSample)}`),
    ],
    ['whole file, bytes/sample (all tiers, head, catalog)', '', ...sets.map((s) => fmt(s.figures.fileBytesPerSample, 3))],
    ['  baseline: SQLite one row per sample, after checkpoint', '', ...baselineColumn((x) => (isError(x.sqlite) ? 'failed' : fmt(x.sqlite.bytesPerSample, 2)))],
    [
      '  baseline: SQLite one row per sample, after VACUUM',
      '',
      ...baselineColumn((x) => (isError(x.sqlite) ? 'failed' : fmt(x.sqlite.vacuumedBytesPerSample, 2))),
    ],
    ['  baseline: Prometheus TSDB (chunks + index)', '', ...baselineColumn((x) => (isError(x.prometheus) ? 'n/a' : fmt(x.prometheus.bytesPerSample, 3)))],
    ['peak RSS during ingest, MB', `<= ${t.rssMb}`, ...sets.map((s) => `${fmtInt(s.figures.rssMb)} ${mark(s.figures.rssMb <= t.rssMb)}`)],
  ];
  const chartLabels = [...new Set(sets.map((s) => s.figures.chartLabel).filter((l) => l !== null))];
  rows.push([
    `${chartLabels.length === 1 ? chartLabels[0] : 'chart'} of 1 series in <= 1,000 points, median ms`,
    `<= ${t.chartMedianMs}`,
    ...sets.map((s) => (s.figures.chart ? `${fmt(s.figures.chart.medianMs, 2)} ${mark(s.figures.chart.medianMs <= t.chartMedianMs)}` : '-')),
  ]);
  rows.push(['  p95 ms', '', ...sets.map((s) => fmt(s.figures.chart?.p95Ms, 2))]);
  rows.push(['  first call (cold caches), ms', '', ...sets.map((s) => fmt(s.figures.chart?.firstMs, 2))]);
  rows.push(['  points returned, tier read', '', ...sets.map((s) => (s.figures.chart ? `${s.figures.chart.points}, ${s.figures.chart.tier}` : '-'))]);
  const chartBaseline = (x: BaselineResults) => x.sqliteChart ?? x.sqlite;
  rows.push([
    '  baseline: SQLite rows, GROUP BY bucket, median / p95 ms',
    '',
    ...baselineColumn((x) => {
      const run = chartBaseline(x);
      return isError(run) || !run.chart ? 'failed' : `${fmt(run.chart.medianMs, 1)} / ${fmt(run.chart.p95Ms, 1)}`;
    }),
  ]);
  const latestCount = sets.find((s) => s.figures.latest)?.figures.latest?.series ?? 8000;
  rows.push([
    `latest value of ${fmtInt(latestCount)} series, median ms`,
    `<= ${t.latestMedianMs}`,
    ...sets.map((s) => (s.figures.latest ? `${fmt(s.figures.latest.medianMs, 3)} ${mark(s.figures.latest.medianMs <= t.latestMedianMs)}` : '-')),
  ]);
  rows.push(['  p95 ms', '', ...sets.map((s) => fmt(s.figures.latest?.p95Ms, 3))]);
  rows.push(['  first call, ms', '', ...sets.map((s) => fmt(s.figures.latest?.firstMs, 3))]);
  rows.push([
    'baseline: SQLite rows, samples/s, 1 tick / 5 min per commit',
    '',
    ...baselineColumn(
      (x) =>
        `${isError(x.sqlitePerTick) ? 'failed' : fmtInt(x.sqlitePerTick.samplesPerSec)} / ${isError(x.sqlite) ? 'failed' : fmtInt(x.sqlite.samplesPerSec)}`,
    ),
  ]);
  out.push('', 'Figures', formatColumns(['figure', 'target', ...sets.map((s) => s.name)], rows));

  if (b) {
    out.push('', `Baselines on the ${b.dataSet} data (${b.workload}, ${fmtInt(b.samples)} samples)`);
    if (isError(b.sqlitePerTick)) out.push(`  SQLite one row per sample, one transaction per tick: failed: ${b.sqlitePerTick.error}`);
    else {
      const x = b.sqlitePerTick;
      out.push(
        `  SQLite one row per sample, one transaction per tick: ${fmtInt(x.samplesPerSec)} samples/s over the first ${fmtInt(x.ticks)} ticks (${fmtInt(x.samples)} samples, ${fmt(x.ingestSeconds, 1)} s)`,
      );
    }
    if (isError(b.sqlite)) out.push(`  SQLite one row per sample: failed: ${b.sqlite.error}`);
    else {
      const x = b.sqlite;
      out.push(
        `  SQLite one row per sample, ${x.ticksPerTransaction} ticks per transaction: ${fmtInt(x.samplesPerSec)} samples/s (${fmt(x.ingestSeconds, 1)} s); ${mb(x.fileBytes)} MB = ${fmt(x.bytesPerSample, 2)} B/sample after checkpoint, ${fmt(x.vacuumedBytesPerSample, 2)} after VACUUM`,
      );
    }
    const chartRun = chartBaseline(b);
    if (b.sqliteChart && isError(b.sqliteChart)) out.push(`  SQLite chart workload: failed: ${b.sqliteChart.error}`);
    else if (!isError(chartRun) && chartRun.chart) {
      out.push(
        `  SQLite chart query (${chartRun.chart.series}, ${chartRun.chart.points} buckets of ${chartRun.chart.bucketMs / 1000} s): median ${fmt(chartRun.chart.medianMs, 1)} ms, p95 ${fmt(chartRun.chart.p95Ms, 1)} ms`,
      );
    }
    if (isError(b.prometheus)) out.push(`  Prometheus TSDB: ${b.prometheus.error}`);
    else {
      const p = b.prometheus;
      out.push(
        `  Prometheus TSDB (${p.version}): ${p.blocks} blocks, chunks ${mb(p.chunksBytes)} MB + index ${mb(p.indexBytes)} MB = ${fmt(p.bytesPerSample, 3)} B/sample (backfill took ${fmt(p.seconds, 0)} s)`,
      );
    }
  }

  out.push('', 'Tsdb tiers of the size workloads (bytes from dbstat; file after flush, checkpoint and incremental vacuum)');
  for (const set of sets) {
    const s = set.runs.main.size;
    const tiers = Object.entries(s.tierBytes).map(([tier, bytes]) => `${tier} ${mb(bytes)} MB`);
    const known = Object.values(s.tierBytes).reduce((sum, bytes) => sum + bytes, 0);
    out.push(`  ${set.name}: ${tiers.join(', ')}, other ${mb(s.fileBytes - known)} MB; file ${mb(s.fileBytes)} MB; raw samples stored ${fmtInt(s.rawSamples)}`);
    if (set.figures.chart)
      out.push(
        `  ${set.name} chart series: ${set.figures.chart.series} (${set.figures.chart.points} points of ${set.figures.chart.stepMs / 1000} s from the ${set.figures.chart.tier} tier)`,
      );
  }

  if (r.warnings.length) out.push('', 'Warnings', ...r.warnings.map((w) => `  ${w}`));
  out.push('', r.misses.length ? 'Misses' : 'Misses: none, every figure meets its target');
  out.push(...r.misses.map((m) => `  ${m}`));
  return out.join('\n');
}
