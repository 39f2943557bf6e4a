import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSqliteJob, writeOpenMetrics } from '../../../bench/baselines';
import { writeGeneratorCsv } from '../../../bench/generator-csv';
import { driveSource } from '../../../bench/store-bench-workload';
import { GPU_METRICS, TelemetryGenerator } from '../../../bench/telemetry-generator';
import { LATEST_METRICS, pickChartSeries, pickLatestSeries, runTsdbJob, spanHours } from '../../../electron/server/store-bench/tsdb-run';
import { tempDir } from '../../helpers/tmp';

describe('workload helpers', () => {
  it('charts GPU 0 power of the first node, or the first series of a foreign file', () => {
    const keys = new TelemetryGenerator({ nodes: 3 }).series.map((s) => s.key).reverse();
    expect(keys[pickChartSeries(keys)]).toBe('gpu_power_draw_watts;node=gpu-node-000;gpu=0');
    expect(pickChartSeries(['x;node=a', 'y;node=a'])).toBe(0);
    expect(pickChartSeries([])).toBe(-1);
  });

  it('asks for 8 metrics of every GPU, at most 8,000 series', () => {
    const keys = new TelemetryGenerator({ nodes: 2 }).series.map((s) => s.key);
    expect(pickLatestSeries(keys)).toHaveLength(2 * 8 * 8);
    expect(new Set(pickLatestSeries(keys).map((i) => keys[i]!.split(';')[0])).size).toBe(8);
    const many = Array.from({ length: 9000 }, (_, g) => `gpu_utilization_percent;node=n;gpu=${g}`);
    expect(pickLatestSeries(many)).toHaveLength(8000);
    expect(pickLatestSeries(['a;node=n', 'b;node=n'])).toEqual([0, 1]);
  });

  it("asks the app's latest-values query for the generator's first 8 GPU metrics", () => {
    expect(LATEST_METRICS).toEqual(GPU_METRICS.slice(0, 8));
  });

  it('measures spans in hours, one interval per tick', () => {
    expect(spanHours(0, 719 * 5000, 720)).toBe(1);
    expect(spanHours(0, 0, 1)).toBe(0);
  });

  it('stops a workload after maxTicks, from the generator and from a CSV', () => {
    const seen: number[] = [];
    const shape = driveSource({ type: 'generator', nodes: 1, hours: 1, seed: 's' }, { series: () => 0, tick: (t) => seen.push(t) }, 10);
    expect(seen).toHaveLength(10);
    expect(shape).toMatchObject({ nodes: 1, series: 126, ticks: 10, samples: 1260, csvBytes: null });
    const csv = writeGeneratorCsv(join(tempDir(), 'w.csv'), { nodes: 1, hours: 1, seed: 's' });
    const fromCsv = driveSource({ type: 'csv', path: csv.path }, { series: () => 0, tick: () => {} }, 10);
    expect(fromCsv).toMatchObject({ nodes: 1, series: 126, ticks: 10, samples: 1260 });
    expect(fromCsv.csvBytes).toBeGreaterThan(0);
  });
});

describe('measured runs (small workloads)', () => {
  it("ingests the generator's CSV into a Tsdb and measures size, memory and both queries", () => {
    const csv = writeGeneratorCsv(join(tempDir(), 'small.csv'), { nodes: 2, hours: 1.5, seed: 's' });
    const run = runTsdbJob({
      kind: 'tsdb',
      label: 'small',
      source: { type: 'csv', path: csv.path },
      dir: tempDir(),
      chart: true,
      latest: true,
      isolated: false,
      ticksPerTransaction: 12,
    });
    expect(run.shape).toMatchObject({ nodes: 2, series: 252, ticks: 1080, samples: 252 * 1080 });
    expect(run.size.rawSamples).toBe(run.shape.samples);
    expect(run.size.rawBytesPerSample).toBeGreaterThan(0);
    expect(run.size.fileBytes).toBeGreaterThan(run.size.rawBytes);
    expect(run.check).toEqual({ latestMismatches: 0, outOfOrderSamples: 0, droppedSamples: 0, corruptChunks: 0, state: 'ok' });
    expect(run.chart).toMatchObject({ series: 'gpu_power_draw_watts;node=gpu-node-000;gpu=0', repeats: 50 });
    expect(run.chart!.points).toBeLessThanOrEqual(1000);
    expect(run.latest).toMatchObject({ series: 2 * 64, repeats: 100 });
    expect(run.rss.peakMb).toBeGreaterThan(0);
    expect(run.ingest.samplesPerSec).toBeGreaterThan(0);
  });

  it('writes the row-per-sample baseline and answers its chart query', () => {
    const run = runSqliteJob({
      kind: 'sqlite',
      label: 'small',
      source: { type: 'generator', nodes: 1, hours: 0.5, seed: 's' },
      dir: tempDir(),
      chart: true,
      vacuum: true,
      ticksPerTransaction: 12,
      maxTicks: null,
    });
    expect(run.samples).toBe(126 * 360);
    expect(run.bytesPerSample).toBeGreaterThan(5);
    expect(run.vacuumedBytesPerSample).toBeGreaterThan(5);
    expect(run.chart!.points).toBeLessThanOrEqual(1000);
    expect(run.chart!.points).toBeGreaterThan(100);
  });

  it('converts a CSV into OpenMetrics lines with timestamps in seconds', () => {
    const dir = tempDir();
    const csv = join(dir, 'in.csv');
    writeFileSync(
      csv,
      'series,ts_ms,value\nnode_load1;node=n1,1735689600000,0.25\ngpu_temp;node=n1;gpu=0,1735689600000,41\nnode_load1;node=n1,1735689605500,NaN\n',
    );
    const file = writeOpenMetrics({ kind: 'openmetrics', source: { type: 'csv', path: csv }, path: join(dir, 'out.om') });
    expect(readFileSync(file.path, 'utf8')).toBe(
      'node_load1{node="n1"} 0.25 1735689600\ngpu_temp{node="n1",gpu="0"} 41 1735689600\nnode_load1{node="n1"} NaN 1735689605.500\n# EOF\n',
    );
    expect(file.samples).toBe(3);
  });
});
