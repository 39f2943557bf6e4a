/**
 * One measured run of the time-series engine (Tsdb) on telemetry CSV, for `clusterdeck bench
 * store --input FILE.csv` and the benchmarks of the checkout (bench/store-bench.ts): the file is
 * ingested tick by tick into a fresh database, then its size, memory and query times are taken.
 * Only the `ingest()` calls (and the final `flush()`, which seals the last hour) are timed:
 * reading the CSV happens between them, off the clock.
 *
 * Runs in a child process of its own when it can (tsdb-run-worker.ts), so that each run's peak
 * RSS is its own and not what an earlier run left on the heap.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from '../../core/store/db';
import { Tsdb, type TsdbOptions } from '../../core/store/tsdb/tsdb';
import { readCsvTicks, seriesIdentity, type TickHandler } from './csv-ticks';
import { median, percentile } from './stats';

const DAY_MS = 24 * 3_600_000;

/** The engine as the app configures it by default (5 s ticks, 7 d / 90 d / 2 y tiers, no cap). */
export const TSDB_OPTIONS: TsdbOptions = {
  intervalMs: 5000,
  retention: { rawMs: 7 * DAY_MS, minuteMs: 90 * DAY_MS, hourMs: 730 * DAY_MS },
  maxDiskBytes: null,
  sealInWorker: process.env.CLUSTERDECK_SEAL_INLINE !== '1',
};

export const CHART_MAX_POINTS = 1000;
export const CHART_REPEATS = 50;
export const LATEST_REPEATS = 100;
export const LATEST_MAX_SERIES = 8000;
const WARMUP_REPEATS = 3;
/**
 * The metrics per GPU asked for in the latest-values query (1,000 GPUs x 8 = 8,000 series): the
 * first 8 GPU metrics of the benchmark data (bench/telemetry-generator.ts, gen_telemetry.py).
 */
export const LATEST_METRICS: readonly string[] = [
  'gpu_utilization_percent',
  'gpu_memory_utilization_percent',
  'gpu_fb_memory_used_mib',
  'gpu_temperature_celsius',
  'gpu_power_draw_watts',
  'gpu_sm_clock_mhz',
  'gpu_memory_clock_mhz',
  'gpu_fan_speed_percent',
];

export interface CsvSource {
  type: 'csv';
  path: string;
}

export interface WorkloadShape {
  nodes: number;
  series: number;
  ticks: number;
  samples: number;
  hours: number;
  firstMs: number;
  lastMs: number;
  csvBytes: number | null;
}

export interface QueryTimes {
  medianMs: number;
  p95Ms: number;
  repeats: number;
  /** The very first call, before any warm-up: caches and JIT cold. */
  firstMs: number;
}

export interface ChartQuery extends QueryTimes {
  series: string;
  spanHours: number;
  points: number;
  tier: string;
  stepMs: number;
}

export interface LatestQuery extends QueryTimes {
  series: number;
}

export interface TsdbRun {
  label: string;
  shape: WorkloadShape;
  ingest: { seconds: number; samplesPerSec: number; sourceSeconds: number; registerSeconds: number };
  size: {
    rawBytes: number;
    rawSamples: number;
    rawBytesPerSample: number;
    fileBytes: number;
    fileBytesPerSample: number;
    tierBytes: Record<string, number>;
    /** The open period in memory at its fullest (sampled every 60 ticks): bytes per sample held. */
    openBytesPerSample: number | null;
  };
  rss: { beforeMb: number; peakMb: number; kernelPeakMb: number | null };
  /** Sanity checks: the newest value of every series of the last tick read back, engine counters. */
  check: { latestMismatches: number; outOfOrderSamples: number; droppedSamples: number; corruptChunks: number; state: string };
  chart: ChartQuery | null;
  latest: LatestQuery | null;
}

export interface TsdbJob {
  kind: 'tsdb';
  label: string;
  source: CsvSource;
  dir: string;
  chart: boolean;
  latest: boolean;
  /** True in a child process of its own: the kernel's peak RSS is then this run's alone. */
  isolated: boolean;
  /**
   * Ticks written per transaction: 1 is the app's own rhythm (one tick every 5 s); a batch is
   * how a backfill or a fleet collector that flushes once a minute writes.
   */
  ticksPerTransaction: number;
}

/**
 * Something that calls a tick handler for each series and tick of a workload, until `stop()`
 * says enough; returns the bytes it read from a file, if it read one.
 */
export type Feed = (handler: TickHandler, stop: () => boolean) => { bytes: number | null };

/**
 * Feeds a workload to a tick handler, up to `maxTicks` ticks; returns the shape of what it fed.
 * Everything it does besides calling the handler (reading, parsing, generating) is off the clock.
 */
