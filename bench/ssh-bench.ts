/**
 * `bench ssh`: the engine polling many SSH nodes over persistent connections, beside a naive
 * loop of the OpenSSH client (`ssh host cmd` once per node per tick) over the same nodes.
 *
 * - Engine: createEngine over N logical nodes (distinct ids), interval 5 s, SQLite store on a
 *   temp file, for --duration after start(); each tick's duration (the engine's own
 *   lastTickDurationMs), engine CPU over the window and peak RSS, in a Node process of its own
 *   (ssh-bench-worker.ts) so that nothing else is counted. Connection time: start() (connect,
 *   auth, facts and a first reading of every node) and until every node is 'up'.
 * - OpenSSH loop: the same per-tick sample command line (sampleArgv, quoted as the engine quotes
 *   it) run with the system `ssh` once per node, a bounded number at a time; how long one round
 *   over all nodes takes, and the CPU of the ssh processes (reaped children of this process).
 * - Microbenchmarks on one node: connect+auth and one exec with and without TCP_NODELAY, 50
 *   execs on one connection against 50 fresh ssh2 connections, one OpenSSH run, and the
 *   `--query-gpu` CSV against `-q -x` XML over SSH (transfer and parse).
 *
 * N logical nodes are spread over the given routes (user@host:port); each route is one SSH
 * connection in the engine's pool, so with fewer routes than nodes, nodes share connections
 * (and the output says so). The lab (test/bench/ssh-lab.bench.ts) gives every node its own
 * route: many sshd hosts, each listening on several ports.
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type ConnectConfig } from 'ssh2';
import type { SshNode } from '../shared/model/inventory';
import { parseNvidiaSmiCsv } from '../electron/core/collectors/linux/nvidia-smi-csv';
import { GPU_QUERY_FIELDS, sampleArgv, type GpuQueryProfile } from '../electron/core/collectors/linux/scripts';
import { parseNvidiaSmiXml } from '../electron/core/collectors/nvidia-smi-xml';
import { expandHome, loadCredentials, noSecretStore } from '../electron/core/hosts/ssh/credentials';
import { keyTypeOfBlob, verifyHostKey } from '../electron/core/hosts/ssh/known-hosts';
import { shellQuote } from '../electron/core/hosts/ssh/ssh-connection';
import { type EngineEdge, type EngineJob, type EngineRun, openFilesLimit, runEngineJob } from './ssh-bench-worker';
import { childCpuSeconds, fmt, formatColumns, isError, mark, median, percentile } from './stats';

export const SSH_TARGETS = {
  nodes: 500,
  tickP95Ms: 2000,
  /** Engine CPU, % of one core, over the whole window. */
  cpuPctOfCore: 50,
  rssMb: 300,
  /** The interval the targets are for. */
  intervalMs: 5000,
} as const;

/** Figures measured earlier on this project's loopback lab (the issue's notes), printed beside ours. */
export const EARLIER = {
  connectAuthMs: { noDelay: 27, nagle: 71 },
  keptExecMs: { noDelay: 4.7, nagle: 48 },
  fiftyExecsS: { oneConnection: 0.26, freshConnections: 5.5 },
  opensshRunMs: 187,
} as const;

export interface SshBenchOptions {
  /** Distinct routes (one SSH connection each); nodes are spread over them in order. */
  routes: SshNode[];
  /** Logical nodes (default: one per route). */
  nodes?: number;
  durationMs: number;
  intervalMs?: number;
  /** The engine's own known_hosts (read, and written with acceptNew). */
  knownHostsFile: string;
  /** Further known_hosts files, only read (undefined: ~/.ssh/known_hosts, as the engine does). */
  userKnownHostsFiles?: string[];
  acceptNew?: boolean;
  /** OpenSSH loop: processes at once, and rounds over all nodes. */
  opensshParallel?: number;
  opensshRounds?: number;
  openssh?: boolean;
  micro?: boolean;
  /** The node for the microbenchmarks (default: the first route without ProxyJump). */
  microRoute?: SshNode;
  /** Lines describing where the nodes are (the lab's hosts and ports, or the ssh config). */
  setup?: string[];
  /** What the nodes' GPUs are (e.g. a fake nvidia-smi printing captures). */
  gpuNote?: string;
  /** CPU seconds used so far by every process of the nodes (the lab can tell; real hosts cannot). */
  nodeCpuSeconds?: () => number;
  /** The built ssh-bench-worker.js to run the engine in; null: in this process. Default: beside this file, if built. */
  workerPath?: string | null;
  /** Write a V8 CPU profile of the engine process here (node --cpu-prof). */
  profileDir?: string;
  /** Progress lines (stderr by default, so that --json output stays clean). */
  log?: (line: string) => void;
}

export interface Stat {
  p50: number;
  p95: number;
  max: number;
  count: number;
}

export interface EngineFigures {
  run: EngineRun;
  /** Where the engine ran: 'child process' (its own CPU and RSS only) or 'this process'. */
  isolation: string;
  ticks: Stat;
  /** Every tick but the first (which also reads the full XML of every GPU node). */
  steadyTicks: Stat;
  firstTickMs: number | null;
  ticksWithLateNodes: number;
  cpuPctOfCore: number;
  /**
   * The CPU figure the target is checked on: cpuPctOfCore at the targets' 5 s interval; at another
   * interval, the later ticks' median CPU per tick over 5 s (what the same ticks would cost every 5 s).
   */
  cpuPctOfCoreAtTargetInterval: number;
  steadyCpuPctOfCore: number | null;
  cpuMsPerNodeSample: number | null;
  /** Engine CPU of each later tick: one JS thread does most of it, so on any fleet no tick is much shorter. */
  steadyCpuMsPerTick: Stat;
  rssPeakMb: number;
  /** RSS when the first tick ended, and the most over the later ticks. */
  rssAfterFirstTickMb: number | null;
  rssLaterTicksMaxMb: number | null;
  /** The lab's processes (sshd, shells, scripts), % of one core, and per node sample. */
  nodeCpuPctOfCore: number | null;
  /** The nodes' CPU per interval divided by this machine's cores: the least a tick can take here. */
  nodeFloorMsPerTick: number | null;
  nodeCpuMsPerSample: number | null;
  /** The whole machine's busy time during the window, % of one core (all cores: cores x 100). */
  machineBusyPctOfCore: number | null;
}

