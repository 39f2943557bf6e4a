/**
 * `bench prometheus`: the engine reading N nodes from a real Prometheus, beside the engine polling
 * M light simulated SSH nodes, each measured in a Node process of its own.
 *
 * - Prometheus side: synthetic exporters (prometheus-sim.ts: a node_exporter and, on 3 nodes of 4,
 *   a dcgm-exporter per node, each on a loopback address of its own, from real captures) scraped
 *   every interval by Debian's Prometheus, or VictoriaMetrics with --engine victoria-metrics
 *   (prometheus-server.ts); the engine has one source and
 *   nothing else (prometheus-bench-worker.ts): tick p50/p95, CPU, RSS, chart latency.
 * - SSH side: ssh-sim.ts, one process of ssh2 servers with real host keys (known_hosts written for
 *   them) and public-key auth, answering the engine's scripts from recordings; the engine phase
 *   of `bench ssh` (runSshBench: ssh-bench-worker.ts) polls them.
 * Simulators and Prometheus run in processes of their own; their CPU is reported apart.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SshNode } from '../shared/model/inventory';
import type { PromEngineJob, PromEngineRun } from './prometheus-bench-worker';
import { benchEngineName, startBenchPrometheus, type BenchEngine } from './prometheus-server';
import type { ExporterSimJob, ExporterSimReady } from './prometheus-sim';
import type { SshSimJob, SshSimReady } from './ssh-sim';
import type { KernelLogReplay } from './ssh-sim-replies';
import type { EngineRun, MemorySplit } from './ssh-bench-worker';
import { machineBusySeconds, runSshBench, SSH_TARGETS, type EngineFigures, type SshBenchResult, type Stat, stat } from './ssh-bench';
import { fmt, formatColumns, isError, mark, openPeriodText } from './stats';

export const PROMETHEUS_TARGETS = {
  nodes: 1000,
  /** "a tick under 1 s" */
  tickP95Ms: 1000,
} as const;

export interface PrometheusBenchOptions {
  nodes: number;
  /** SSH nodes (0: no SSH side). */
  sshNodes: number;
  gpus: number;
  /** The query engine scraping the exporters and read by the source (default prometheus). */
  engine?: BenchEngine;
  /** What the SSH nodes' dmesg prints: this machine's ring buffer (default), or nothing. */
  kernelLog?: KernelLogReplay;
  durationMs: number;
  intervalMs: number;
  profileDir?: string;
  log?: (line: string) => void;
}

export interface PromSideFigures {
  /** The query engine read: Prometheus, or VictoriaMetrics with --engine victoria-metrics. */
  engine: { name: string; version: string };
  seriesPerNode: { node: number; dcgm: number };
  targets: number;
  run: PromEngineRun;
  ticks: Stat;
  steadyTicks: Stat;
  cpuPctOfCore: number;
  rssPeakMb: number;
  /** CPU of the query engine and of the exporter simulator over the window, % of one core. */
  prometheusCpuPctOfCore: number | null;
  exporterCpuPctOfCore: number | null;
  machineBusyPctOfCore: number | null;
}

export interface PrometheusBenchResult {
  machine: { cpus: number; cpuModel: string; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  nodes: number;
  /** The query engine of the Prometheus side. */
  engine: BenchEngine;
  sshNodes: number;
  gpusPerGpuNode: number;
  intervalMs: number;
  durationMs: number;
  prometheus: PromSideFigures | { error: string } | null;
  kernelLog: KernelLogReplay;
  ssh: { result: SshBenchResult; simulatorRecordings: number | null } | { error: string } | null;
  misses: string[];
  seconds: number;
}

/** CPU seconds of a process and its reaped children so far (/proc/PID/stat), NaN when gone. */
export function processCpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return Number.NaN;
  }
}

const built = (name: string) => {
  const path = join(__dirname, `${name}.js`);
  if (!existsSync(path)) throw new Error(`${path} is missing: build the benchmarks first (npm run build:bench)`);
  return path;
};

