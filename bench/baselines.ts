/**
 * What the Tsdb's figures are compared with, on the same data in the same run:
 * - the simple layout: SQLite with one row per sample, (series_id, t) as the primary key of a
 *   WITHOUT ROWID table, WAL, one transaction per tick (what the engine also commits per tick);
 * - Prometheus' TSDB, backfilled with `promtool tsdb create-blocks-from openmetrics` (Debian's
 *   prometheus package), measured as chunks + index of the blocks it writes.
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import Database from 'better-sqlite3';
import { seriesIdentity } from '../electron/server/store-bench/csv-ticks';
import { CHART_MAX_POINTS, CHART_REPEATS, pickChartSeries, removeDatabase, timeRepeated, type QueryTimes } from '../electron/server/store-bench/tsdb-run';
import { driveSource, type SourceSpec } from './store-bench-workload';

// ------------------------------------------------------------------ SQLite, one row per sample

export interface SqliteJob {
  kind: 'sqlite';
  label: string;
  source: SourceSpec;
  dir: string;
  chart: boolean;
  /** Also VACUUM and measure again (the layout's best case; takes a while on a large table). */
  vacuum: boolean;
  /** Ticks committed together (1: one transaction per tick, as the Tsdb commits). */
  ticksPerTransaction: number;
  /** Stop after this many ticks (a rate measured on a prefix); null: the whole workload. */
  maxTicks: number | null;
}

export interface SqliteRun {
  label: string;
  ticksPerTransaction: number;
  ticks: number;
  samples: number;
  ingestSeconds: number;
  samplesPerSec: number;
  fileBytes: number;
  bytesPerSample: number;
  vacuumedBytesPerSample: number | null;
  chart: (QueryTimes & { series: string; points: number; bucketMs: number }) | null;
}

/** Rows per INSERT statement: one statement per row would measure the binding, not the layout. */
const ROWS_PER_INSERT = 100;

export function runSqliteJob(job: SqliteJob): SqliteRun {
  mkdirSync(job.dir, { recursive: true });
  const path = join(job.dir, 'rows.db');
  removeDatabase(path);
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec('CREATE TABLE samples (series_id INTEGER NOT NULL, t INTEGER NOT NULL, v REAL NOT NULL, PRIMARY KEY (series_id, t)) WITHOUT ROWID');
    const insertMany = db.prepare(`INSERT INTO samples (series_id, t, v) VALUES ${Array(ROWS_PER_INSERT).fill('(?, ?, ?)').join(', ')}`);
    const insertOne = db.prepare('INSERT INTO samples (series_id, t, v) VALUES (?, ?, ?)');
    const params: number[] = new Array(ROWS_PER_INSERT * 3).fill(0);
    let stored = 0;
    const writeTick = (t: number, ids: Int32Array, values: Float64Array) => {
      let p = 0;
      for (let i = 0; i < ids.length; i += 1) {
        const v = values[i]!;
        if (!Number.isFinite(v)) continue; // the Tsdb skips them too
        params[p] = ids[i]!;
        params[p + 1] = t;
        params[p + 2] = v;
        p += 3;
        stored += 1;
        if (p === params.length) {
          insertMany.run(params);
          p = 0;
        }
      }
      for (let k = 0; k < p; k += 3) insertOne.run(params[k], params[k + 1], params[k + 2]);
    };
    let ticksInTransaction = 0;

    const keys: string[] = [];
    let ingestMs = 0;
    const shape = driveSource(
      job.source,
      {
        series(key) {
          keys.push(key);
          return keys.length; // series ids 1..n
        },
        tick(t, ids, values) {
          const started = performance.now();
          if (ticksInTransaction === 0) db.exec('BEGIN');
          writeTick(t, ids, values);
          ticksInTransaction += 1;
          if (ticksInTransaction === job.ticksPerTransaction) {
            db.exec('COMMIT');
            ticksInTransaction = 0;
          }
          ingestMs += performance.now() - started;
        },
      },
      job.maxTicks ?? Infinity,
    );
    if (ticksInTransaction > 0) {
      const started = performance.now();
      db.exec('COMMIT');
      ingestMs += performance.now() - started;
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
    const fileBytes = statSync(path).size;

    let chart: SqliteRun['chart'] = null;
    const chartIndex = job.chart ? pickChartSeries(keys) : -1;
    if (chartIndex >= 0) {
      // The same chart as the Tsdb's: the whole span in at most 1,000 buckets, averaged with an
      // envelope. Integer parameters (BigInt) keep (t - from) / bucket an integer division.
      const bucketMs = Math.max(1000, Math.ceil((shape.lastMs - shape.firstMs + 1) / CHART_MAX_POINTS / 1000) * 1000);
      const query = db
        .prepare('SELECT (t - ?) / ? AS bucket, avg(v), min(v), max(v) FROM samples WHERE series_id = ? AND t BETWEEN ? AND ? GROUP BY bucket ORDER BY bucket')
        .raw();
      const args = [BigInt(shape.firstMs), BigInt(bucketMs), chartIndex + 1, BigInt(shape.firstMs), BigInt(shape.lastMs)];
      let points = 0;
      const times = timeRepeated(CHART_REPEATS, () => {
        points = query.all(...args).length;
      });
      chart = { ...times, series: keys[chartIndex]!, points, bucketMs };
    }

    let vacuumedBytesPerSample: number | null = null;
    if (job.vacuum) {
      db.exec('VACUUM');
      db.pragma('wal_checkpoint(TRUNCATE)');
      vacuumedBytesPerSample = statSync(path).size / stored;
    }
    return {
      label: job.label,
      ticksPerTransaction: job.ticksPerTransaction,
      ticks: shape.ticks,
      samples: stored,
      ingestSeconds: ingestMs / 1000,
      samplesPerSec: stored / (ingestMs / 1000),
      fileBytes,
      bytesPerSample: fileBytes / stored,
      vacuumedBytesPerSample,
      chart,
    };
  } finally {
    db.close();
    removeDatabase(path);
  }
}

