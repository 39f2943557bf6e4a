import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../electron/core/store/db';
import { Tsdb } from '../../electron/core/store/tsdb/tsdb';
import { ROOT } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

const T0 = 1_735_689_600_000;
const SERIES = 40;
const STEP = 30_000;
const OPTIONS = {
  intervalMs: STEP,
  retention: { rawMs: 365 * 86_400_000, minuteMs: 365 * 86_400_000, hourMs: 3650 * 86_400_000 },
  maxDiskBytes: null,
  // Small spans so that a few hundred ticks go through every kind of seal.
  rawChunkMs: 5 * 60_000,
  hourChunkMs: 3 * 3_600_000,
};
const valueOf = (k: number, t: number) => ((t / STEP) * (k + 1)) % 1000;

/**
 * The writer: the built engine in a child process, ingesting ticks as fast as it can and
 * printing each tick's time once ingest() has returned.
 */
const WRITER = `
const { writeSync } = require('node:fs');
const { openDatabase } = require(${JSON.stringify(join(ROOT, 'dist/electron/core/store/db.js'))});
const { Tsdb } = require(${JSON.stringify(join(ROOT, 'dist/electron/core/store/tsdb/tsdb.js'))});
const tsdb = new Tsdb(openDatabase(process.argv[1]), ${JSON.stringify(OPTIONS)});
const ids = Array.from({ length: ${SERIES} }, (_, k) => tsdb.seriesId('node', 'gpu.util_pct', 'GPU-' + k));
const last = tsdb.latest([ids[0]])[0];
let t = last ? last.t + ${STEP} : ${T0};
writeSync(1, 'ready\\n');
for (;;) {
  tsdb.ingest(t, ids, ids.map((_, k) => ((t / ${STEP}) * (k + 1)) % 1000));
  writeSync(1, t + '\\n');
  if (t % (7 * ${STEP}) === 0) tsdb.maintain(t);
  t += ${STEP};
}
`;

function runAndKill(dbPath: string, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WRITER, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const first = out === '';
      out += chunk.toString();
      if (first) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own: ${err}`));
      // Only complete lines count: a line cut by the kill was not acknowledged.
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.filter((l) => l !== 'ready').map(Number));
    });
    child.on('error', reject);
  });
}

describe('crash safety: kill -9 of the writer at random moments', () => {
  it('after every kill the database opens, passes integrity_check, and holds every acknowledged tick', async () => {
    const dbPath = join(tempDir(), 'crash.db');
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const acknowledged: number[] = [];
    for (let round = 0; round < 20; round += 1) {
      const ticks = await runAndKill(dbPath, 30 + Math.floor(random() * 400));
      acknowledged.push(...ticks);

      const check = new Database(dbPath, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();

      const db = openDatabase(dbPath);
      const tsdb = new Tsdb(db, OPTIONS);
      const series = tsdb.seriesOf('node', 'gpu.util_pct');
      expect(series).toHaveLength(SERIES);
      const lastAck = acknowledged[acknowledged.length - 1] ?? T0;
      for (const { id, device } of [series[0]!, series[SERIES - 1]!]) {
        const k = Number(device.replace('GPU-', ''));
        const stored = tsdb.range(id, T0, lastAck, 10_000_000);
        const present = new Set(stored.t);
        const missing = acknowledged.filter((t) => !present.has(t));
        expect(missing).toEqual([]);
        stored.t.forEach((t, i) => expect(stored.v[i]).toBe(valueOf(k, t)));
      }
      db.close();
    }
    // The run must actually have gone through seals, not only head rows.
    const db = new Database(dbPath, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM chunks_raw').pluck().get()).toBeGreaterThan(SERIES * 5);
    expect(db.prepare('SELECT count(*) FROM chunks_1h').pluck().get()).toBeGreaterThan(0);
    db.close();
    expect(acknowledged.length).toBeGreaterThan(1000);
  });
});
