import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CliResult, isolatedEnv, ROOT } from './cli';

/** The benchmarks' entry as `npm run bench` runs it: built by `npm run build:bench` into dist/bench. */
export const BENCH_CLI = join(ROOT, 'dist', 'bench', 'bench', 'cli.js');

export function assertBenchBuilt(): void {
  if (!existsSync(BENCH_CLI)) throw new Error('the benchmarks are not built: run `npm run build` first (`npm test` does)');
}

/** Runs the built benchmark CLI (bench/cli.ts) to completion. */
export function runBenchCli(args: string[], env: NodeJS.ProcessEnv = isolatedEnv(), timeout = 60_000): CliResult {
  assertBenchBuilt();
  const result = spawnSync(process.execPath, [BENCH_CLI, ...args], { env, encoding: 'utf8', timeout });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