export function driveFeed(feed: Feed, handler: TickHandler, maxTicks = Infinity): WorkloadShape {
  const nodes = new Set<string>();
  let series = 0;
  let ticks = 0;
  let samples = 0;
  let firstMs = Number.NaN;
  let lastMs = Number.NaN;
  const counting: TickHandler = {
    series(key) {
      const { nodeId } = seriesIdentity(key);
      if (nodeId !== '') nodes.add(nodeId);
      series += 1;
      return handler.series(key);
    },
    tick(t, ids, values) {
      if (ticks >= maxTicks) return;
      if (ticks === 0) firstMs = t;
      lastMs = t;
      ticks += 1;
      samples += ids.length;
      handler.tick(t, ids, values);
    },
  };
  const { bytes } = feed(counting, () => ticks >= maxTicks);
  return { nodes: nodes.size, series, ticks, samples, hours: spanHours(firstMs, lastMs, ticks), firstMs, lastMs, csvBytes: bytes };
}

/** A telemetry CSV file as a feed (see csv-ticks.ts for the format). */
export const csvFeed =
  (path: string): Feed =>
  (handler, stop) => ({ bytes: readCsvTicks(path, handler, { stop }).bytes });

/** Hours covered by `ticks` evenly spaced ticks from firstMs to lastMs (one interval per tick). */
export function spanHours(firstMs: number, lastMs: number, ticks: number): number {
  if (ticks < 2) return 0;
  const interval = (lastMs - firstMs) / (ticks - 1);
  return (ticks * interval) / 3_600_000;
}

/**
 * The series charted by the range query: GPU 0's power draw on the first node (power is the
 * noisiest GPU gauge: 2 decimals, changes every sample); in a foreign file, its first series.
 */
export function pickChartSeries(keys: readonly string[]): number {
  let best = -1;
  let bestNode = '';
  keys.forEach((key, index) => {
    const { nodeId, metric, device } = seriesIdentity(key);
    if (metric === 'gpu_power_draw_watts' && device === 'gpu=0' && (best < 0 || nodeId < bestNode)) {
      best = index;
      bestNode = nodeId;
    }
  });
  return best >= 0 ? best : keys.length > 0 ? 0 : -1;
}

/** The series of the latest-values query: 8 metrics of every GPU, up to 8,000; else any series. */
export function pickLatestSeries(keys: readonly string[]): number[] {
  const gpuSeries: number[] = [];
  keys.forEach((key, index) => {
    const { metric, device } = seriesIdentity(key);
    if (LATEST_METRICS.includes(metric) && device.startsWith('gpu=')) gpuSeries.push(index);
  });
  const picked = gpuSeries.length > 0 ? gpuSeries : keys.map((_, index) => index);
  return picked.slice(0, LATEST_MAX_SERIES);
}

/** Times `run` after a few warm-up calls (the first one reported alone); median and p95 in ms. */
export function timeRepeated(repeats: number, run: () => void): QueryTimes {
  const firstStarted = performance.now();
  run();
  const firstMs = performance.now() - firstStarted;
  for (let i = 1; i < WARMUP_REPEATS; i += 1) run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return { medianMs: median(times), p95Ms: percentile(times, 95), repeats, firstMs };
}

const rssBytes = () => process.memoryUsage.rss();
const MB = 1024 * 1024;