/** Forks a built helper, sends it the job and resolves with its first `ready` message. */
function forkReady<Job, Ready>(name: string, job: Job): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(built(name), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('message', (message: { ready?: Ready; error?: string }) => {
      child.off('exit', onExit);
      if (message.ready) resolve({ child, ready: message.ready });
      else {
        child.kill();
        reject(new Error(`${name}: ${message.error ?? 'no answer'}`));
      }
    });
    child.send(job as object);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

function runPromEngine(job: PromEngineJob, profileDir: string | undefined): Promise<PromEngineRun> {
  const execArgv = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  return new Promise((resolve, reject) => {
    const child = fork(built('prometheus-bench-worker'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    let reply: { result?: PromEngineRun; error?: string } | null = null;
    child.on('message', (message: { result?: PromEngineRun; error?: string }) => (reply = message));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (reply?.error !== undefined) reject(new Error(reply.error));
      else if (reply?.result) resolve(reply.result);
      else reject(new Error(`the engine process stopped (${signal ?? `exit code ${code}`}) without a result`));
    });
    child.send(job);
  });
}

async function prometheusSide(options: PrometheusBenchOptions, dir: string, log: (line: string) => void): Promise<PromSideFigures> {
  log(`Prometheus side: ${options.nodes} simulated nodes (${options.gpus} GPUs on 3 of 4)`);
  const sim = await forkReady<ExporterSimJob, ExporterSimReady>('prometheus-sim', { nodes: options.nodes, gpus: options.gpus });
  try {
    const { targets } = sim.ready;
    const jobs = { node: targets.map((t) => t.nodeExporter), dcgm: targets.flatMap((t) => (t.dcgm ? [t.dcgm] : [])) };
    const prometheus = await startBenchPrometheus(options.engine ?? 'prometheus', join(dir, 'prometheus'), jobs, options.intervalMs, log);
    try {
      log(
        `  ${prometheus.name} ${prometheus.version} scrapes ${jobs.node.length + jobs.dcgm.length} targets every ${options.intervalMs / 1000} s; the engine reads it`,
      );
      const cpu0 = { prom: processCpuSeconds(prometheus.pid), sim: processCpuSeconds(sim.child.pid!), busy: machineBusySeconds(), at: performance.now() };
      const run = await runPromEngine(
        {
          url: prometheus.url,
          intervalMs: options.intervalMs,
          durationMs: options.durationMs,
          dbPath: join(dir, 'prometheus-engine.db'),
          expectedNodes: options.nodes,
          chartNode: targets[0]!.node,
        },
        options.profileDir,
      );
      const seconds = (performance.now() - cpu0.at) / 1000;
      const pct = (before: number, after: number) => (Number.isFinite(before) && Number.isFinite(after) ? ((after - before) / seconds) * 100 : null);
      const durations = run.ticks.map((t) => t.durationMs);
      return {
        engine: { name: prometheus.name, version: prometheus.version },
        seriesPerNode: sim.ready.seriesPerNode,
        targets: jobs.node.length + jobs.dcgm.length,
        run,
        ticks: stat(durations),
        steadyTicks: stat(durations.slice(1)),
        cpuPctOfCore: (run.window.cpuMs / (run.window.seconds * 1000)) * 100,
        rssPeakMb: Math.max(run.memory.peakRssMb, run.memory.hwmRssMb ?? 0),
        prometheusCpuPctOfCore: pct(cpu0.prom, processCpuSeconds(prometheus.pid)),
        exporterCpuPctOfCore: pct(cpu0.sim, processCpuSeconds(sim.child.pid!)),
        machineBusyPctOfCore: pct(cpu0.busy, machineBusySeconds()),
      };
    } finally {
      await prometheus.stop();
    }
  } finally {
    await stopChild(sim.child);
  }
}

async function sshSide(
  options: PrometheusBenchOptions,
  dir: string,
  log: (line: string) => void,
): Promise<{ result: SshBenchResult; simulatorRecordings: number | null }> {
  log(`SSH side: ${options.sshNodes} simulated nodes in one process of ssh2 servers`);
  const simDir = join(dir, 'ssh-sim');
  const sim = await forkReady<SshSimJob, SshSimReady>('ssh-sim', {
    nodes: options.sshNodes,
    dir: simDir,
    gpus: options.gpus,
    kernelLog: options.kernelLog ?? 'this-machine',
  });
  try {
    const { nodes, identityFile, user } = sim.ready;
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, nodes.map((n) => `[${n.host}]:${n.port} ${n.hostKey}\n`).join(''));
    const routes: SshNode[] = nodes.map((n) => ({
      id: n.name,
      host: n.host,
      port: n.port,
      user,
      identityFiles: [identityFile],
      useAgent: false,
      proxyJump: [],
      labels: ['bench'],
    }));
    const result = await runSshBench({
      routes,
      durationMs: options.durationMs,
      intervalMs: options.intervalMs,
      knownHostsFile,
      userKnownHostsFiles: [],
      openssh: false,
      micro: false,
      profileDir: options.profileDir,
      nodeCpuSeconds: () => processCpuSeconds(sim.child.pid!),
      setup: [`${nodes.length} ssh2 servers in one process (pid ${sim.child.pid}), 127.77.x.y, ed25519 host keys in ${knownHostsFile}, public-key auth`],
      gpuNote: `fake nvidia-smi on 3 nodes of 4: ${options.gpus} GPUs from real captures (H100 --query-gpu rows, RTX A5000 -q -x blocks)`,
    });
    const recordings = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 2000);
      sim.child.once('message', (m: { stats?: { recordings: number } }) => {
        clearTimeout(timer);
        resolve(m.stats?.recordings ?? null);
      });
      sim.child.send({ stats: true });
    });
    return { result, simulatorRecordings: recordings };
  } finally {
    await stopChild(sim.child);
  }
}

