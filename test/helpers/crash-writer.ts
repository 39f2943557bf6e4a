/**
 * The crash writer: kill -9 of a writer at random moments, N times over one database, checking after
 * each kill that the file opens, `integrity_check` says ok, and every tick the writer had
 * acknowledged (ingest() returned, then it printed the time) is stored with its values. The
 * writer is the compiled engine in a child process, ingesting as fast as it can through small
 * chunk spans, so the kills land in head writes, seals (worker thread included), rollups,
 * compaction and retention alike. Each writer acknowledges TICKS_BEFORE_KILL_TIMER ticks before
 * its random kill delay starts. The integration test (test/integration/crash-safety.test.ts)
 * runs 20 rounds; the benchmark (`npm run bench -- crash`, bench/crash-bench.ts) 100.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { APP_ROOT } from '../../electron/core/app-root';
import { openDatabase } from '../../electron/core/store/db';
import { Tsdb, type TsdbOptions } from '../../electron/core/store/tsdb/tsdb';

const T0 = 1_735_689_600_000;
const SERIES = 40;
const STEP = 30_000;
const OPTIONS: TsdbOptions = {
  intervalMs: STEP,
  retention: { rawMs: 365 * 86_400_000, minuteMs: 365 * 86_400_000, hourMs: 3650 * 86_400_000 },
  maxDiskBytes: null,
  // Small spans so that a few hundred ticks go through every kind of seal.
  rawChunkMs: 5 * 60_000,
  hourChunkMs: 3 * 3_600_000,
};

/** Series k's value at time t: what the writer writes and the check expects. */
export const crashValue = (k: number, t: number) => ((t / STEP) * (k + 1)) % 1000;

const DIST = join(APP_ROOT, 'dist', 'electron', 'core', 'store');

/** The writer: the built engine, ingesting ticks as fast as it can, printing each acknowledged tick. */
const WRITER = `
const { writeSync } = require('node:fs');
const { openDatabase } = require(${JSON.stringify(join(DIST, 'db.js'))});
const { Tsdb } = require(${JSON.stringify(join(DIST, 'tsdb', 'tsdb.js'))});
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

/**
 * Ticks a writer acknowledges before its kill timer starts. The timer alone would make the work
 * done per round a matter of machine speed: a slow or busy machine then wrote too few ticks to
 * go through every kind of seal. The kill still lands at a random moment after these.
 */
export const TICKS_BEFORE_KILL_TIMER = 60;

function runAndKill(dbPath: string, killAfterMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', WRITER, dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lines = 0;
    let timerStarted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      if (timerStarted) return;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines += 1;
      // 'ready' is one line more than the acknowledged ticks.
      if (lines > TICKS_BEFORE_KILL_TIMER) {
        timerStarted = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`the writer exited on its own: ${err.trim().split('\n').slice(-3).join(' ')}`));
      // Only complete lines count: a line cut by the kill was not acknowledged.
      resolve(
        out
          .split('\n')
          .slice(0, -1)
          .filter((line) => line !== 'ready')
          .map(Number),
      );
    });
    child.on('error', reject);
  });
}

export interface CrashRound {
  killedAfterMs: number;
  acknowledged: number;
  integrity: string;
  /** Acknowledged ticks not found after reopening, over every series checked. */
  missing: number;
  /** Stored values that differ from what was written. */
  wrongValues: number;
  reopenMs: number;
}

export interface CrashBenchResult {
  rounds: CrashRound[];
  acknowledgedTicks: number;
  chunks: { raw: number; minute: number; hour: number };
  failures: number;
}

/** Runs `rounds` kill -9 rounds on a fresh database; `onRound` sees each as it completes. */
export async function runCrashRounds(options: {
  rounds: number;
  seed?: number;
  dbPath?: string;
  onRound?: (round: CrashRound, index: number) => void;
}): Promise<CrashBenchResult> {
  if (!existsSync(join(DIST, 'tsdb', 'tsdb.js'))) throw new Error('the engine is not built: run `npm run build` first');
  const dir = options.dbPath ? null : mkdtempSync(join(tmpdir(), 'cd-crash-'));
  const dbPath = options.dbPath ?? join(dir!, 'crash.db');
  let seed = options.seed ?? 12345;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const acknowledged: number[] = [];
  const rounds: CrashRound[] = [];
  try {
    for (let index = 0; index < options.rounds; index += 1) {
      const killedAfterMs = 30 + Math.floor(random() * 400);
      acknowledged.push(...(await runAndKill(dbPath, killedAfterMs)));

      const check = new Database(dbPath, { readonly: true });
      const integrity = String(check.pragma('integrity_check', { simple: true }));
      check.close();

      const started = performance.now();
      const db = openDatabase(dbPath);
      const tsdb = new Tsdb(db, { ...OPTIONS, sealInWorker: false });
      const reopenMs = performance.now() - started;
      const series = tsdb.seriesOf('node', 'gpu.util_pct');
      const lastAck = acknowledged[acknowledged.length - 1] ?? T0;
      let missing = 0;
      let wrongValues = 0;
      for (const { id, device } of [series[0], series[series.length - 1]].filter((s) => s !== undefined)) {
        const k = Number(device.replace('GPU-', ''));
        const stored = tsdb.range(id, T0, lastAck, 10_000_000);
        const present = new Set(stored.t);
        missing += acknowledged.filter((t) => !present.has(t)).length;
        stored.t.forEach((t, i) => {
          if (stored.v[i] !== crashValue(k, t)) wrongValues += 1;
        });
      }
      if (series.length !== SERIES) missing += acknowledged.length;
      tsdb.close();
      db.close();
      const round = { killedAfterMs, acknowledged: acknowledged.length, integrity, missing, wrongValues, reopenMs: round1(reopenMs) };
      rounds.push(round);
      options.onRound?.(round, index);
    }
    const db = new Database(dbPath, { readonly: true });
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const chunks = { raw: count('chunks_raw'), minute: count('chunks_1m'), hour: count('chunks_1h') };
    db.close();
    const failures = rounds.filter((r) => r.integrity !== 'ok' || r.missing > 0 || r.wrongValues > 0).length;
    return { rounds, acknowledgedTicks: acknowledged.length, chunks, failures };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