export interface OpensshRound {
  seconds: number;
  ok: number;
  failed: number;
}

export interface OpensshFigures {
  parallel: number;
  rounds: OpensshRound[];
  round: Stat;
  /** One ssh run, from spawn to exit (all runs of all rounds). */
  runMs: Stat;
  clientCpuSecondsPerRound: number;
  /** The ssh processes' CPU if the loop ran every interval (it cannot when a round is longer). */
  clientCpuPctOfCoreAtInterval: number;
  nodeCpuSecondsPerRound: number | null;
  nodeCpuMsPerSample: number | null;
  machineBusyPctOfCore: number | null;
  errors: Array<{ message: string; count: number }>;
  /** Nodes the loop could not reach the OpenSSH way (multi-hop ProxyJump). */
  skipped: number;
}

export interface MicroFigures {
  node: string;
  connectAuthMs: { noDelay: Stat; nagle: Stat };
  keptExecMs: { noDelay: Stat; nagle: Stat };
  fiftyExecsSeconds: { oneConnection: number; freshConnections: number };
  opensshRunMs: Stat | null;
  opensshError: string | null;
  gpu: GpuTransfer | { error: string };
}

export interface GpuTransfer {
  gpus: number;
  csv: { bytes: number; execMs: Stat; parseMs: Stat };
  xml: { bytes: number; execMs: Stat; parseMs: Stat };
}

export interface SshBenchResult {
  machine: { cpus: number; cpuModel: string; node: string; loadAverage: [number, number]; openFilesLimit: number | null };
  nodes: number;
  routes: number;
  intervalMs: number;
  durationMs: number;
  setup: string[];
  /** The nodes run on this machine (the lab), so their CPU is measured too. */
  nodesOnThisMachine: boolean;
  gpuNote: string | null;
  engine: EngineFigures | { error: string };
  openssh: OpensshFigures | { error: string } | null;
  micro: MicroFigures | { error: string } | null;
  targets: typeof SSH_TARGETS;
  earlier: typeof EARLIER;
  misses: string[];
  warnings: string[];
  seconds: number;
}

// ------------------------------------------------------------------ small helpers

export function stat(values: readonly number[]): Stat {
  return { p50: median(values), p95: percentile(values, 95), max: values.length ? Math.max(...values) : Number.NaN, count: values.length };
}

/** N logical nodes over the routes, in turn: node i uses route i mod routes. Ids stay distinct. */
export function replicateNodes(routes: readonly SshNode[], count: number): SshNode[] {
  if (routes.length === 0) throw new Error('no SSH routes to spread the nodes over');
  const width = String(count).length;
  return Array.from({ length: count }, (_, i) => {
    const route = routes[i % routes.length]!;
    const copy = Math.floor(i / routes.length);
    // One node per route keeps the route's own id; copies get a numbered one.
    const id = count <= routes.length ? route.id : `${route.id.slice(0, 100)}-${String(copy + 1).padStart(width, '0')}`;
    return { ...route, id, labels: [...route.labels, 'bench'] };
  });
}

/** Distinct SSH connections the engine's pool opens for these nodes (its key: every hop's user@host:port). */
export function distinctRoutes(nodes: readonly SshNode[]): number {
  return new Set(nodes.map((n) => [...n.proxyJump, n].map((h) => `${h.user}@${h.host}:${h.port}`).join(' > '))).size;
}

/** "3m", "90s", "2m30s", "180" (seconds), "1500ms" → ms. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) throw new Error(`not a duration: ${JSON.stringify(text)} (use e.g. 3m, 90s, 2m30s)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  return Math.round(parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2] as keyof typeof unit], 0));
}

/** The per-tick command line the engine sends a node (sh -c SAMPLE_SCRIPT clusterdeck PROFILE), quoted as SshHost quotes it. */
export function sampleCommandLine(profile: GpuQueryProfile): string {
  return sampleArgv(profile).map(shellQuote).join(' ');
}

/** `nvidia-smi --query-gpu=<the current profile's fields> --format=csv,noheader,nounits`. */
export const GPU_CSV_COMMAND = `nvidia-smi --query-gpu=${GPU_QUERY_FIELDS.current.join(',')} --format=csv,noheader,nounits`;
export const GPU_XML_COMMAND = 'nvidia-smi -q -x';

function quoteKnownHostsPath(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}

/**
 * The system ssh's arguments for a node, up to the destination: no config file, no connection
 * sharing (a fresh connection each run: the naive loop), strict host keys against the same
 * known_hosts files as the engine. One ProxyJump hop is done with ProxyCommand; null for more.
 */