export async function runPrometheusBench(options: PrometheusBenchOptions): Promise<PrometheusBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const began = performance.now();
  const loadAverageBefore = loadavg();
  const dir = mkdtempSync(join(tmpdir(), 'cd-bench-prom-'));
  let prometheus: PrometheusBenchResult['prometheus'];
  let ssh: PrometheusBenchResult['ssh'] = null;
  try {
    prometheus = null;
    if (options.nodes > 0) {
      try {
        prometheus = await prometheusSide(options, dir, log);
      } catch (error) {
        prometheus = { error: (error as Error).message };
      }
    }
    if (options.sshNodes > 0) {
      try {
        ssh = await sshSide(options, dir, log);
      } catch (error) {
        ssh = { error: (error as Error).message };
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result: PrometheusBenchResult = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', node: process.version, loadAverageBefore, loadAverageAfter: loadavg() },
    nodes: options.nodes,
    engine: options.engine ?? 'prometheus',
    sshNodes: options.sshNodes,
    gpusPerGpuNode: options.gpus,
    intervalMs: options.intervalMs,
    durationMs: options.durationMs,
    prometheus,
    kernelLog: options.kernelLog ?? 'this-machine',
    ssh,
    misses: [],
    seconds: (performance.now() - began) / 1000,
  };
  result.misses = misses(result);
  return result;
}

function misses(r: PrometheusBenchResult): string[] {
  const out: string[] = [];
  if (isError(r.prometheus)) out.push(`prometheus side failed: ${r.prometheus.error}`);
  else if (r.prometheus) {
    if (r.nodes < PROMETHEUS_TARGETS.nodes)
      out.push(`prometheus nodes: ${r.nodes}, the target is for ${PROMETHEUS_TARGETS.nodes} (--nodes ${PROMETHEUS_TARGETS.nodes})`);
    if (!(r.prometheus.ticks.p95 < PROMETHEUS_TARGETS.tickP95Ms))
      out.push(`prometheus tick p95 ${fmt(r.prometheus.ticks.p95, 0)} ms, target under ${PROMETHEUS_TARGETS.tickP95Ms} ms`);
    if (r.prometheus.run.upAtEnd < r.nodes) out.push(`prometheus: ${r.prometheus.run.upAtEnd} of ${r.nodes} nodes up at the end`);
  }
  if (r.ssh && isError(r.ssh)) out.push(`ssh side failed: ${r.ssh.error}`);
  else if (r.ssh) out.push(...r.ssh.result.misses.map((m) => `ssh ${m}`));
  return out;
}

const ms = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${fmt(v, v < 10 ? 1 : 0)} ms`);
const pct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${fmt(v, 1)} %`);
const mbText = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : `${fmt(v, 0)} MB`);

/** RSS and its parts (V8 heap reserved and in use, Buffers outside the heap), peak / end. */
function splitText(split: EngineRun['memorySplit']): string {
  if (split === undefined) return '-';
  const part = (key: keyof MemorySplit) => `${fmt(split.peak[key], 0)} / ${fmt(split.end[key], 0)}`;
  return `RSS ${part('rssMb')} MB, V8 heap reserved ${part('heapTotalMb')}, in use ${part('heapUsedMb')}, external ${part('externalMb')} (ArrayBuffers ${part('arrayBuffersMb')})`;
}

