/**
 * The benchmark suites of `npm run bench` (bench/cli.ts) by name, and their flags. The suites read
 * this checkout (test/fixtures, ../shared/workloads): they are not part of the app.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultKnownHostsFile } from '../electron/core/paths';
import { formatAlertsBench, runAlertsBench } from './alerts-bench';
import { formatCollectBench, runCollectBench } from './collect-bench';
import { formatCrashBench, runCrashRounds } from './crash-bench';
import { formatPrometheusBench, runPrometheusBench } from './prometheus-bench';
import { formatSshBench, parseDuration, runSshBench } from './ssh-bench';
import { DEFAULT_TICKS_PER_TRANSACTION, formatStoreBench, runStoreBench } from './store-bench';
import { UsageError } from '../electron/server/usage-error';
import { sshNodesFromFlags } from '../electron/server/commands/collect';

export interface BenchFlags {
  json?: boolean;
  ticks?: string;
  input?: string;
  quick?: boolean;
  batch?: string;
  // bench ssh
  sshConfig?: string;
  host?: string[];
  allHosts?: boolean;
  knownHosts?: string;
  acceptNew?: boolean;
  nodes?: string;
  duration?: string;
  interval?: string;
  parallel?: string;
  rounds?: string;
  openssh?: boolean;
  micro?: boolean;
  profile?: string;
  // bench crash
  kills?: string;
  // bench alerts (also --nodes, --duration, --interval)
  gpus?: string;
  // bench prometheus (also --nodes, --duration, --interval, --gpus, --quick, --profile)
  sshNodes?: string;
  kernelLog?: string;
  engine?: string;
}

/** The ssh suite's measuring flags, shared by bench/cli.ts and the lab run (test/bench/ssh-lab.bench.ts). */
export function addSshBenchOptions(command: Command): Command {
  return command
    .option(
      '--nodes <n>',
      'logical SSH nodes, spread over the hosts (ssh; default: one per host); synthetic nodes (alerts; default 125); nodes from Prometheus (prometheus; default 1000)',
    )
    .option(
      '--duration <time>',
      'how long the engine polls once connected, e.g. 3m, 90s (ssh; default 3m); telemetry replayed (alerts; default 24h); the window of each side (prometheus; default 2m)',
    )
    .option('--interval <time>', 'collection interval (ssh, alerts, prometheus; default 5s)')
    .option('--parallel <n>', 'OpenSSH client loop: ssh processes at once (ssh; default 16)')
    .option('--rounds <n>', 'OpenSSH client loop: rounds over all nodes (ssh; default 3)')
    .option('--no-openssh', 'skip the OpenSSH client loop (ssh)')
    .option('--no-micro', 'skip the microbenchmarks (ssh)')
    .option('--profile <dir>', 'write a V8 CPU profile of the engine process into DIR (ssh, prometheus)');
}

export interface SshBenchSettings {
  nodes?: number;
  durationMs: number;
  intervalMs: number;
  opensshParallel: number;
  opensshRounds: number;
  openssh: boolean;
  micro: boolean;
  profileDir?: string;
}

