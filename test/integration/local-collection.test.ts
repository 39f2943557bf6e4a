import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, storeOptions } from '../../electron/core/engine';
import { openDatabase } from '../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../electron/core/store/telemetry-store';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeSnapshotSchema } from '../../shared/model/node';
import { isolatedEnv, runCli } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { camelKeys, readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';

const FIXTURE = '2x-rtx-a5000-drv590-v13.xml';
const expectedGpus = () =>
  (camelKeys(JSON.parse(readFixture('nvidia-smi', 'xml', FIXTURE.replace('.xml', '.expected.json')))) as { gpus: Array<Record<string, unknown>> }).gpus;

/** Every GPU metric value stored for one tick, read back by a new store on the file. */
function storedGpuValues(dbPath: string, nodeId: string, t: number): Array<{ device: string; metric: string; v: number }> {
  const store = new SqliteTelemetryStore(openDatabase(dbPath), storeOptions(dbPath, ConfigSchema.parse({ collection: { intervalMs: 1000 } })));
  try {
    const metrics = ['gpu.memory_used_mib', 'gpu.power_w', 'gpu.temperature_c', 'gpu.util_pct'] as const;
    return metrics
      .flatMap((metric) =>
        store.queryMetric({ nodeId, metric, fromMs: t, toMs: t + 1, maxPoints: 10 }).series.map((s) => ({ device: s.device, metric, v: s.v[0]! })),
      )
      .sort((a, b) => a.device.localeCompare(b.device) || a.metric.localeCompare(b.metric));
  } finally {
    store.close();
  }
}

const originalPath = process.env.PATH;
afterEach(() => {
  process.env.PATH = originalPath;
});

describe('the real local collector with a fake nvidia-smi first on PATH', () => {
  it('collects this machine and stores the GPU values of the capture', async () => {
    process.env.PATH = fakeNvidiaSmi({ xmlFixture: FIXTURE }).path;
    const dbPath = join(tempDir(), 'clusterdeck.db');
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 1000 } }),
      dbPath,
      configPath: '/nonexistent/config.yaml',
      mode: 'serve',
      log: silentLogger,
    });
    const [snapshot] = await engine.collectOnce();
    engine.close();

    expect(NodeSnapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot!.errors).toEqual([]);
    expect(snapshot!.cpu!.cores).toBeGreaterThan(0);
    expect(snapshot!.memory!.totalBytes).toBeGreaterThan(0);
    expect(snapshot!.filesystems.map((f) => f.mount)).toContain('/');
    expect(snapshot!.gpuStatus).toMatchObject({ state: 'ok', driverVersion: '590.44.01', cudaVersion: '13.1' });
    const expected = expectedGpus();
    expect(snapshot!.gpus).toHaveLength(expected.length);
    snapshot!.gpus.forEach((gpu, i) => expect(gpu).toMatchObject(expected[i]!));

    // What reached the SQLite file: raw rows first, then read back by a new store on that file.
    const db = new Database(dbPath, { readonly: true });
    const node = db.prepare('SELECT id, hostname FROM nodes').get() as { id: string; hostname: string };
    expect(db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(1);
    db.close();
    expect(node).toEqual({ id: snapshot!.id, hostname: snapshot!.hostname });
    const stored = storedGpuValues(dbPath, snapshot!.id, snapshot!.collectedAt);
    const want = expected.flatMap((g) => [
      { device: g.uuid, metric: 'gpu.memory_used_mib', v: g.fbMemoryUsedMib },
      { device: g.uuid, metric: 'gpu.power_w', v: g.powerDrawW },
      { device: g.uuid, metric: 'gpu.temperature_c', v: g.temperatureC },
      { device: g.uuid, metric: 'gpu.util_pct', v: g.gpuUtilPct },
    ]);
    expect(stored).toEqual(want.filter((row) => row.v !== null));
  });

  it('records a broken driver as GPU status and still collects the rest of the node', async () => {
    process.env.PATH = fakeNvidiaSmi({ errorFixture: 'driver-not-loaded.txt', exitCode: 9 }).path;
    const engine = createEngine({ config: ConfigSchema.parse({}), dbPath: ':memory:', configPath: '/x', mode: 'serve', log: silentLogger });
    const [snapshot] = await engine.collectOnce();
    const latest = await engine.handlers['nodes:latest']({ nodeId: snapshot!.id });
    engine.close();
    expect(snapshot!.gpuStatus.state).toBe('driver-not-loaded');
    expect(snapshot!.gpus).toEqual([]);
    expect(snapshot!.cpu).not.toBeNull();
    expect(latest?.gpuStatus.state).toBe('driver-not-loaded');
  });

  it('a hung nvidia-smi costs one timeout, not the tick', async () => {
    process.env.PATH = fakeNvidiaSmi({ script: 'exec sleep 60' }).path;
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { nvidiaSmiTimeoutMs: 500 } }),
      dbPath: ':memory:',
      configPath: '/x',
      mode: 'serve',
      log: silentLogger,
    });
    const started = performance.now();
    const [snapshot] = await engine.collectOnce();
    engine.close();
    expect(snapshot!.gpuStatus.state).toBe('timeout');
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});

