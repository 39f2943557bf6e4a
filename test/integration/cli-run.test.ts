// `clusterdeck run`: the built CLI runs the engine headless for a duration or until SIGTERM,
// storing what it collects. Real parts: the CLI process, the local collector with a fake
// nvidia-smi first on PATH (no GPU here) printing a real capture, the SQLite file.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../electron/core/store/telemetry-store';
import { storeLimits } from '../../electron/core/apply-config';
import { ConfigSchema } from '../../shared/config';
import { CLI, isolatedEnv, runCli } from '../helpers/cli';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { tempDir } from '../helpers/tmp';

const FIXTURE = '2x-rtx-a5000-drv590-v13.xml';

/** The nodes and GPU temperatures stored in the file, read back by a store of our own. */
function stored(dbPath: string): { nodes: Array<{ gpuCount: number }>; gpuTemperatures: number } {
  const store = new SqliteTelemetryStore(openDatabase(dbPath), { dbPath, ...storeLimits(ConfigSchema.parse({ collection: { intervalMs: 1000 } })) });
  try {
    const nodes = store.listNodes();
    const gpuTemperatures = nodes.flatMap((n) => store.latestValues({ nodeIds: [n.id], metrics: ['gpu.temperature_c'] })).length;
    return { nodes, gpuTemperatures };
  } finally {
    store.close();
  }
}

describe('clusterdeck run', () => {
  it('collects and stores for --duration, then prints a summary and exits 0', () => {
    const dbPath = join(tempDir(), 'run.db');
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: FIXTURE }).path });
    const result = runCli(['run', '--duration', '3s', '--interval', '1s', '--local', '--db', dbPath], env);
    expect(result.stderr).toContain('running: 1 node(s) every 1 s for 3 s');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^run ended \(duration over\) after \d+ s, [1-9]\d* ticks?, 1 node \(1 up\), .*storage ok\n$/m);
    const { nodes, gpuTemperatures } = stored(dbPath);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.gpuCount).toBe(2);
    expect(gpuTemperatures).toBe(2);
  });

  it('stops cleanly on SIGTERM: summary, exit 0, the database closed and readable', async () => {
    const dbPath = join(tempDir(), 'run-sigterm.db');
    const env = isolatedEnv({ PATH: fakeNvidiaSmi({ xmlFixture: FIXTURE }).path });
    const child = spawn(process.execPath, [CLI, 'run', '--interval', '1s', '--db', dbPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the output is all read once the pipes close.
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    try {
      // Running once the first tick stored this machine.
      await expect
        .poll(() => {
          let db: Database.Database | null = null;
          try {
            db = new Database(dbPath, { readonly: true, fileMustExist: true });
            return (db.prepare('SELECT count(*) AS n FROM nodes').get() as { n: number }).n;
          } catch {
            return 0; // not created or not migrated yet
          } finally {
            db?.close();
          }
        })
        .toBe(1);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    expect(stdout).toMatch(/^run ended \(SIGTERM\) after \d+ s, [1-9]\d* ticks?, 1 node \(1 up\), .*storage ok\n$/m);
    expect(stderr).not.toMatch(/error/i);
    expect(stored(dbPath).nodes).toHaveLength(1);
  });

  it.each([
    [['--duration', 'soon'], /--duration takes a duration like 30s, 5m or 1h, got "soon"/],
    [['--interval', '100ms'], /--interval must be 1s to 1h, got "100ms"/],
    [['--host', 'gpu-1'], /--host and --all-hosts need --ssh-config FILE/],
  ])('refuses %j with a usage error (exit 2), collecting nothing', (args, message) => {
    const dbPath = join(tempDir(), 'refused.db');
    const result = runCli(['run', '--db', dbPath, ...args]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
