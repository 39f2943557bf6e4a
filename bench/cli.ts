/**
 * `npm run bench [-- NAME... --json]` (scripts/bench.mjs runs this from its build in dist/bench):
 * the benchmarks of this checkout. Errors go to stderr as one line; usage errors exit 2, other
 * failures 1, and a suite that checks something (crash, alerts) exits 1 when the check fails.
 */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../electron/core/config';
import { UsageError } from '../electron/server/usage-error';
import { addSshBenchOptions, bench, BENCH_SUITES, DEFAULT_BENCH_SUITES, type BenchFlags } from './suites';

export function buildBenchProgram(setExitCode: (code: number) => void): Command {
  return addSshBenchOptions(
    new Command('bench')
      .description(`run benchmarks and print their figures (${BENCH_SUITES.join(', ')}; default: ${DEFAULT_BENCH_SUITES.join(', ')})`)
      .argument('[names...]', 'benchmarks to run')
      .option('--json', 'print the figures as JSON')
      .option('--ticks <n>', 'collection ticks to time (collect)')
      .option('--input <file.csv>', 'telemetry CSV (series,ts_ms,value in time order) to measure instead of the generated workloads (store)')
      .option('--quick', 'smaller workloads: 10 nodes x 6 h, a 24 h chart instead of 7 days (store); 20 nodes each side, 2 s interval for 5 s (prometheus)')
      .option('--batch <n>', 'ticks per write transaction, default 12; 1 = one per collection tick (store)')
      .option('--kills <n>', 'kill -9 rounds of the writer (crash; default 100)')
      .option('--gpus <n>', 'GPUs per synthetic node (alerts; default 8); per GPU node (prometheus; default 8, 3 nodes of 4 have GPUs)')
      .option('--ssh-nodes <n>', 'simulated SSH nodes polled beside the Prometheus source (prometheus; default 500; 0: none; --nodes 0: no Prometheus side)')
      .option('--kernel-log <what>', "what the simulated SSH nodes' dmesg prints: this-machine (default) or empty (prometheus)")
      .option('--engine <name>', "the query engine the source reads: prometheus (default) or victoria-metrics, both Debian's (prometheus)")
      .option('--ssh-config <file>', 'OpenSSH client config naming the SSH hosts to poll (ssh)')
      .option('--host <alias...>', 'Host aliases of the ssh config (repeatable) (ssh)')
      .option('--all-hosts', 'every Host alias of the ssh config (ssh)')
      .option('--known-hosts <file>', "Clusterdeck's known_hosts file (default: in the data folder; ~/.ssh/known_hosts is also read) (ssh)")
      .option('--accept-new', 'trust unknown host keys on first sight (ssh)')
      .showHelpAfterError('(run with --help for usage)')
      .exitOverride(),
  ).action(async (names: string[], flags: BenchFlags) => {
    setExitCode(await bench(names, flags));
  });
}

/** Runs the benchmarks named in argv; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildBenchProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    // --help exits 0; commander already printed usage errors.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`bench: ${(error as Error).message ?? String(error)}\n`);
    return error instanceof UsageError || error instanceof ConfigError ? 2 : 1;
  }
}

if (require.main === module) {
  // The engine's helper threads (the nvidia-smi XML parser's) are unref'd so that a CLI can exit
  // when it is done; here nothing else would hold the process while a suite awaits one of them,
  // and it exited silently in the middle of `collect`.
  const keepAlive = setInterval(() => {}, 1 << 30);
  void main(process.argv).then((code) => {
    clearInterval(keepAlive);
    process.exitCode = code;
  });
}
