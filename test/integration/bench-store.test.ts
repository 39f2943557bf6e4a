// `clusterdeck bench store --input FILE.csv`: the store measured on the user's own data through
// the built CLI, from a file anywhere (no checkout: nothing of test/fixtures or ../shared).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeGeneratorCsv } from '../../bench/generator-csv';
import type { BenchStoreResult } from '../../electron/server/commands/bench';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

describe('clusterdeck bench store', () => {
  it('ingests the file into a scratch database, prints the figures as JSON and removes the database', () => {
    const csv = writeGeneratorCsv(join(tempDir(), 'mine.csv'), { nodes: 2, hours: 1, seed: 'cli' });
    const run = runCli(['bench', 'store', '--input', csv.path, '--batch', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as BenchStoreResult;
    expect(result).toMatchObject({ input: csv.path, ticksPerTransaction: 1, warnings: [] });
    expect(result.run.shape).toMatchObject({ nodes: 2, series: 252, ticks: 720, samples: 252 * 720 });
    expect(result.run.size.rawSamples).toBe(252 * 720);
    expect(result.run.ingest.samplesPerSec).toBeGreaterThan(0);
    expect(result.run.chart).toMatchObject({ series: 'gpu_power_draw_watts;node=gpu-node-000;gpu=0' });
    expect(result.run.latest).toMatchObject({ series: 2 * 8 * 8 });
    // In a process of its own: the kernel's peak RSS is the run's.
    expect(result.run.rss.kernelPeakMb).toBeGreaterThan(0);
    const scratch = /scratch database in (\S+)/.exec(run.stderr)?.[1];
    expect(scratch).toBeDefined();
    expect(existsSync(scratch!)).toBe(false);
  }, 60_000);

  it('prints a table without --json', () => {
    const csv = writeGeneratorCsv(join(tempDir(), 'mine.csv'), { nodes: 1, hours: 0.5, seed: 'cli' });
    const run = runCli(['bench', 'store', '--input', csv.path]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^bench store: .*mine\.csv\n {2}1 nodes, 126 series, 360 ticks, 45,360 samples over 0\.5 h/);
    expect(run.stdout).toMatch(/ingest, samples\/s .* [\d,]+ +[\d.]+ s of ingest\(\)/);
    expect(run.stdout).toMatch(/latest value of 64 series, median ms/);
  }, 60_000);

  it('needs --input, an existing file and a positive --batch: usage errors exit 2', () => {
    expect(runCli(['bench', 'store']).status).toBe(2);
    const missing = runCli(['bench', 'store', '--input', join(tempDir(), 'nope.csv')]);
    expect([missing.status, missing.stderr]).toEqual([2, expect.stringMatching(/--input: no such file/)]);
    const csv = writeGeneratorCsv(join(tempDir(), 'mine.csv'), { nodes: 1, hours: 0.1, seed: 'cli' });
    const batch = runCli(['bench', 'store', '--input', csv.path, '--batch', '0']);
    expect([batch.status, batch.stderr]).toEqual([2, expect.stringMatching(/--batch must be a positive integer/)]);
  });

  it('reports a file that is not telemetry CSV as one line, exit 1', () => {
    const path = join(tempDir(), 'bad.csv');
    writeFileSync(path, 'series,ts_ms,value\ngpu_temp;node=n1,not-a-time,41\n');
    const run = runCli(['bench', 'store', '--input', path]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^clusterdeck: /);
  });

  it('has no other benchmark: those are `npm run bench` in a checkout', () => {
    const run = runCli(['bench', 'collect']);
    expect(run.status).toBe(2);
  });
});