export function opensshArgs(node: SshNode, knownHostsFiles: readonly string[], acceptNew: boolean): string[] | null {
  if (node.proxyJump.length > 1) return null;
  const common = [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    `StrictHostKeyChecking=${acceptNew ? 'accept-new' : 'yes'}`,
    '-o',
    `UserKnownHostsFile=${knownHostsFiles.map(quoteKnownHostsPath).join(' ')}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'UpdateHostKeys=no',
    '-o',
    'ControlMaster=no',
    '-o',
    'ControlPath=none',
    '-o',
    'ConnectTimeout=10',
    '-o',
    'LogLevel=ERROR',
  ];
  const identity = (files: readonly string[]) => [
    ...files.flatMap((f) => ['-i', expandHome(f)]),
    ...(files.length ? ['-o', 'IdentitiesOnly=yes'] : []),
    ...(node.useAgent ? [] : ['-o', 'IdentityAgent=none']),
  ];
  const args = [...common, ...identity(node.identityFiles)];
  const hop = node.proxyJump[0];
  if (hop) {
    const jump = ['ssh', ...common, ...identity(hop.identityFiles), '-p', String(hop.port), '-W', '[%h]:%p', `${hop.user}@${hop.host}`];
    args.push('-o', `ProxyCommand=${jump.map(shellQuote).join(' ')}`);
  }
  return [...args, '-p', String(node.port), `${node.user}@${node.host}`];
}

/** The whole machine's busy CPU time so far (all cores; idle and iowait excluded), seconds. */
export function machineBusySeconds(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
    return (total - cpu[3]! - cpu[4]!) / 100;
  } catch {
    return Number.NaN;
  }
}

interface Meter {
  stop(): { seconds: number; nodeCpu: number | null; machineBusy: number | null };
}

/** Wall time, the nodes' CPU (when the caller can tell) and the machine's busy time, from now. */
function meter(nodeCpuSeconds: (() => number) | undefined): Meter {
  const started = performance.now();
  const node = nodeCpuSeconds?.();
  const busy = machineBusySeconds();
  return {
    stop: () => {
      const nodeNow = nodeCpuSeconds?.();
      const busyNow = machineBusySeconds();
      return {
        seconds: (performance.now() - started) / 1000,
        nodeCpu: node === undefined || nodeNow === undefined ? null : nodeNow - node,
        machineBusy: Number.isFinite(busy) && Number.isFinite(busyNow) ? busyNow - busy : null,
      };
    },
  };
}

function countBy(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

const sortedCounts = (map: Map<string, number>) =>
  [...map]
    .map(([message, count]) => ({ message, count }))
    .sort((a, b) => b.count - a.count)
    .slice(0, 10);

// ------------------------------------------------------------------ the engine

const BUILT_WORKER = join(__dirname, 'ssh-bench-worker.js');

interface EngineOutcome {
  run: EngineRun;
  isolation: string;
  window: ReturnType<Meter['stop']> | null;
}

/** The engine phase: in the built worker (a process of its own) or, without a build, here. */
async function runEngine(job: EngineJob, options: SshBenchOptions): Promise<EngineOutcome> {
  const workerPath = options.workerPath === undefined ? (existsSync(BUILT_WORKER) ? BUILT_WORKER : null) : options.workerPath;
  let windowMeter: Meter | null = null;
  let window: EngineOutcome['window'] = null;
  const onEdge = (which: EngineEdge) => {
    if (which === 'window-start') windowMeter = meter(options.nodeCpuSeconds);
    else window = windowMeter?.stop() ?? null;
  };
  if (workerPath === null) {
    const run = await runEngineJob(job, onEdge);
    return { run, isolation: 'in this process (no build): CPU and RSS include the harness', window };
  }
  const execArgv = options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir] : [];
  const run = await new Promise<EngineRun>((resolve, reject) => {
    const child = fork(workerPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let reply: { result?: EngineRun; error?: string } | null = null;
    child.on('message', (message: { edge?: EngineEdge; result?: EngineRun; error?: string }) => {
      if (message.edge) onEdge(message.edge);
      else reply = message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.error !== undefined) reject(new Error(reply.error));
      else if (reply?.result) resolve(reply.result);
      else reject(new Error(`the engine process stopped (${signal ?? `exit code ${code}`}) without a result`));
    });
    child.send(job);
  });
  return { run, isolation: `in a Node process of its own (${workerPath.replace(/.*\/dist\//, 'dist/')}): its CPU and RSS only`, window };
}

function engineFigures(outcome: EngineOutcome, cores: number): EngineFigures {
  const { run, window } = outcome;
  const durations = run.ticks.map((t) => t.durationMs);
  const answered = run.ticks.reduce((sum, t) => sum + t.answered, 0);
  const cpuMs = run.window.cpuUserMs + run.window.cpuSystemMs;
  const steady = run.ticks.slice(1);
  const steadySpanS = steady.length > 1 ? (steady.at(-1)!.endedAtMs - run.ticks[0]!.endedAtMs) / 1000 : null;
  return {
    run,
    isolation: outcome.isolation,
    ticks: stat(durations),
    steadyTicks: stat(steady.map((t) => t.durationMs)),
    firstTickMs: run.ticks[0]?.durationMs ?? null,
    ticksWithLateNodes: run.ticks.filter((t) => t.answered < run.nodes).length,
    cpuPctOfCore: (cpuMs / (run.window.seconds * 1000)) * 100,
    cpuPctOfCoreAtTargetInterval:
      run.intervalMs === SSH_TARGETS.intervalMs || steady.length === 0
        ? (cpuMs / (run.window.seconds * 1000)) * 100
        : (median(steady.map((t) => t.cpuMs)) / SSH_TARGETS.intervalMs) * 100,
    steadyCpuPctOfCore: steadySpanS ? (steady.reduce((sum, t) => sum + t.cpuMs, 0) / (steadySpanS * 1000)) * 100 : null,
    cpuMsPerNodeSample: answered ? cpuMs / answered : null,
    steadyCpuMsPerTick: stat(steady.map((t) => t.cpuMs)),
    rssAfterFirstTickMb: run.ticks[0]?.rssMb ?? null,
    rssLaterTicksMaxMb: steady.length ? Math.max(...steady.map((t) => t.rssMb)) : null,
    rssPeakMb: Math.max(run.memory.peakRssMb, run.memory.hwmRssMb ?? 0),
    nodeCpuPctOfCore: window?.nodeCpu != null ? (window.nodeCpu / window.seconds) * 100 : null,
    nodeFloorMsPerTick: window?.nodeCpu != null ? ((window.nodeCpu / ((window.seconds * 1000) / run.intervalMs)) * 1000) / cores : null,
    nodeCpuMsPerSample: window?.nodeCpu != null && answered ? (window.nodeCpu * 1000) / answered : null,
    machineBusyPctOfCore: window?.machineBusy != null ? (window.machineBusy / window.seconds) * 100 : null,
  };
}

// ------------------------------------------------------------------ the OpenSSH loop

interface SshRun {
  ms: number;
  ok: boolean;
  error: string | null;
}

function runSsh(args: readonly string[], command: string, expect: string | null, timeoutMs = 60_000): Promise<SshRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('ssh', [...args, command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 4096) err += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = (error: string | null) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, ok: error === null, error });
    };
    child.once('error', (error) => done(`cannot run ssh: ${error.message}`));
    child.once('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8');
      if (code !== 0)
        done(
          `ssh ${signal ? `killed by ${signal}` : `exit ${code}`}: ${
            err
              .trim()
              .split('\n')
              .at(-1)
              ?.replace(/\b\d{1,3}(\.\d{1,3}){3}\b/g, 'ADDRESS')
              .replace(/port \d+/g, 'port N') ?? ''
          }`,
        );
      else if (expect !== null && !stdout.includes(expect)) done('the output lacks the end marker');
      else done(null);
    });
  });
}

