/**
 * The engine phase of `bench ssh`, in a Node process of its own (forked by ssh-bench.ts) so that
 * its CPU time and RSS are the engine's alone: no harness, no OpenSSH children, no test runner.
 * The engine runs exactly as `serve` runs it (createEngine, the scheduler, the SQLite store on a
 * file), over the given SSH nodes and nothing else.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ConfigSchema } from '../shared/config';
import type { NodeStatus, SshNode } from '../shared/model/inventory';
import { createEngine } from '../electron/core/engine';
import { tuneHeapForLongRun } from '../electron/core/heap-tuning';
import type { Logger } from '../electron/core/log';
import type { OpenPeriod } from './stats';

export interface EngineJob {
  nodes: SshNode[];
  intervalMs: number;
  durationMs: number;
  dbPath: string;
  knownHostsFile: string;
  /** undefined: the engine's default (~/.ssh/known_hosts). */
  userKnownHostsFiles?: string[];
  acceptNew: boolean;
}

/** A moment the parent samples what it measures from outside (the lab's CPU, the machine's). */
export type EngineEdge = 'window-start' | 'window-end';

export interface EngineTick {
  /** ms since the measurement window started (when the tick ended). */
  endedAtMs: number;
  /** The engine's own figure (status.lastTickDurationMs): collection of every node, store write, events. */
  durationMs: number;
  /** Nodes whose snapshot made it into this tick. */
  answered: number;
  /** Engine CPU spent since the previous tick ended (user + system), ms. */
  cpuMs: number;
  /** The tick's grid time (status.lastTickAt). */
  gridMs: number;
  /** RSS and V8 heap in use when the tick ended, MB. */
  rssMb: number;
  heapUsedMb: number;
}

export interface EngineRun {
  nodes: number;
  intervalMs: number;
  /** engine.start(): connect, authenticate, read facts and a first sample of every node. */
  startMs: number;
  /** CPU during start(), ms. */
  startCpuMs: number;
  /** From createEngine until every node's status was 'up' (null: never within the run). */
  allUpMs: number | null;
  /** Nodes 'up' when the window closed. */
  upAtEnd: number;
  ticks: EngineTick[];
  /** Grid points the scheduler skipped because the previous tick was still running. */
  skippedTicks: number;
  window: { seconds: number; cpuUserMs: number; cpuSystemMs: number };
  /** RSS when start() returned (every node connected), at the sampled peak, VmHWM (the process's peak), at the end. */
  memory: { startedRssMb: number; peakRssMb: number; endRssMb: number; hwmRssMb: number | null; endHeapUsedMb: number };
  /** Where RSS goes, sampled every 250 ms over the window: each part's peak and its value at the end, MB. */
  memorySplit?: { peak: MemorySplit; end: MemorySplit };
  /** The store's open hour in memory at the end of the window. */
  openPeriod?: OpenPeriod;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Nodes not 'up' at the end, by status and message. */
  problems: Array<{ status: NodeStatus; message: string; count: number }>;
  /** What the engine logged as warnings and errors, by message (counts). */
  logged: Array<{ level: 'warning' | 'error'; message: string; count: number }>;
  /** Nodes whose last snapshot had GPUs (the OpenSSH loop then asks them the same GPU query). */
  gpuNodeIds: string[];
  openFilesLimit: number | null;
}

/** The soft limit on open files of this process (/proc/self/limits), or null off Linux. */
export function openFilesLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === undefined ? null : soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
  } catch {
    return null;
  }
}

/** Peak RSS of this process over its life (VmHWM), MB. */
function highWaterMarkMb(): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

const mb = (bytes: number) => bytes / 2 ** 20;

/** process.memoryUsage() in MB: the V8 heap (reserved, in use), Buffers and ArrayBuffers outside it (external includes arrayBuffers). */
export interface MemorySplit {
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

function memorySplit(): MemorySplit {
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapTotalMb: mb(m.heapTotal), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external), arrayBuffersMb: mb(m.arrayBuffers) };
}