describe('clusterdeck collect --once --json', () => {
  it('prints one JSON document with the local node and the GPUs of the nvidia-smi first on PATH', () => {
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: FIXTURE }).path });
    const result = runCli(['collect', '--once', '--json'], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as { collectedAt: number; nodes: unknown[] };
    expect(Object.keys(document)).toEqual(['collectedAt', 'nodes']);
    expect(document.nodes).toHaveLength(1);
    const node = NodeSnapshotSchema.parse(document.nodes[0]);
    for (const key of ['id', 'hostname', 'os', 'cpu', 'memory', 'filesystems', 'network', 'gpuStatus', 'gpus']) expect(node).toHaveProperty(key);
    expect(document.collectedAt).toBe(node.collectedAt);
    expect(Math.abs(node.collectedAt - Date.now())).toBeLessThan(60_000);
    const expected = expectedGpus();
    node.gpus.forEach((gpu, i) => expect(gpu).toMatchObject(expected[i]!));
  });

  it('stores only when --db is given', () => {
    const dir = tempDir();
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: FIXTURE }).path });
    expect(runCli(['collect', '--once', '--json'], env).status).toBe(0);
    const dbPath = join(dir, 'cli.db');
    expect(runCli(['collect', '--once', '--json', '--db', dbPath], env).status).toBe(0);
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare("SELECT count(*) FROM series WHERE metric = 'gpu.util_pct'").pluck().get()).toBe(2);
    expect(db.prepare('SELECT count(*) FROM head').pluck().get()).toBe(1);
    db.close();
  });

  it.each([
    ['no-devices-found.txt', 6, 'no-devices'],
    ['nvml-driver-library-version-mismatch-with-nvml-version.txt', 18, 'version-mismatch'],
    ['nvml-unknown-error-in-container.txt', 255, 'nvml-error'],
  ])('reports %s as gpuStatus %s', (file, exitCode, state) => {
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ errorFixture: file, exitCode }).path });
    const result = runCli(['collect', '--once', '--json'], env);
    expect(result.status).toBe(0);
    expect((JSON.parse(result.stdout) as { nodes: Array<{ gpuStatus: { state: string } }> }).nodes[0]!.gpuStatus.state).toBe(state);
  });

  it('prints a readable summary without --json', () => {
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: FIXTURE }).path });
    const result = runCli(['collect', '--once'], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/gpu +ok: 2 GPUs/);
    expect(result.stdout).toMatch(/\[1\] NVIDIA RTX A5000/);
  });
});

describe('CLI errors: one line on stderr, non-zero exit', () => {
  it('a bad config names the file and the field', () => {
    const dir = tempDir();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'collection:\n  intervalMs: 5\n');
    const result = runCli(['collect', '--once', '--json', '--config', config]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^clusterdeck: ${config.replace(/[.]/g, '\\.')}: collection\\.intervalMs: .*\\n$`));
  });

  it('a corrupt database is refused and left alone', () => {
    const dir = tempDir();
    const dbPath = join(dir, 'broken.db');
    writeFileSync(dbPath, 'not sqlite at all '.repeat(300));
    const result = runCli(['collect', '--once', '--json', '--db', dbPath]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/damaged or not a Clusterdeck database.*Move it aside/);
    expect(readFileSync(dbPath, 'utf8')).toBe('not sqlite at all '.repeat(300));
  });

  it('collect without --once, and an unknown command, are usage errors', () => {
    expect(runCli(['collect', '--json'])).toMatchObject({ status: 2, stdout: '' });
    const unknown = runCli(['frobnicate']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command/);
  });

  it('--help works on every command', () => {
    for (const args of [['--help'], ['serve', '--help'], ['collect', '--help']]) {
      const result = runCli(args);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(/Usage: clusterdeck/);
    }
  });
});