async function runOpenssh(
  nodes: readonly SshNode[],
  gpuNodeIds: ReadonlySet<string> | null,
  options: SshBenchOptions,
  knownHosts: string[],
): Promise<OpensshFigures> {
  const parallel = options.opensshParallel ?? 16;
  const roundsWanted = options.opensshRounds ?? 3;
  const log = options.log ?? (() => {});
  const planned = nodes.map((node) => ({ node, args: opensshArgs(node, knownHosts, options.acceptNew ?? false) }));
  const runnable = planned.filter((p): p is { node: SshNode; args: string[] } => p.args !== null);
  const commandFor = (node: SshNode) => sampleCommandLine(gpuNodeIds === null || gpuNodeIds.has(node.id) ? 'current' : 'none');
  const rounds: OpensshRound[] = [];
  const runMs: number[] = [];
  const errors = new Map<string, number>();
  const childBefore = childCpuSeconds();
  const m = meter(options.nodeCpuSeconds);
  for (let r = 0; r < roundsWanted; r += 1) {
    const started = performance.now();
    let next = 0;
    let ok = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: Math.min(parallel, runnable.length) }, async () => {
        for (let i = next++; i < runnable.length; i = next++) {
          const { node, args } = runnable[i]!;
          const run = await runSsh(args, commandFor(node), '@@clusterdeck:done@@');
          runMs.push(run.ms);
          if (run.ok) ok += 1;
          else {
            failed += 1;
            countBy(errors, run.error!);
          }
        }
      }),
    );
    rounds.push({ seconds: (performance.now() - started) / 1000, ok, failed });
    log(`OpenSSH loop: round ${r + 1}/${roundsWanted} over ${runnable.length} nodes took ${rounds.at(-1)!.seconds.toFixed(1)} s (${failed} failed)`);
  }
  const measured = m.stop();
  const clientCpu = (childCpuSeconds() - childBefore) / rounds.length;
  const samples = rounds.reduce((sum, r) => sum + r.ok, 0);
  return {
    parallel,
    rounds,
    round: stat(rounds.map((r) => r.seconds * 1000)),
    runMs: stat(runMs),
    clientCpuSecondsPerRound: clientCpu,
    clientCpuPctOfCoreAtInterval: (clientCpu / ((options.intervalMs ?? 5000) / 1000)) * 100,
    nodeCpuSecondsPerRound: measured.nodeCpu === null ? null : measured.nodeCpu / rounds.length,
    nodeCpuMsPerSample: measured.nodeCpu === null || samples === 0 ? null : (measured.nodeCpu * 1000) / samples,
    machineBusyPctOfCore: measured.machineBusy === null ? null : (measured.machineBusy / measured.seconds) * 100,
    errors: sortedCounts(errors),
    skipped: planned.length - runnable.length,
  };
}

// ------------------------------------------------------------------ microbenchmarks

interface Connected {
  client: Client;
  ms: number;
}

/**
 * One ssh2 connection made by hand: `noDelay` true or false on a socket we open (as the engine
 * does), or 'default' to let ssh2 open the socket itself (its default, Nagle on).
 */
async function connectRaw(node: SshNode, knownHosts: readonly string[], acceptNew: boolean, noDelay: boolean | 'default'): Promise<Connected> {
  const credentials = await loadCredentials(node.identityFiles, node.useAgent, noSecretStore);
  const key = credentials.privateKeys[0];
  const started = performance.now();
  const client = new Client();
  const config: ConnectConfig = {
    username: node.user,
    readyTimeout: 20_000,
    privateKey: key?.key,
    passphrase: key?.passphrase,
    agent: credentials.agent,
    hostVerifier: (blob: Buffer) => {
      const verdict = verifyHostKey(knownHosts, node.host, node.port, { type: keyTypeOfBlob(blob), blob: Buffer.from(blob) });
      return verdict.kind === 'trusted' || (verdict.kind === 'unknown' && acceptNew);
    },
  };
  if (noDelay === 'default') {
    config.host = node.host;
    config.port = node.port;
  } else {
    config.sock = tcpConnect({ host: node.host, port: node.port, noDelay });
  }
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (error) => {
      client.end();
      reject(error);
    });
    client.connect(config);
  });
  client.on('error', () => {});
  return { client, ms: performance.now() - started };
}

function execRaw(client: Client, command: string): Promise<{ ms: number; stdout: string; code: number | null }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    client.exec(command, (error, stream) => {
      if (error) return reject(error);
      const out: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => out.push(chunk));
      stream.stderr.on('data', () => {});
      stream.on('close', (code: number | null) => resolve({ ms: performance.now() - started, stdout: Buffer.concat(out).toString('utf8'), code }));
    });
  });
}

function timed<T>(run: () => T): { ms: number; value: T } {
  const started = performance.now();
  const value = run();
  return { ms: performance.now() - started, value };
}

