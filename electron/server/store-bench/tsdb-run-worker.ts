/**
 * Child-process entry of a measured Tsdb run: runs one job sent by the parent and sends back its
 * result. A process of its own gives the run a clean heap and its own peak RSS. `runInChild` is
 * the parent's side, shared with the benchmarks of the checkout (bench/store-bench.ts).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runTsdbJob, type TsdbJob, type TsdbRun } from './tsdb-run';

/** Runs `job` in a fresh Node process of the built `worker`, or here (`inline`) when there is no build. */
export function runInChild<T>(worker: string, job: object, inline: () => T): Promise<T> {
  if (!existsSync(worker)) return Promise.resolve(inline());
  return new Promise((resolve, reject) => {
    const child = fork(worker, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let reply: { result?: T; error?: string } | null = null;
    child.once('message', (message) => {
      reply = message as { result?: T; error?: string };
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.error !== undefined) reject(new Error(reply.error));
      else if (reply && 'result' in reply) resolve(reply.result as T);
      else reject(new Error(`the benchmark worker stopped (${signal ?? `exit code ${code}`}) without a result`));
    });
    child.send(job);
  });
}

/** In a child process (the built worker): answers one job with its result or its error, then exits. */
export function answerOneJob<J>(run: (job: J) => unknown): void {
  process.once('message', (job) => {
    let reply: { result?: unknown; error?: string };
    try {
      reply = { result: run(job as J) };
    } catch (error) {
      reply = { error: (error as Error).message ?? String(error) };
    }
    process.send!(reply, () => process.exit(0));
  });
}

const WORKER = join(__dirname, 'tsdb-run-worker.js');

/** A Tsdb run in a process of its own (here, without a build). */
export function runTsdbJobIsolated(job: TsdbJob): Promise<TsdbRun> {
  return runInChild(WORKER, { ...job, isolated: true }, () => runTsdbJob(job));
}

if (require.main === module && process.send) answerOneJob((job: TsdbJob) => runTsdbJob(job));