function maxSplit(a: MemorySplit, b: MemorySplit): MemorySplit {
  return {
    rssMb: Math.max(a.rssMb, b.rssMb),
    heapTotalMb: Math.max(a.heapTotalMb, b.heapTotalMb),
    heapUsedMb: Math.max(a.heapUsedMb, b.heapUsedMb),
    externalMb: Math.max(a.externalMb, b.externalMb),
    arrayBuffersMb: Math.max(a.arrayBuffersMb, b.arrayBuffersMb),
  };
}
const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs the engine over job.nodes for job.durationMs after it has started, and measures it. */
export async function runEngineJob(job: EngineJob, edge: (which: EngineEdge) => void = () => {}): Promise<EngineRun> {
  const logged = new Map<string, { level: 'warning' | 'error'; message: string; count: number }>();
  const note = (level: 'warning' | 'error', message: string) => {
    // Node ids vary; the message does not: count by message with the id cut off.
    const key = `${level}:${message.replace(/^[^:]+: /, '')}`;
    const entry = logged.get(key) ?? { level, message: message.replace(/^[^:]+: /, ''), count: 0 };
    entry.count += 1;
    logged.set(key, entry);
  };
  const log: Logger = {
    info: () => {},
    warn: (message) => note('warning', message),
    error: (message, error) => note('error', `${message}${error instanceof Error ? `: ${error.message}` : ''}`),
  };

  const created = performance.now();
  const engine = createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: job.intervalMs } }),
    dbPath: job.dbPath,
    configPath: '/nonexistent/clusterdeck-bench-config.yaml',
    mode: 'serve',
    log,
    includeLocal: false,
    useInventory: false,
    sshNodes: job.nodes,
    knownHostsFile: job.knownHostsFile,
    userKnownHostsFiles: job.userKnownHostsFiles,
    acceptNewHostKeys: job.acceptNew,
  });

  const snapshotDir = process.env.CLUSTERDECK_BENCH_HEAP_SNAPSHOT;
  let allUpMs: number | null = null;
  const checkAllUp = () => {
    if (allUpMs === null && engine.nodeStates().every((s) => s.status === 'up')) allUpMs = performance.now() - created;
  };
  engine.events.on('nodes:changed', checkAllUp);

  let windowStart = Number.NaN;
  let windowOpen = false;
  let answered = 0;
  let lastCpu = process.cpuUsage();
  let seenTicks = 0;
  const ticks: EngineTick[] = [];
  const gpuNodes = new Set<string>();
  engine.events.on('snapshot:collected', (snapshot) => {
    answered += 1;
    if (snapshot.gpus.length > 0) gpuNodes.add(snapshot.id);
    else gpuNodes.delete(snapshot.id);
  });
  engine.events.on('engine:statusChanged', (status) => {
    if (status.ticks === seenTicks || status.lastTickDurationMs === null) return;
    seenTicks = status.ticks;
    const cpu = process.cpuUsage();
    if (windowOpen) {
      ticks.push({
        endedAtMs: performance.now() - windowStart,
        durationMs: status.lastTickDurationMs,
        answered,
        cpuMs: cpuMsOf(process.cpuUsage(lastCpu)),
        gridMs: status.lastTickAt ?? 0,
        rssMb: mb(process.memoryUsage.rss()),
        heapUsedMb: mb(process.memoryUsage().heapUsed),
      });
      // CLUSTERDECK_BENCH_HEAP_SNAPSHOT_TICK=N (with ..._SNAPSHOT=DIR): the heap as the window's Nth tick ends, instead of at the end.
      if (snapshotDir && ticks.length === Number(process.env.CLUSTERDECK_BENCH_HEAP_SNAPSHOT_TICK))
        writeHeapSnapshot(join(snapshotDir, `engine-${process.pid}-tick${ticks.length}.heapsnapshot`));
    }
    lastCpu = cpu;
    answered = 0;
  });

  const startCpu = process.cpuUsage();
  const startBegan = performance.now();
  await engine.start();
  const startMs = performance.now() - startBegan;
  const startCpuMs = cpuMsOf(process.cpuUsage(startCpu));
  const startedRss = process.memoryUsage.rss();

  // The window: from the end of start() (the scheduler's first tick begins now) for durationMs.
  const eventLoop = monitorEventLoopDelay({ resolution: 10 });
  eventLoop.enable();
  edge('window-start');
  windowStart = performance.now();
  windowOpen = true;
  lastCpu = process.cpuUsage();
  const windowCpu = process.cpuUsage();
  let peakRss = process.memoryUsage.rss();
  let peakSplit = memorySplit();
  while (performance.now() - windowStart < job.durationMs) {
    await sleep(Math.min(250, Math.max(1, job.durationMs - (performance.now() - windowStart))));
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
    peakSplit = maxSplit(peakSplit, memorySplit());
  }
  windowOpen = false;
  // CLUSTERDECK_BENCH_HEAP_SNAPSHOT=DIR: the engine's heap as the window closes, for Chrome's memory tab.
  if (snapshotDir && !process.env.CLUSTERDECK_BENCH_HEAP_SNAPSHOT_TICK) writeHeapSnapshot(join(snapshotDir, `engine-${process.pid}.heapsnapshot`));
  const cpu = process.cpuUsage(windowCpu);
  const seconds = (performance.now() - windowStart) / 1000;
  edge('window-end');
  eventLoop.disable();

  checkAllUp();
  const states = engine.nodeStates();
  const problems = new Map<string, { status: NodeStatus; message: string; count: number }>();
  for (const state of states.filter((s) => s.status !== 'up')) {
    // Messages name the node's address; group them by what went wrong.
    const message = (state.lastError ?? state.status).replace(/\S+@\S+:\d+/g, 'USER@HOST:PORT').replace(/\b\d{1,3}(\.\d{1,3}){3}(:\d+)?/g, 'ADDRESS');
    const key = `${state.status}:${message}`;
    const entry = problems.get(key) ?? { status: state.status, message, count: 0 };
    entry.count += 1;
    problems.set(key, entry);
  }
  const memory = process.memoryUsage();
  // Skipped grid points: gaps between consecutive ticks' grid times beyond one interval.
  let skippedTicks = 0;
  for (let i = 1; i < ticks.length; i += 1) skippedTicks += Math.max(0, Math.round((ticks[i]!.gridMs - ticks[i - 1]!.gridMs) / job.intervalMs) - 1);
  const run: EngineRun = {
    nodes: job.nodes.length,
    intervalMs: job.intervalMs,
    startMs,
    startCpuMs,
    allUpMs,
    upAtEnd: states.filter((s) => s.status === 'up').length,
    ticks,
    skippedTicks,
    window: { seconds, cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000 },
    memory: { startedRssMb: mb(startedRss), peakRssMb: mb(peakRss), endRssMb: mb(memory.rss), hwmRssMb: highWaterMarkMb(), endHeapUsedMb: mb(memory.heapUsed) },
    memorySplit: { peak: peakSplit, end: memorySplit() },
    openPeriod: engine.openBuffers(),
    eventLoopDelayMs: { p50: eventLoop.percentile(50) / 1e6, p99: eventLoop.percentile(99) / 1e6, max: eventLoop.max / 1e6 },
    problems: [...problems.values()].sort((a, b) => b.count - a.count),
    logged: [...logged.values()].sort((a, b) => b.count - a.count).slice(0, 20),
    gpuNodeIds: [...gpuNodes],
    openFilesLimit: openFilesLimit(),
  };
  engine.close();
  return run;
}

if (require.main === module && process.send) {
  // As serve and run set it before their engine starts.
  tuneHeapForLongRun();
  process.once('message', (job: EngineJob) => {
    runEngineJob(job, (which) => process.send!({ edge: which }))
      .then((result) => process.send!({ result }, () => process.exit(0)))
      .catch((error: unknown) => process.send!({ error: (error as Error).message ?? String(error) }, () => process.exit(0)));
  });
}