export function formatPrometheusBench(r: PrometheusBenchResult): string {
  const out: string[] = [];
  out.push(
    `bench prometheus: ${r.nodes} nodes from a real ${benchEngineName(r.engine)} beside ${r.sshNodes} simulated SSH nodes, every ${r.intervalMs / 1000} s for ${r.durationMs / 1000} s each`,
    `  machine: ${r.machine.cpus} x ${r.machine.cpuModel}, Node ${r.machine.node}; load average ${r.machine.loadAverageBefore.map((x) => x.toFixed(2)).join(' ')} before, ${r.machine.loadAverageAfter.map((x) => x.toFixed(2)).join(' ')} after (shared machine: other work counts)`,
    '',
  );
  const rows: string[][] = [];
  const p = r.prometheus;
  if (p && !isError(p)) {
    const okTick = p.ticks.p95 < PROMETHEUS_TARGETS.tickP95Ms;
    rows.push(
      [
        'prometheus',
        `${r.nodes}`,
        'tick p50 / p95 (engine collection)',
        `${ms(p.ticks.p50)} / ${ms(p.ticks.p95)}`,
        `p95 < ${PROMETHEUS_TARGETS.tickP95Ms} ms`,
        mark(okTick),
      ],
      ['prometheus', `${r.nodes}`, 'engine CPU, % of one core', pct(p.cpuPctOfCore), '-', ''],
      ['prometheus', `${r.nodes}`, 'engine RSS peak', mbText(p.rssPeakMb), '-', ''],
      [
        'prometheus',
        `${r.nodes}`,
        // A tick whose answer came later than its reading budget has no values (they feed the next tick).
        'nodes up at the end / ticks with values of every node',
        `${p.run.upAtEnd} / ${p.run.ticks.filter((t) => t.withValues >= r.nodes).length} of ${p.run.ticks.length}`,
        `${r.nodes}`,
        mark(p.run.upAtEnd >= r.nodes),
      ],
    );
  }
  const s = r.ssh && !isError(r.ssh) ? r.ssh.result : null;
  const e = s && !isError(s.engine) ? (s.engine as EngineFigures) : null;
  if (e) {
    const okTick = e.ticks.p95 <= SSH_TARGETS.tickP95Ms;
    const okCpu = e.cpuPctOfCoreAtTargetInterval <= SSH_TARGETS.cpuPctOfCore;
    const okRss = e.rssPeakMb <= SSH_TARGETS.rssMb;
    rows.push(
      [
        'ssh',
        `${r.sshNodes}`,
        'tick p50 / p95 (engine collection)',
        `${ms(e.ticks.p50)} / ${ms(e.ticks.p95)}`,
        `p95 <= ${SSH_TARGETS.tickP95Ms} ms`,
        mark(okTick),
      ],
      ['ssh', `${r.sshNodes}`, 'engine CPU, % of one core', pct(e.cpuPctOfCoreAtTargetInterval), `<= ${SSH_TARGETS.cpuPctOfCore} %`, mark(okCpu)],
      ['ssh', `${r.sshNodes}`, 'engine RSS peak', mbText(e.rssPeakMb), `<= ${SSH_TARGETS.rssMb} MB`, mark(okRss)],
      ['ssh', `${r.sshNodes}`, 'nodes up at the end', `${e.run.upAtEnd}`, `${r.sshNodes}`, mark(e.run.upAtEnd >= r.sshNodes)],
    );
  }
  out.push('Figures and targets', formatColumns(['side', 'nodes', 'figure', 'value', 'target', 'met'], rows));

  if (isError(p)) out.push('', `Prometheus side failed: ${p.error}`);
  else if (p) {
    out.push(
      '',
      'Prometheus side',
      `  ${p.engine.name} ${p.engine.version}, ${p.targets} scrape targets; series per node: ${p.seriesPerNode.node} node_exporter + ${p.seriesPerNode.dcgm} DCGM (GPU nodes); start() ${ms(p.run.startMs)}, nodes after start ${p.run.nodesAtStart}`,
      `  ticks timed: ${p.ticks.count}; later ticks p50 / p95 ${ms(p.steadyTicks.p50)} / ${ms(p.steadyTicks.p95)}; max ${ms(p.ticks.max)}`,
      `  CPU over the window, % of one core: engine ${pct(p.cpuPctOfCore)}, ${p.engine.name} ${pct(p.prometheusCpuPctOfCore)}, exporter simulator ${pct(p.exporterCpuPctOfCore)}, whole machine ${pct(p.machineBusyPctOfCore)}`,
      `  one tick's queries by the client alone (HTTP, gunzip, JSON, validation): ${p.run.fetchOnlyMs.map((x) => ms(x)).join(', ')}`,
      `  ${openPeriodText(p.run.openPeriod, r.intervalMs)}`,
    );
    out.push(
      formatColumns(
        ['family query', 'samples', 'JSON bytes', 'time'],
        p.run.families.map((f) => [f.expr.length > 60 ? `${f.expr.slice(0, 57)}...` : f.expr, fmt(f.samples, 0), fmt(f.bytes, 0), ms(f.ms)]),
      ),
    );
    out.push(
      '  charts, 5 runs each: the first, then the median of the other 4 (a cache may answer those):',
      formatColumns(
        ['chart', 'first / then', 'points', 'note'],
        p.run.charts.map((c) => [c.what, c.ms.length ? `${ms(c.ms[0])} / ${ms(stat(c.ms.slice(1)).p50)}` : '-', fmt(c.points, 0), c.note]),
      ),
    );
    if (p.run.sample) {
      const x = p.run.sample;
      out.push(
        `  e.g. node ${x.id}: CPU ${x.cpuUtilPct ?? '-'} %, memory used ${x.memUsedBytes ?? '-'} B, ${x.gpus} GPUs, GPU 0 util ${x.gpuUtilPct ?? '-'} %`,
      );
    }
    if (p.run.problems.length) out.push('  nodes not up at the end:', ...p.run.problems.map((x) => `    ${x.count} x ${x.message}`));
    if (p.run.logged.length) out.push('  the engine logged:', ...p.run.logged.map((x) => `    ${x.count} x ${x.message}`));
  }

  if (r.ssh && isError(r.ssh)) out.push('', `SSH side failed: ${r.ssh.error}`);
  else if (s) {
    out.push('', 'SSH side', ...s.setup.map((l) => `  ${l}`));
    out.push(`  kernel log (dmesg, read every 10 s per node): ${r.kernelLog === 'empty' ? 'empty' : "this machine's ring buffer, replayed to every node"}`);
    if (s.gpuNote) out.push(`  ${s.gpuNote}`);
    if (isError(s.engine)) out.push(`  engine failed: ${s.engine.error}`);
    else if (e) {
      out.push(
        `  connect + first reading (start): ${ms(e.run.startMs)}; ticks timed: ${e.ticks.count}, later p50 / p95 ${ms(e.steadyTicks.p50)} / ${ms(e.steadyTicks.p95)}; skipped grid points ${e.run.skippedTicks}`,
        `  CPU over the window, % of one core: engine ${pct(e.cpuPctOfCore)}, simulator ${pct(e.nodeCpuPctOfCore)}, whole machine ${pct(e.machineBusyPctOfCore)}; engine CPU per node sample ${ms(e.cpuMsPerNodeSample)}`,
        `  RSS: after the first tick ${mbText(e.rssAfterFirstTickMb)}, later ticks max ${mbText(e.rssLaterTicksMaxMb)}; ${e.isolation}`,
        `  memory, peak over the window / at its end: ${splitText(e.run.memorySplit)}`,
        `  ${openPeriodText(e.run.openPeriod, e.run.intervalMs)}`,
      );
      if (!isError(r.ssh!) && r.ssh!.simulatorRecordings !== null)
        out.push(`  the simulator ran the engine's scripts ${r.ssh!.simulatorRecordings} times here to refresh its recordings`);
      if (e.run.problems.length) out.push('  nodes not up at the end:', ...e.run.problems.map((x) => `    ${x.count} x ${x.status}: ${x.message}`));
      if (e.run.logged.length) out.push('  the engine logged:', ...e.run.logged.map((x) => `    ${x.count} x ${x.level}: ${x.message}`));
    }
    if (s.warnings.length) out.push('  warnings:', ...s.warnings.map((w) => `    ${w}`));
  }
  out.push('', r.misses.length ? 'Misses' : 'Misses: none, every figure meets its target', ...r.misses.map((m) => `  ${m}`));
  return out.join('\n');
}