async function gpuTransfer(client: Client): Promise<GpuTransfer | { error: string }> {
  const probe = await execRaw(client, 'command -v nvidia-smi');
  if (probe.code !== 0) return { error: 'this node has no nvidia-smi' };
  const csvRuns: number[] = [];
  const xmlRuns: number[] = [];
  const csvParse: number[] = [];
  const xmlParse: number[] = [];
  let csvText = '';
  let xmlText = '';
  let gpus = 0;
  for (let i = 0; i < 23; i += 1) {
    const csv = await execRaw(client, GPU_CSV_COMMAND);
    const xml = await execRaw(client, GPU_XML_COMMAND);
    if (csv.code !== 0) return { error: `the --query-gpu CSV query failed (exit ${csv.code}): ${csv.stdout.trim().slice(0, 200)}` };
    if (xml.code !== 0) return { error: `nvidia-smi -q -x failed (exit ${xml.code})` };
    const parsedCsv = timed(() => parseNvidiaSmiCsv(csv.stdout, GPU_QUERY_FIELDS.current));
    const parsedXml = timed(() => parseNvidiaSmiXml(xml.stdout));
    csvText = csv.stdout;
    xmlText = xml.stdout;
    gpus = parsedCsv.value.gpus.length;
    if (i < 3) continue; // warm-up
    csvRuns.push(csv.ms);
    xmlRuns.push(xml.ms);
    csvParse.push(parsedCsv.ms);
    xmlParse.push(parsedXml.ms);
  }
  return {
    gpus,
    csv: { bytes: Buffer.byteLength(csvText), execMs: stat(csvRuns), parseMs: stat(csvParse) },
    xml: { bytes: Buffer.byteLength(xmlText), execMs: stat(xmlRuns), parseMs: stat(xmlParse) },
  };
}

async function runMicro(node: SshNode, options: SshBenchOptions, knownHosts: string[]): Promise<MicroFigures> {
  const acceptNew = options.acceptNew ?? false;
  const log = options.log ?? (() => {});
  log(`microbenchmarks on ${node.user}@${node.host}:${node.port}`);
  const connect = { noDelay: [] as number[], nagle: [] as number[] };
  for (let i = 0; i < 22; i += 1) {
    for (const noDelay of [true, false]) {
      const { client, ms } = await connectRaw(node, knownHosts, acceptNew, noDelay);
      client.end();
      if (i >= 2) (noDelay ? connect.noDelay : connect.nagle).push(ms);
    }
  }
  const kept = { noDelay: [] as number[], nagle: [] as number[] };
  for (const noDelay of [true, false]) {
    const { client } = await connectRaw(node, knownHosts, acceptNew, noDelay);
    for (let i = 0; i < 53; i += 1) {
      const { ms } = await execRaw(client, 'true');
      if (i >= 3) (noDelay ? kept.noDelay : kept.nagle).push(ms);
    }
    client.end();
  }
  // 50 execs: on one kept connection (as the engine does) against 50 fresh default connections.
  const one = await connectRaw(node, knownHosts, acceptNew, true);
  let started = performance.now();
  for (let i = 0; i < 50; i += 1) await execRaw(one.client, 'true');
  const oneConnection = (performance.now() - started) / 1000;
  const gpu = await gpuTransfer(one.client);
  one.client.end();
  started = performance.now();
  for (let i = 0; i < 50; i += 1) {
    const fresh = await connectRaw(node, knownHosts, acceptNew, 'default');
    await execRaw(fresh.client, 'true');
    fresh.client.end();
  }
  const freshConnections = (performance.now() - started) / 1000;

  let opensshRunMs: Stat | null = null;
  let opensshError: string | null = null;
  const args = opensshArgs(node, knownHosts, acceptNew);
  if (args) {
    const runs: number[] = [];
    for (let i = 0; i < 22 && opensshError === null; i += 1) {
      const run = await runSsh(args, 'true', null);
      if (!run.ok) opensshError = run.error;
      else if (i >= 2) runs.push(run.ms);
    }
    opensshRunMs = runs.length ? stat(runs) : null;
  }
  return {
    node: `${node.user}@${node.host}:${node.port}`,
    connectAuthMs: { noDelay: stat(connect.noDelay), nagle: stat(connect.nagle) },
    keptExecMs: { noDelay: stat(kept.noDelay), nagle: stat(kept.nagle) },
    fiftyExecsSeconds: { oneConnection, freshConnections },
    opensshRunMs,
    opensshError,
    gpu,
  };
}

// ------------------------------------------------------------------ the whole run

const errorOf = (error: unknown) => ({ error: (error as Error).message ?? String(error) });