function positiveInteger(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer`);
  return n;
}

function duration(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (error) {
    throw new UsageError(`${flag}: ${(error as Error).message}`);
  }
  if (ms < min) throw new UsageError(`${flag} must be at least ${min / 1000} s`);
  return ms;
}

export function sshBenchSettings(flags: BenchFlags): SshBenchSettings {
  return {
    nodes: flags.nodes === undefined ? undefined : positiveInteger(flags.nodes, '--nodes', 1),
    durationMs: duration(flags.duration, '--duration', 180_000, 5000),
    intervalMs: duration(flags.interval, '--interval', 5000, 1000),
    opensshParallel: positiveInteger(flags.parallel, '--parallel', 16),
    opensshRounds: positiveInteger(flags.rounds, '--rounds', 3),
    openssh: flags.openssh !== false,
    micro: flags.micro !== false,
    profileDir: flags.profile === undefined ? undefined : resolve(flags.profile),
  };
}

/** Benchmarks by name; each prints a table, or JSON with --json. */
const SUITES: Record<string, (flags: BenchFlags) => Promise<{ result: unknown; text: string; failed?: boolean }>> = {
  collect: async (flags) => {
    const result = await runCollectBench({ ticks: positiveInteger(flags.ticks, '--ticks', 20) });
    return { result, text: formatCollectBench(result) };
  },
  store: async (flags) => {
    const result = await runStoreBench({
      quick: flags.quick === true,
      input: flags.input,
      ticksPerTransaction: positiveInteger(flags.batch, '--batch', DEFAULT_TICKS_PER_TRANSACTION),
    });
    return { result, text: formatStoreBench(result) };
  },
  crash: async (flags) => {
    const rounds = positiveInteger(flags.kills, '--kills', 100);
    const result = await runCrashRounds({ rounds });
    return { result, text: formatCrashBench(result), failed: result.failures > 0 };
  },
  alerts: async (flags) => {
    const result = await runAlertsBench({
      nodes: positiveInteger(flags.nodes, '--nodes', 125),
      gpusPerNode: positiveInteger(flags.gpus, '--gpus', 8),
      intervalMs: duration(flags.interval, '--interval', 5000, 1000),
      durationMs: duration(flags.duration, '--duration', 24 * 3_600_000, 2 * 3_600_000),
    });
    return { result, text: formatAlertsBench(result), failed: !result.ok };
  },
  prometheus: async (flags) => {
    const quick = flags.quick === true;
    const sshNodes = flags.sshNodes === '0' ? 0 : positiveInteger(flags.sshNodes, '--ssh-nodes', quick ? 20 : 500);
    const kernelLog = flags.kernelLog ?? 'this-machine';
    if (kernelLog !== 'this-machine' && kernelLog !== 'empty') throw new UsageError('--kernel-log is this-machine or empty');
    const engine = flags.engine ?? 'prometheus';
    if (engine !== 'prometheus' && engine !== 'victoria-metrics') throw new UsageError('--engine is prometheus or victoria-metrics');
    const result = await runPrometheusBench({
      nodes: flags.nodes === '0' ? 0 : positiveInteger(flags.nodes, '--nodes', quick ? 20 : 1000),
      kernelLog,
      engine,
      sshNodes,
      gpus: positiveInteger(flags.gpus, '--gpus', quick ? 2 : 8),
      intervalMs: duration(flags.interval, '--interval', quick ? 2000 : 5000, 1000),
      durationMs: duration(flags.duration, '--duration', quick ? 5000 : 120_000, 2000),
      profileDir: flags.profile === undefined ? undefined : resolve(flags.profile),
    });
    return { result, text: formatPrometheusBench(result) };
  },
  ssh: async (flags) => {
    if (!flags.sshConfig) {
      throw new UsageError(
        'bench ssh needs SSH hosts: --ssh-config FILE with --all-hosts or --host ALIAS (repeatable), and --nodes N to spread N nodes over them; `npm run bench -- ssh` in a checkout runs it on a lab of local sshd hosts instead (as root)',
      );
    }
    const routes = await sshNodesFromFlags(flags);
    const settings = sshBenchSettings(flags);
    const result = await runSshBench({
      ...settings,
      routes,
      knownHostsFile: flags.knownHosts ? resolve(flags.knownHosts) : defaultKnownHostsFile(),
      acceptNew: flags.acceptNew === true,
      setup: [
        `hosts: ${routes.length} from ${resolve(flags.sshConfig)} (${routes
          .map((r) => r.id)
          .slice(0, 8)
          .join(', ')}${routes.length > 8 ? ', ...' : ''})`,
      ],
    });
    return { result, text: formatSshBench(result) };
  },
};

export const BENCH_SUITES = Object.keys(SUITES);
/** What `bench` without names runs: the suites that need nothing but this machine. */
export const DEFAULT_BENCH_SUITES = ['collect', 'store'];

/** Runs the named suites; resolves to the exit code (1 when a suite that checks something failed). */
export async function bench(names: string[], flags: BenchFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  const selected = names.length === 0 ? DEFAULT_BENCH_SUITES : names;
  const unknown = selected.filter((n) => !(n in SUITES));
  if (unknown.length) throw new UsageError(`unknown benchmark ${unknown.join(', ')} (have: ${BENCH_SUITES.join(', ')})`);
  const results: Record<string, unknown> = {};
  let failed = false;
  for (const name of selected) {
    const suite = await SUITES[name]!(flags);
    results[name] = suite.result;
    failed ||= suite.failed === true;
    if (!flags.json) write(`${suite.text}\n\n`);
  }
  if (flags.json) write(`${JSON.stringify(results, null, 2)}\n`);
  return failed ? 1 : 0;
}