export function removeDatabase(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/** Size of the database after everything is sealed and checkpointed (main file plus any WAL). */
export function settledFileBytes(db: ReturnType<typeof openDatabase>, path: string): number {
  db.pragma('wal_checkpoint(TRUNCATE)');
  if ((db.pragma('freelist_count', { simple: true }) as number) > 0) {
    db.pragma('incremental_vacuum');
    db.pragma('wal_checkpoint(TRUNCATE)');
  }
  const wal = `${path}-wal`;
  return statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
}

export function runTsdbJob(job: TsdbJob): TsdbRun {
  mkdirSync(job.dir, { recursive: true });
  const path = join(job.dir, 'tsdb.db');
  removeDatabase(path);
  const beforeRss = rssBytes();
  const db = openDatabase(path);
  try {
    const tsdb = new Tsdb(db, TSDB_OPTIONS);
    const keys: string[] = [];
    const ids: number[] = [];
    let ingestMs = 0;
    let registerMs = 0;
    let peakRss = beforeRss;
    let lastRssAt = 0;
    let ticksSeen = 0;
    let openPeak = { samples: 0, bytes: 0 };
    let lastIds: Int32Array = new Int32Array(0);
    let lastValues = new Float64Array(0);
    let batch: Array<{ t: number; ids: ArrayLike<number>; values: ArrayLike<number> }> = [];
    const batchCopies: Float64Array[] = [];

    const started = performance.now();
    const shape = driveFeed(csvFeed(job.source.path), {
      series(key) {
        // Registration happens once per series, not per tick; kept out of the ingest time.
        const registerStarted = performance.now();
        const identity = seriesIdentity(key);
        const id = tsdb.seriesId(identity.nodeId, identity.metric, identity.device);
        keys.push(key);
        ids.push(id);
        registerMs += performance.now() - registerStarted;
        return id;
      },
      tick(t, tickIds, values) {
        // The source reuses its arrays: a batch keeps copies (copying is not timed), in arrays
        // of its own that are reused too, so the harness adds no garbage of its own to the RSS.
        let tickValues: ArrayLike<number> = values;
        if (job.ticksPerTransaction > 1) {
          let copy = batchCopies[batch.length];
          if (!copy || copy.length !== values.length) copy = batchCopies[batch.length] = new Float64Array(values.length);
          copy.set(values);
          tickValues = copy;
        }
        batch.push({ t, ids: tickIds, values: tickValues });
        if (batch.length < job.ticksPerTransaction) return;
        const before = performance.now();
        if (batch.length === 1) tsdb.ingest(t, tickIds, values);
        else tsdb.ingestBatch(batch);
        // Retention, compaction and space reclaiming run once per write, as in the engine.
        tsdb.maintain(t);
        const after = performance.now();
        batch = [];
        ingestMs += after - before;
        // Keep the last tick for the read-back check (a copy: the arrays are reused).
        if (lastValues.length !== values.length) lastValues = new Float64Array(values.length);
        lastValues.set(values);
        lastIds = tickIds;
        ticksSeen += 1;
        if (ticksSeen % 60 === 0) {
          const open = tsdb.openBuffers();
          if (open.samples > openPeak.samples) openPeak = open;
        }
        if (after - lastRssAt >= 20) {
          peakRss = Math.max(peakRss, rssBytes());
          lastRssAt = after;
        }
      },
    });
    const flushStarted = performance.now();
    if (batch.length > 0) tsdb.ingestBatch(batch);
    tsdb.flush();
    ingestMs += performance.now() - flushStarted;
    // The engine compacts finished days in the background, a little per tick; do the rest now
    // (not timed) so the queries below read what a running store holds.
    for (let i = 0; i < 1000 && tsdb.hasCompactionWork(); i += 1) tsdb.maintain(shape.lastMs);
    const totalMs = performance.now() - started;
    peakRss = Math.max(peakRss, rssBytes());
    // maxRSS is the kernel's high-water mark for the whole process: right for a run of its own.
    const kernelPeakMb = job.isolated ? (process.resourceUsage().maxRSS * 1024) / MB : null;

    const fileBytes = settledFileBytes(db, path);
    const tiers = tsdb.tierStats();
    const raw = tiers.find((tier) => tier.tier === 'raw')!;
    const tierBytes: Record<string, number> = {};
    for (const tier of tiers) tierBytes[tier.tier] = tier.bytes;

    const latestNow = tsdb.latest(Array.from(lastIds));
    let latestMismatches = 0;
    latestNow.forEach((point, i) => {
      const expected = lastValues[i]!;
      if (Number.isFinite(expected) && (point === null || point.v !== expected || point.t !== shape.lastMs)) latestMismatches += 1;
    });
    const status = tsdb.status();

    let chart: ChartQuery | null = null;
    const chartIndex = job.chart ? pickChartSeries(keys) : -1;
    if (chartIndex >= 0) {
      const id = ids[chartIndex]!;
      let result = null as ReturnType<Tsdb['range']> | null;
      const times = timeRepeated(CHART_REPEATS, () => {
        result = tsdb.range(id, shape.firstMs, shape.lastMs, CHART_MAX_POINTS);
      });
      chart = { ...times, series: keys[chartIndex]!, spanHours: shape.hours, points: result!.t.length, tier: result!.tier, stepMs: result!.stepMs };
    }

    let latest: LatestQuery | null = null;
    if (job.latest && keys.length > 0) {
      const latestIds = pickLatestSeries(keys).map((index) => ids[index]!);
      latest = { ...timeRepeated(LATEST_REPEATS, () => tsdb.latest(latestIds)), series: latestIds.length };
    }

    const ingestSeconds = ingestMs / 1000;
    return {
      label: job.label,
      shape,
      ingest: {
        seconds: ingestSeconds,
        samplesPerSec: shape.samples / ingestSeconds,
        sourceSeconds: (totalMs - ingestMs - registerMs) / 1000,
        registerSeconds: registerMs / 1000,
      },
      size: {
        rawBytes: raw.bytes,
        rawSamples: raw.samples,
        rawBytesPerSample: raw.bytes / raw.samples,
        fileBytes,
        fileBytesPerSample: fileBytes / shape.samples,
        tierBytes,
        openBytesPerSample: openPeak.samples === 0 ? null : openPeak.bytes / openPeak.samples,
      },
      rss: { beforeMb: beforeRss / MB, peakMb: peakRss / MB, kernelPeakMb },
      check: {
        latestMismatches,
        outOfOrderSamples: status.outOfOrderSamples,
        droppedSamples: status.droppedSamples,
        corruptChunks: status.corruptChunks,
        state: status.state,
      },
      chart,
      latest,
    };
  } finally {
    db.close();
    removeDatabase(path);
  }
}
