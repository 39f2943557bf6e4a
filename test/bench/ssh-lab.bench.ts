// `npm run bench -- ssh`: the SSH fleet benchmark on the SSH lab (real sshd hosts in network
// namespaces of this machine; root only). Builds the lab fleet (ssh-lab-fleet.ts), then runs the
// same measuring code as `npm run bench -- ssh --ssh-config ...` (bench/ssh-bench.ts)
// and prints its table. Not part of `npm test` (vitest project 'bench'; scripts/test.mjs leaves it out).
//
// Flags come from scripts/bench.mjs in CLUSTERDECK_BENCH_ARGS (a JSON array): the CLI's ssh flags
// (--nodes, --duration, --interval, --parallel, --rounds, --no-openssh, --no-micro, --profile,
// --json) and the lab's own: --node-work replay|real, --ports N (per sshd host), --gpus N.
// The report goes to the file CLUSTERDECK_BENCH_OUT names (stdout of `npm run bench`), or to the log.
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { it } from 'vitest';
import { APP_ROOT } from '../../electron/core/app-root';
import { formatSshBench, runSshBench } from '../../bench/ssh-bench';
import { addSshBenchOptions, sshBenchSettings, type BenchFlags } from '../../bench/suites';
import { createLabFleet, type NodeWork } from './ssh-lab-fleet';

interface LabFlags extends BenchFlags {
  nodeWork: string;
  ports?: string;
  gpus?: string;
}

const program = addSshBenchOptions(new Command('npm run bench -- ssh'))
  .option('--json', 'print the figures as JSON')
  .option('--node-work <mode>', 'replay: hosts answer with recorded outputs of the same commands; real: they run the scripts', 'replay')
  .option('--ports <n>', 'sshd ports per lab host (at most 16)')
  .option('--gpus <n>', 'GPUs of each GPU host (default 8)')
  .exitOverride();
program.parse(JSON.parse(process.env.CLUSTERDECK_BENCH_ARGS ?? '[]') as string[], { from: 'user' });
const flags = program.opts<LabFlags>();
const settings = sshBenchSettings(flags);
const nodes = settings.nodes ?? 500;
if (flags.nodeWork !== 'replay' && flags.nodeWork !== 'real') throw new Error('--node-work must be replay or real');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** The built engine worker, when the build is newer than every source it comes from (npm run bench builds first). */
function builtWorker(): string | null {
  const worker = join(APP_ROOT, 'dist', 'bench', 'bench', 'ssh-bench-worker.js');
  try {
    const built = statSync(worker).mtimeMs;
    return built >= Math.max(...['bench', 'electron', 'shared'].map((dir) => newestMtime(join(APP_ROOT, dir)))) ? worker : null;
  } catch {
    return null;
  }
}

const log = (line: string) => process.stderr.write(`[bench ssh] ${line}\n`);
// Lab setup and teardown, the microbenchmarks, start(), the window, and the OpenSSH rounds.
const timeoutMs = 20 * 60_000 + settings.durationMs + settings.opensshRounds * (nodes * 400 + 60_000);

it(
  `polls ${nodes} SSH nodes on the lab for ${settings.durationMs / 1000} s, beside a loop of the OpenSSH client`,
  async () => {
    if (process.getuid?.() !== 0)
      throw new Error('the SSH lab needs root; point `npm run bench -- ssh --ssh-config FILE --all-hosts --nodes N` at real hosts instead');
    const workerPath = builtWorker();
    if (workerPath === null) log('no current build (npm run build): the engine runs inside this test process, so its CPU and RSS include the test runner');
    const fleet = await createLabFleet({
      nodes,
      nodeWork: flags.nodeWork as NodeWork,
      portsPerHost: flags.ports === undefined ? undefined : Number(flags.ports),
      gpus: flags.gpus === undefined ? undefined : Number(flags.gpus),
      log,
    });
    try {
      const result = await runSshBench({
        ...settings,
        nodes,
        routes: fleet.routes,
        microRoute: fleet.microRoute,
        knownHostsFile: fleet.knownHostsFile,
        userKnownHostsFiles: [],
        setup: fleet.setup,
        gpuNote: fleet.gpuNote,
        nodeCpuSeconds: fleet.nodeCpuSeconds,
        workerPath,
        log,
      });
      const text = flags.json ? JSON.stringify({ ssh: result }, null, 2) : formatSshBench(result);
      if (process.env.CLUSTERDECK_BENCH_OUT) writeFileSync(process.env.CLUSTERDECK_BENCH_OUT, `${text}\n`);
      else log(`\n${text}`);
    } finally {
      await fleet.dispose();
    }
  },
  timeoutMs,
);