// ------------------------------------------------------------------ OpenMetrics for promtool

export interface OpenMetricsJob {
  kind: 'openmetrics';
  source: SourceSpec;
  path: string;
}

export interface OpenMetricsFile {
  path: string;
  bytes: number;
  samples: number;
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function formatOmValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v); // the shortest text that parses back to the same double
}

/**
 * Writes a workload as OpenMetrics text for promtool: `name{labels} value seconds` lines in
 * tick order and a final `# EOF`. promtool's backfill accepts samples of different series
 * interleaved (it appends them by time window); no # TYPE lines are needed for the size.
 */
export function writeOpenMetrics(job: OpenMetricsJob): OpenMetricsFile {
  const fd = openSync(job.path, 'w');
  try {
    const prefixes: string[] = [];
    let pending = '';
    let bytes = 0;
    let samples = 0;
    const write = (text: string) => {
      bytes += writeSync(fd, text, null, 'utf8');
    };
    driveSource(job.source, {
      series(key) {
        const { metric } = seriesIdentity(key);
        const labels = key
          .split(';')
          .slice(1)
          .filter((part) => part.includes('='))
          .map((part) => {
            const eq = part.indexOf('=');
            return `${part.slice(0, eq)}="${escapeLabel(part.slice(eq + 1))}"`;
          });
        prefixes.push(`${metric}{${labels.join(',')}} `);
        return prefixes.length - 1;
      },
      tick(t, ids, values) {
        const seconds = t % 1000 === 0 ? String(t / 1000) : (t / 1000).toFixed(3);
        for (let i = 0; i < ids.length; i += 1) {
          pending += `${prefixes[ids[i]!]}${formatOmValue(values[i]!)} ${seconds}\n`;
        }
        samples += ids.length;
        if (pending.length > 1 << 20) {
          write(pending);
          pending = '';
        }
      },
    });
    write(`${pending}# EOF\n`);
    return { path: job.path, bytes, samples };
  } finally {
    closeSync(fd);
  }
}

// ------------------------------------------------------------------ promtool

export interface PrometheusRun {
  promtool: string;
  version: string;
  blocks: number;
  chunksBytes: number;
  indexBytes: number;
  bytesPerSample: number;
  seconds: number;
}

/** promtool's path if it is installed (on PATH or where Debian puts it), else null. */
export function findPromtool(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, 'promtool'))) return join(dir, 'promtool');
  }
  return null;
}

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const lines = `${stderr}`.trim().split('\n');
        reject(new Error(lines[lines.length - 1] || error.message));
      } else resolve({ stdout: `${stdout}`, stderr: `${stderr}` });
    });
  });
}

function sizeOfTree(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOfTree(join(path, name)), 0);
}

/**
 * Backfills an OpenMetrics file into Prometheus blocks and measures chunks + index, the bytes
 * Prometheus keeps per block for the samples (meta.json and tombstones are a few hundred bytes).
 */
export async function runPromtool(promtool: string, openMetricsPath: string, outDir: string, samples: number): Promise<PrometheusRun> {
  const banner = (await run(promtool, ['--version'])).stdout;
  const version = `promtool ${/version (\S+)/.exec(banner)?.[1] ?? '(unknown version)'}`;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  await run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', openMetricsPath, outDir]);
  const seconds = (performance.now() - started) / 1000;
  let blocks = 0;
  let chunksBytes = 0;
  let indexBytes = 0;
  for (const name of readdirSync(outDir)) {
    const block = join(outDir, name);
    if (!existsSync(join(block, 'index'))) continue;
    blocks += 1;
    indexBytes += statSync(join(block, 'index')).size;
    if (existsSync(join(block, 'chunks'))) chunksBytes += sizeOfTree(join(block, 'chunks'));
  }
  rmSync(outDir, { recursive: true, force: true });
  if (blocks === 0) throw new Error('promtool wrote no blocks');
  return { promtool, version, blocks, chunksBytes, indexBytes, bytesPerSample: (chunksBytes + indexBytes) / samples, seconds };
}