export async function runSshBench(options: SshBenchOptions): Promise<SshBenchResult> {
  const began = performance.now();
  const log = options.log ?? ((line: string) => process.stderr.write(`[bench ssh] ${line}\n`));
  options = { ...options, log };
  const intervalMs = options.intervalMs ?? 5000;
  const nodes = replicateNodes(options.routes, options.nodes ?? options.routes.length);
  const routes = distinctRoutes(nodes);
  const knownHosts = [options.knownHostsFile, ...(options.userKnownHostsFiles ?? [join(homedir(), '.ssh', 'known_hosts')])];
  const cpuList = cpus();
  const result: SshBenchResult = {
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      node: process.version,
      loadAverage: [loadavg()[0]!, Number.NaN],
      openFilesLimit: openFilesLimit(),
    },
    nodes: nodes.length,
    routes,
    intervalMs,
    durationMs: options.durationMs,
    setup: options.setup ?? [],
    nodesOnThisMachine: options.nodeCpuSeconds !== undefined,
    gpuNote: options.gpuNote ?? null,
    engine: { error: 'not run' },
    openssh: null,
    micro: null,
    targets: SSH_TARGETS,
    earlier: EARLIER,
    misses: [],
    warnings: [],
    seconds: 0,
  };
  if (routes < nodes.length) {
    result.warnings.push(
      `${nodes.length} logical nodes share ${routes} SSH connection${routes === 1 ? '' : 's'} (one per user@host:port): the engine multiplexes their commands as channels of those connections, so this is not ${nodes.length} real connections. Give more hosts (or ports) for a realistic fleet.`,
    );
  }
  const limit = result.machine.openFilesLimit;
  if (limit !== null && limit < routes + 256) result.warnings.push(`open files limit ${limit} is close to the ${routes} connections: raise it (ulimit -n)`);

  if (options.micro !== false) {
    const microNode = options.microRoute ?? options.routes.find((r) => r.proxyJump.length === 0);
    if (!microNode) result.micro = { error: 'every node is behind a ProxyJump: no direct node to measure' };
    else result.micro = await runMicro(microNode, options, knownHosts).catch(errorOf);
  }

  const scratch = mkdtempSync(join(tmpdir(), 'cd-bench-ssh-'));
  try {
    log(`engine: ${nodes.length} nodes over ${routes} connections, every ${intervalMs / 1000} s for ${Math.round(options.durationMs / 1000)} s after start`);
    const job: EngineJob = {
      nodes,
      intervalMs,
      durationMs: options.durationMs,
      dbPath: join(scratch, 'bench.db'),
      knownHostsFile: options.knownHostsFile,
      userKnownHostsFiles: options.userKnownHostsFiles,
      acceptNew: options.acceptNew ?? false,
    };
    const outcome = await runEngine(job, options).catch(errorOf);
    result.engine = isError(outcome) ? outcome : engineFigures(outcome, result.machine.cpus);
    if (!isError(result.engine)) {
      const e = result.engine;
      const cores = result.machine.cpus;
      const saturated = e.machineBusyPctOfCore !== null && e.machineBusyPctOfCore >= 85 * cores;
      const nodeBound = e.nodeFloorMsPerTick !== null && e.nodeFloorMsPerTick >= SSH_TARGETS.tickP95Ms / 2;
      if (saturated || nodeBound) {
        result.warnings.push(
          [
            saturated ? `this machine was saturated while the engine ran (busy ${fmt(e.machineBusyPctOfCore, 0)}% of ${cores * 100}%)` : null,
            nodeBound
              ? `the nodes' own processes took ${fmt(e.nodeCpuPctOfCore, 0)}% of one core, ${fmtMs(e.nodeFloorMsPerTick! * cores)} of CPU per tick: on ${cores} cores no tick can end in less than ${fmtMs(e.nodeFloorMsPerTick)} here`
              : null,
          ]
            .filter(Boolean)
            .join('; ') +
            ". Tick durations here measure this machine as much as the engine; the engine's CPU per tick is what carries over to a real fleet, where every node answers on its own CPU.",
        );
      }
      if (e.ticksWithLateNodes > 0) {
        result.warnings.push(
          `${e.ticksWithLateNodes} of ${e.run.ticks.length} ticks went without some nodes (their collection outlasted the tick's deadline of 80% of the interval; the fewest answering: ${Math.min(...e.run.ticks.map((x) => x.answered))} of ${e.run.nodes})`,
        );
      }
      log(
        `engine: start ${(e.run.startMs / 1000).toFixed(1)} s, ${e.run.ticks.length} ticks, p50 ${e.ticks.p50} ms, p95 ${e.ticks.p95} ms, CPU ${e.cpuPctOfCore.toFixed(1)}% of a core, RSS ${e.rssPeakMb.toFixed(0)} MB`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }

  if (options.openssh !== false) {
    const gpuNodeIds = isError(result.engine) ? null : new Set(result.engine.run.gpuNodeIds);
    result.openssh = await runOpenssh(nodes, gpuNodeIds, options, knownHosts).catch(errorOf);
  }

  result.machine.loadAverage[1] = loadavg()[0]!;
  result.seconds = (performance.now() - began) / 1000;
  result.misses = misses(result);
  return result;
}

function misses(r: SshBenchResult): string[] {
  const out: string[] = [];
  const t = r.targets;
  if (r.nodes < t.nodes) out.push(`nodes: ${r.nodes}, the targets are for ${t.nodes} (--nodes ${t.nodes})`);
  if (isError(r.engine)) {
    out.push(`engine: ${r.engine.error}`);
    return out;
  }
  const e = r.engine;
  if (e.run.upAtEnd < e.run.nodes) out.push(`nodes up at the end: ${e.run.upAtEnd} of ${e.run.nodes}`);
  if (!(e.ticks.p95 <= t.tickP95Ms)) out.push(`tick p95 ${fmtMs(e.ticks.p95)} > ${fmtMs(t.tickP95Ms)}`);
  if (!(e.cpuPctOfCoreAtTargetInterval <= t.cpuPctOfCore)) {
    out.push(
      `engine CPU ${fmt(e.cpuPctOfCoreAtTargetInterval, 1)}% of one core > ${t.cpuPctOfCore}%${r.intervalMs === t.intervalMs ? '' : ` (its ticks every ${fmt(t.intervalMs / 1000, 0)} s)`}`,
    );
  }
  if (!(e.rssPeakMb <= t.rssMb)) out.push(`engine RSS peak ${fmt(e.rssPeakMb, 0)} MB > ${t.rssMb} MB`);
  return out;
}

// ------------------------------------------------------------------ the report

function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  return ms >= 10_000 ? `${fmt(ms / 1000, 1)} s` : ms >= 1000 ? `${fmt(ms / 1000, 2)} s` : ms >= 10 ? `${fmt(ms, 0)} ms` : `${fmt(ms, 1)} ms`;
}

export function formatSshBench(r: SshBenchResult): string {
  const out: string[] = [];
  const minutes = Math.floor(r.seconds / 60);
  out.push(
    `bench ssh: ${r.nodes} logical nodes over ${r.routes} SSH connection${r.routes === 1 ? '' : 's'}, a tick every ${fmt(r.intervalMs / 1000, 0)} s for ${fmtMs(r.durationMs)}; Node ${r.machine.node}, ${r.machine.cpus} x ${r.machine.cpuModel}; took ${minutes} min ${Math.round(r.seconds - minutes * 60)} s`,
  );
  for (const line of r.setup) out.push(`  ${line}`);
  if (r.gpuNote) out.push(`  GPUs: ${r.gpuNote}`);
  out.push(`  open files limit (ulimit -n) ${r.machine.openFilesLimit === null ? 'unknown' : fmt(r.machine.openFilesLimit, 0)}`);
  out.push(
    `  load average (1 min) ${fmt(r.machine.loadAverage[0], 2)} at the start, ${fmt(r.machine.loadAverage[1], 2)} at the end: other work on the machine slows the timings${r.nodesOnThisMachine ? " (the nodes' own processes count in it too)" : ''}`,
  );

  const e = isError(r.engine) ? null : r.engine;
  const o = r.openssh && !isError(r.openssh) ? r.openssh : null;
  const t = r.targets;
  const interval = r.intervalMs;
  out.push('', `Engine against a loop of the OpenSSH client over the same ${r.nodes} nodes`);
  if (e) out.push(`  engine: ${e.isolation}`);
  else out.push(`  engine: failed: ${(r.engine as { error: string }).error}`);
  if (o)
    out.push(
      `  OpenSSH loop: \`ssh -F /dev/null -o BatchMode=yes ... -i KEY -p PORT USER@HOST '<the per-tick sample script>'\`, ${o.parallel} at a time, ${o.rounds.length} rounds back to back`,
    );
  else if (r.openssh) out.push(`  OpenSSH loop: failed: ${(r.openssh as { error: string }).error}`);
  else out.push('  OpenSSH loop: not run');
  const rows: string[][] = [
    [
      'nodes answering each tick / round (min)',
      `${r.nodes}`,
      e && e.run.ticks.length ? `${Math.min(...e.run.ticks.map((x) => x.answered))} of ${e.run.nodes}` : '-',
      o && o.rounds.length ? `${Math.min(...o.rounds.map((x) => x.ok))} of ${r.nodes - o.skipped}` : '-',
    ],
    ['tick / round duration p50', '', e ? fmtMs(e.ticks.p50) : '-', o ? fmtMs(o.round.p50) : '-'],
    [
      'tick / round duration p95',
      `<= ${fmtMs(t.tickP95Ms)}`,
      e ? `${fmtMs(e.ticks.p95)} ${mark(e.ticks.p95 <= t.tickP95Ms)}` : '-',
      o ? `${fmtMs(o.round.p95)} ${o.round.p95 <= interval ? '' : `(> the ${fmt(interval / 1000, 0)} s interval)`}`.trim() : '-',
    ],
    ['tick / round duration max', '', e ? fmtMs(e.ticks.max) : '-', o ? fmtMs(o.round.max) : '-'],
    [
      'CPU, % of one core',
      `<= ${t.cpuPctOfCore}`,
      e
        ? interval === t.intervalMs
          ? `${fmt(e.cpuPctOfCore, 1)} ${mark(e.cpuPctOfCore <= t.cpuPctOfCore)}`
          : `${fmt(e.cpuPctOfCore, 1)}; its ticks every ${fmt(t.intervalMs / 1000, 0)} s: ${fmt(e.cpuPctOfCoreAtTargetInterval, 1)} ${mark(e.cpuPctOfCoreAtTargetInterval <= t.cpuPctOfCore)}`
        : '-',
      o ? `${fmt(o.clientCpuPctOfCoreAtInterval, 0)} (ssh processes, if a round ran every ${fmt(interval / 1000, 0)} s)` : '-',
    ],
    [
      'CPU per node sample',
      '',
      e ? fmtMs(e.cpuMsPerNodeSample) : '-',
      o ? fmtMs((o.clientCpuSecondsPerRound * 1000) / Math.max(1, median(o.rounds.map((x) => x.ok)))) : '-',
    ],
    ['RSS peak, MB', `<= ${t.rssMb}`, e ? `${fmt(e.rssPeakMb, 0)} ${mark(e.rssPeakMb <= t.rssMb)}` : '-', o ? 'a few MB per ssh process' : '-'],
  ];
  if ((e && e.nodeCpuMsPerSample !== null) || (o && o.nodeCpuMsPerSample !== null)) {
    rows.push(['node side: CPU per node sample (sshd, shell, script)', '', e ? fmtMs(e.nodeCpuMsPerSample) : '-', o ? fmtMs(o.nodeCpuMsPerSample) : '-']);
  }
  if ((e && e.machineBusyPctOfCore !== null) || (o && o.machineBusyPctOfCore !== null)) {
    rows.push([
      'whole machine busy, % of one core',
      `${r.machine.cpus * 100} = all`,
      e ? fmt(e.machineBusyPctOfCore, 0) : '-',
      o ? fmt(o.machineBusyPctOfCore, 0) : '-',
    ]);
  }
  out.push(formatColumns(['figure', 'target', 'Clusterdeck engine', 'OpenSSH loop'], rows));

  if (e) {
    const run = e.run;
    out.push('', 'Engine details');
    out.push(
      formatColumns(
        ['figure', 'value'],
        [
          ['start(): connect, auth, facts, first reading of every node', `${fmtMs(run.startMs)} (CPU ${fmtMs(run.startCpuMs)})`],
          ['until every node was up (from createEngine)', run.allUpMs === null ? `never: ${run.upAtEnd} of ${run.nodes} up at the end` : fmtMs(run.allUpMs)],
          ['ticks measured', `${run.ticks.length} (skipped grid points: ${run.skippedTicks}; ticks with late nodes: ${e.ticksWithLateNodes})`],
          ['first tick (also reads `nvidia-smi -q -x` of every GPU node)', fmtMs(e.firstTickMs)],
          ['later ticks p50 / p95 / max', `${fmtMs(e.steadyTicks.p50)} / ${fmtMs(e.steadyTicks.p95)} / ${fmtMs(e.steadyTicks.max)}`],
          ['CPU, later ticks only, % of one core', fmt(e.steadyCpuPctOfCore, 1)],
          [
            'CPU per later tick p50 / p95 (mostly one JS thread: a floor for the tick)',
            `${fmtMs(e.steadyCpuMsPerTick.p50)} / ${fmtMs(e.steadyCpuMsPerTick.p95)}`,
          ],
          [
            'CPU user / system over the window',
            `${fmt(run.window.cpuUserMs / 1000, 1)} s / ${fmt(run.window.cpuSystemMs / 1000, 1)} s in ${fmt(run.window.seconds, 0)} s`,
          ],
          [
            'RSS: connected / after the first tick / later ticks max / at the end',
            `${fmt(run.memory.startedRssMb, 0)} / ${fmt(e.rssAfterFirstTickMb, 0)} / ${fmt(e.rssLaterTicksMaxMb, 0)} / ${fmt(run.memory.endRssMb, 0)} MB`,
          ],
          [
            'RSS peak sampled / VmHWM (whole life); V8 heap used at the end',
            `${fmt(run.memory.peakRssMb, 0)} / ${fmt(run.memory.hwmRssMb, 0)} MB; ${fmt(run.memory.endHeapUsedMb, 0)} MB`,
          ],
          ['event loop delay p50 / p99 / max', `${fmtMs(run.eventLoopDelayMs.p50)} / ${fmtMs(run.eventLoopDelayMs.p99)} / ${fmtMs(run.eventLoopDelayMs.max)}`],
          ["nodes' processes (sshd, shells, scripts), % of one core", fmt(e.nodeCpuPctOfCore, 0)],
          [`nodes' CPU per tick / ${r.machine.cpus} cores: the least a tick can take on this machine`, fmtMs(e.nodeFloorMsPerTick)],
        ],
      ),
    );
    if (run.problems.length) out.push('  nodes not up at the end:', ...run.problems.map((p) => `    ${p.count} x ${p.status}: ${p.message}`));
    if (run.logged.length) out.push('  the engine logged:', ...run.logged.map((l) => `    ${l.count} x ${l.level}: ${l.message}`));
  }
  if (o) {
    out.push('', 'OpenSSH loop details');
    out.push(
      formatColumns(
        ['figure', 'value'],
        [
          ['rounds (s)', o.rounds.map((x) => fmt(x.seconds, 1)).join(', ')],
          ['one ssh run p50 / p95 / max', `${fmtMs(o.runMs.p50)} / ${fmtMs(o.runMs.p95)} / ${fmtMs(o.runMs.max)}`],
          ['ssh processes CPU per round', `${fmt(o.clientCpuSecondsPerRound, 1)} s`],
          ['lab processes CPU per round', o.nodeCpuSecondsPerRound === null ? '-' : `${fmt(o.nodeCpuSecondsPerRound, 1)} s`],
        ],
      ),
    );
    if (o.skipped) out.push(`  ${o.skipped} nodes skipped: more than one ProxyJump hop`);
    if (o.errors.length) out.push('  failures:', ...o.errors.map((x) => `    ${x.count} x ${x.message}`));
  }

  if (r.micro) {
    out.push('', 'Microbenchmarks');
    if (isError(r.micro)) out.push(`  failed: ${r.micro.error}`);
    else {
      const m = r.micro;
      const x = r.earlier;
      out.push(`  node ${m.node}; medians (p95 in brackets); "earlier": the figures noted on this project's loopback lab before`);
      const both = (a: Stat, b: Stat) => `${fmtMs(a.p50)} / ${fmtMs(b.p50)} (${fmtMs(a.p95)} / ${fmtMs(b.p95)})`;
      const microRows: string[][] = [
        [
          `connect + auth, TCP_NODELAY on / off (${m.connectAuthMs.noDelay.count} each)`,
          both(m.connectAuthMs.noDelay, m.connectAuthMs.nagle),
          `${x.connectAuthMs.noDelay} / ${x.connectAuthMs.nagle} ms`,
        ],
        [
          `one exec (\`true\`) on a kept connection, on / off (${m.keptExecMs.noDelay.count} each)`,
          both(m.keptExecMs.noDelay, m.keptExecMs.nagle),
          `${x.keptExecMs.noDelay} / ${x.keptExecMs.nagle} ms`,
        ],
        [
          '50 execs: one kept connection / 50 fresh ssh2 default connections',
          `${fmt(m.fiftyExecsSeconds.oneConnection, 2)} s / ${fmt(m.fiftyExecsSeconds.freshConnections, 2)} s`,
          `${x.fiftyExecsS.oneConnection} s / ${x.fiftyExecsS.freshConnections} s`,
        ],
        [
          'OpenSSH client, one `ssh host true`',
          m.opensshRunMs ? `${fmtMs(m.opensshRunMs.p50)} (${fmtMs(m.opensshRunMs.p95)})` : `failed: ${m.opensshError ?? 'not run'}`,
          `${x.opensshRunMs} ms`,
        ],
      ];
      out.push(formatColumns(['figure', 'now', 'earlier'], microRows));
      if (isError(m.gpu)) out.push(`  GPU query over SSH: ${m.gpu.error}`);
      else {
        const g = m.gpu;
        out.push(`  GPU query over SSH, ${g.gpus} GPUs: exec = the node runs nvidia-smi and the output comes back; parse = here`);
        out.push(
          formatColumns(
            ['query', 'bytes', 'exec p50 (p95)', 'parse p50 (p95)'],
            [
              [
                '--query-gpu CSV (noheader, nounits; the per-tick query)',
                fmt(g.csv.bytes, 0),
                `${fmtMs(g.csv.execMs.p50)} (${fmtMs(g.csv.execMs.p95)})`,
                `${fmtMs(g.csv.parseMs.p50)} (${fmtMs(g.csv.parseMs.p95)})`,
              ],
              [
                '-q -x XML (every 5 min, and the fallback)',
                fmt(g.xml.bytes, 0),
                `${fmtMs(g.xml.execMs.p50)} (${fmtMs(g.xml.execMs.p95)})`,
                `${fmtMs(g.xml.parseMs.p50)} (${fmtMs(g.xml.parseMs.p95)})`,
              ],
            ],
          ),
        );
      }
    }
  }

  if (r.warnings.length) out.push('', 'Warnings', ...r.warnings.map((w) => `  ${w}`));
  out.push('', r.misses.length ? 'Misses' : 'Misses: none, every figure meets its target');
  out.push(...r.misses.map((m) => `  ${m}`));
  return out.join('\n');
}
