/**
 * What the alert benchmark (alerts-bench.ts) injects into its synthetic fleet: real failures on a
 * schedule, with the ground truth of each (kind, node, GPU, start, end), and spikes shorter than
 * the `for` of the rule they touch, which must notify nothing. The fleet (alerts-fleet.ts) plays
 * the telemetry effects; the kernel injections are real kernel log captures, parsed by the app's
 * own parser, placed on the target GPU and shifted to the injection time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../electron/core/app-root';
import { parseKernelLog } from '../electron/core/failures/kernel-log';
import { parseXidEvents, type XidEvent } from '../electron/core/failures/xid';
import { Rng } from './telemetry-generator';

const MINUTE_MS = 60_000;

/** A telemetry effect on one node (and GPU) for [startMs, endMs). */
export type Effect =
  | { type: 'unreachable'; nodeId: string; startMs: number; endMs: number; error: string }
  | { type: 'driver-error'; nodeId: string; startMs: number; endMs: number; message: string }
  | { type: 'gpu-missing'; nodeId: string; gpu: number; startMs: number; endMs: number }
  /** Volatile uncorrected ECC count raised by `count` from startMs; the GPU reset at endMs zeroes it. */
  | { type: 'ecc-uncorrected'; nodeId: string; gpu: number; startMs: number; endMs: number; count: number }
  | { type: 'retired-pages-pending'; nodeId: string; gpu: number; startMs: number; endMs: number }
  | { type: 'row-remap-pending'; nodeId: string; gpu: number; startMs: number; endMs: number }
  | { type: 'row-remap-failure'; nodeId: string; gpu: number; startMs: number; endMs: number }
  | { type: 'throttle'; nodeId: string; gpu: number; startMs: number; endMs: number; reason: string; temperatureC: number | null }
  | { type: 'temperature'; nodeId: string; gpu: number; startMs: number; endMs: number; temperatureC: number }
  | { type: 'load'; nodeId: string; startMs: number; endMs: number; perCore: number }
  | { type: 'memory'; nodeId: string; startMs: number; endMs: number; availablePct: number }
  /** The mount's use ramps to peakPct by rampEndMs, holds, and is cleaned up to its normal level at endMs. */
  | { type: 'filesystem'; nodeId: string; mount: string; startMs: number; rampEndMs: number; endMs: number; peakPct: number };

/** Kernel log events that the watcher would read from a node at atMs. */
export interface KernelInjection {
  nodeId: string;
  atMs: number;
  bootId: string;
  events: XidEvent[];
}

/** One failure the alerts must report exactly once. */
export interface InjectedFailure {
  kind: string;
  nodeId: string;
  /** The GPU's index on its node, or null for a node-wide failure. */
  gpu: number | null;
  /** For Xid failures: the Xid number the alert must carry. */
  xid: number | null;
  startMs: number;
  endMs: number;
}

/** A blip shorter than the `for` of `rule`: it must notify nothing. */
export interface Spike {
  kind: string;
  rule: string;
  nodeId: string;
  gpu: number | null;
  startMs: number;
  endMs: number;
}

export interface Scenario {
  effects: Effect[];
  kernel: KernelInjection[];
  failures: InjectedFailure[];
  spikes: Spike[];
}

export interface ScenarioOptions {
  nodeIds: readonly string[];
  gpusPerNode: number;
  startMs: number;
  durationMs: number;
  intervalMs: number;
  seed: string;
  /** PCI bus id of a GPU in nvidia-smi's form, by node and index (the fleet's). */
  pciOf: (nodeId: string, gpu: number) => string;
  /** Rounds of every failure kind; default: one per 6 hours, at least one. */
  rounds?: number;
}

/** The real captures the Xid failures come from (test/fixtures/nvidia-smi/errors, see SOURCES.md). */
export const CAPTURES = {
  dbeRowRemap: 'xid-48-63-94-dbe-row-remap.dmesg-iso.log',
  smException: 'xid-13-43-sm-exception.dmesg-decode-iso.log',
  gspTimeout: 'xid-119-gsp-rpc-timeout.dmesg-T.log',
  fallenOff: 'xid-79-fallen-off-bus.kernel.txt',
  driverNotLoaded: 'driver-not-loaded.txt',
} as const;

export function captureDir(): string {
  return join(APP_ROOT, 'test', 'fixtures', 'nvidia-smi', 'errors');
}

function readCapture(name: string): string {
  return readFileSync(join(captureDir(), name), 'utf8');
}

/** The Xid events of a capture, as the kernel log watcher parses them. */
export function captureEvents(name: string): XidEvent[] {
  return parseXidEvents(parseKernelLog(readCapture(name)).records).events;
}

/**
 * The capture's events moved onto another GPU and to another time: the PCI id becomes the target
 * GPU's (the raw lines keep the capture's), wall-clock times keep their spacing from atMs on.
 */
export function placeEvents(events: readonly XidEvent[], pciId: string, atMs: number): XidEvent[] {
  const first = events.find((e) => e.timeMs !== null)?.timeMs ?? null;
  return events.map((e) => ({ ...e, pciId, timeMs: e.timeMs === null || first === null ? null : atMs + (e.timeMs - first), raw: [...e.raw] }));
}

function distinctXids(events: readonly XidEvent[]): number[] {
  return [...new Set(events.map((e) => e.xid).filter((x): x is number => x !== null))];
}

/** How one failure kind is injected: its nominal length and what it does. */
interface FailureKind {
  kind: string;
  /** Nominal duration; capped to the slot. */
  durationMs: number;
  gpuLevel: boolean;
  inject(at: { nodeId: string; gpu: number; startMs: number; endMs: number; pci: string; round: number }, out: Scenario): void;
}

function xidKind(kind: string, capture: string): FailureKind {
  const events = captureEvents(capture);
  return {
    kind,
    durationMs: 0,
    gpuLevel: true,
    inject: ({ nodeId, gpu, startMs, pci, round }, out) => {
      out.kernel.push({ nodeId, atMs: startMs, bootId: `boot-${nodeId}-${round}`, events: placeEvents(events, pci, startMs) });
      for (const xid of distinctXids(events)) out.failures.push({ kind: `xid-${xid} (${capture})`, nodeId, gpu, xid, startMs, endMs: startMs });
    },
  };
}

function failureKinds(): FailureKind[] {
  const fallenOff = captureEvents(CAPTURES.fallenOff);
  const driverMessage = readCapture(CAPTURES.driverNotLoaded).trim();
  const gpuFailure = (kind: string, durationMs: number, type: 'retired-pages-pending' | 'row-remap-pending' | 'row-remap-failure'): FailureKind => ({
    kind,
    durationMs,
    gpuLevel: true,
    inject: ({ nodeId, gpu, startMs, endMs }, out) => {
      out.effects.push({ type, nodeId, gpu, startMs, endMs });
      out.failures.push({ kind, nodeId, gpu, xid: null, startMs, endMs });
    },
  });
  return [
    xidKind('xid-dbe-row-remap', CAPTURES.dbeRowRemap),
    xidKind('xid-sm-exception', CAPTURES.smException),
    xidKind('xid-gsp-timeout', CAPTURES.gspTimeout),
    {
      kind: 'fallen-off-bus',
      durationMs: 20 * MINUTE_MS,
      gpuLevel: true,
      // Xid 79 in the kernel log, the GPU gone from nvidia-smi until the node is rebooted at endMs.
      inject: ({ nodeId, gpu, startMs, endMs, pci, round }, out) => {
        out.kernel.push({ nodeId, atMs: startMs, bootId: `boot-${nodeId}-${round}`, events: placeEvents(fallenOff, pci, startMs) });
        out.effects.push({ type: 'gpu-missing', nodeId, gpu, startMs, endMs });
        out.failures.push({ kind: `fallen-off-bus xid-79 (${CAPTURES.fallenOff})`, nodeId, gpu, xid: null, startMs, endMs });
      },
    },
    {
      kind: 'ecc-uncorrected',
      durationMs: 30 * MINUTE_MS,
      gpuLevel: true,
      inject: ({ nodeId, gpu, startMs, endMs }, out) => {
        out.effects.push({ type: 'ecc-uncorrected', nodeId, gpu, startMs, endMs, count: 2 });
        out.failures.push({ kind: 'ecc-uncorrected', nodeId, gpu, xid: null, startMs, endMs: startMs });
      },
    },
    gpuFailure('retired-pages-pending', 20 * MINUTE_MS, 'retired-pages-pending'),
    gpuFailure('row-remap-pending', 20 * MINUTE_MS, 'row-remap-pending'),
    gpuFailure('row-remap-failure', 30 * MINUTE_MS, 'row-remap-failure'),
    {
      kind: 'driver-not-loaded',
      durationMs: 10 * MINUTE_MS,
      gpuLevel: false,
      inject: ({ nodeId, startMs, endMs }, out) => {
        out.effects.push({ type: 'driver-error', nodeId, startMs, endMs, message: driverMessage });
        out.failures.push({ kind: 'driver-not-loaded', nodeId, gpu: null, xid: null, startMs, endMs });
      },
    },
    {
      kind: 'node-unreachable',
      durationMs: 5 * MINUTE_MS,
      gpuLevel: false,
      inject: ({ nodeId, startMs, endMs }, out) => {
        out.effects.push({ type: 'unreachable', nodeId, startMs, endMs, error: `ssh: connect to host ${nodeId} port 22: Connection timed out` });
        out.failures.push({ kind: 'node-unreachable', nodeId, gpu: null, xid: null, startMs, endMs });
      },
    },
    {
      kind: 'filesystem-full',
      durationMs: 25 * MINUTE_MS,
      gpuLevel: false,
      // A job writing checkpoints fills /scratch to 96 % over 60 % of the span, holds, then is cleaned up.
      inject: ({ nodeId, startMs, endMs }, out) => {
        const rampEndMs = startMs + Math.round((endMs - startMs) * 0.6);
        out.effects.push({ type: 'filesystem', nodeId, mount: '/scratch', startMs, rampEndMs, endMs, peakPct: 96 });
        out.failures.push({ kind: 'filesystem-full (to 96%)', nodeId, gpu: null, xid: null, startMs, endMs });
      },
    },
    {
      kind: 'throttle-sustained',
      durationMs: 6 * MINUTE_MS,
      gpuLevel: true,
      // The driver holds a hot GPU at its target temperature (below the 85 °C rule) by lowering clocks.
      inject: ({ nodeId, gpu, startMs, endMs }, out) => {
        out.effects.push({ type: 'throttle', nodeId, gpu, startMs, endMs, reason: 'sw_thermal_slowdown', temperatureC: 83 });
        out.failures.push({ kind: 'throttle-sustained (sw_thermal_slowdown)', nodeId, gpu, xid: null, startMs, endMs });
      },
    },
  ];
}

/** Spikes shorter than their rule's `for` (durations are half of it, or one tick). */
const SPIKES: ReadonlyArray<{ kind: string; rule: string; forMs: number; gpuLevel: boolean }> = [
  { kind: 'temperature spike', rule: 'gpu-temperature-high', forMs: 2 * MINUTE_MS, gpuLevel: true },
  { kind: 'load spike', rule: 'load-far-above-cores', forMs: 10 * MINUTE_MS, gpuLevel: false },
  { kind: 'brief hw slowdown', rule: 'gpu-throttle-hw-slowdown', forMs: MINUTE_MS, gpuLevel: true },
  { kind: 'brief thermal slowdown', rule: 'gpu-throttle-thermal', forMs: MINUTE_MS, gpuLevel: true },
  { kind: 'filesystem blip', rule: 'filesystem-full', forMs: MINUTE_MS, gpuLevel: false },
  { kind: 'memory pressure blip', rule: 'memory-pressure', forMs: 2 * MINUTE_MS, gpuLevel: false },
  { kind: 'missed collection', rule: 'node-unreachable', forMs: 30_000, gpuLevel: false },
];

/** A spike's length: under its rule's `for` in evaluated time ((ticks - 1) x interval < for). */
export function spikeTicks(forMs: number, intervalMs: number): number {
  return Math.max(1, Math.floor(forMs / 2 / intervalMs));
}

/** Quiet margin around a failure on its node, so spikes never overlap it. */
const FAILURE_MARGIN_MS = 5 * MINUTE_MS;
/** Spikes per node per hour. */
const SPIKES_PER_NODE_HOUR = 3;

function spikeEffect(kind: string, nodeId: string, gpu: number, startMs: number, endMs: number): Effect {
  switch (kind) {
    case 'temperature spike':
      return { type: 'temperature', nodeId, gpu, startMs, endMs, temperatureC: 92 };
    case 'load spike':
      return { type: 'load', nodeId, startMs, endMs, perCore: 6 };
    case 'brief hw slowdown':
      return { type: 'throttle', nodeId, gpu, startMs, endMs, reason: 'hw_slowdown', temperatureC: null };
    case 'brief thermal slowdown':
      return { type: 'throttle', nodeId, gpu, startMs, endMs, reason: 'hw_thermal_slowdown', temperatureC: 88 };
    case 'filesystem blip':
      return { type: 'filesystem', nodeId, mount: '/scratch', startMs, rampEndMs: startMs, endMs, peakPct: 91 };
    case 'memory pressure blip':
      return { type: 'memory', nodeId, startMs, endMs, availablePct: 3 };
    default:
      return { type: 'unreachable', nodeId, startMs, endMs, error: `ssh: connect to host ${nodeId} port 22: Connection timed out` };
  }
}

export function buildScenario(options: ScenarioOptions): Scenario {
  const { nodeIds, gpusPerNode, startMs, durationMs, intervalMs } = options;
  const rng = new Rng(`${options.seed}/scenario`);
  const kinds = failureKinds();
  const rounds = options.rounds ?? Math.max(1, Math.floor(durationMs / (6 * 60 * MINUTE_MS)));
  const injections = kinds.length * rounds;
  const slotMs = Math.floor(durationMs / (injections + 1));
  if (slotMs < 5 * MINUTE_MS) throw new Error(`the replay is too short for ${injections} failures (${Math.round(slotMs / 1000)} s each; need 5 min)`);
  const out: Scenario = { effects: [], kernel: [], failures: [], spikes: [] };
  const busy = new Map<string, Array<[number, number]>>();

  for (let k = 0; k < injections; k += 1) {
    const kind = kinds[k % kinds.length]!;
    // Distinct nodes while there are enough; a stride spreads them over the fleet.
    const nodeId = nodeIds[(k * 7) % nodeIds.length]!;
    const gpu = (k * 3) % gpusPerNode;
    const slotStart = startMs + Math.round((k + 0.5) * slotMs);
    const startMs_ = Math.ceil(slotStart / intervalMs) * intervalMs + Math.floor(intervalMs / 2);
    const length = Math.max(kind.durationMs === 0 ? 0 : 3 * MINUTE_MS + 2 * intervalMs, Math.min(kind.durationMs, Math.floor(slotMs * 0.7)));
    const endMs = startMs_ + length;
    kind.inject({ nodeId, gpu: kind.gpuLevel ? gpu : 0, startMs: startMs_, endMs, pci: options.pciOf(nodeId, gpu), round: Math.floor(k / kinds.length) }, out);
    const windows = busy.get(nodeId) ?? [];
    // The node stays clear of spikes a margin around the failure.
    windows.push([startMs_ - FAILURE_MARGIN_MS, endMs + FAILURE_MARGIN_MS]);
    busy.set(nodeId, windows);
  }

  const hours = durationMs / (60 * MINUTE_MS);
  for (const nodeId of nodeIds) {
    const mine: Spike[] = [];
    const count = Math.round(hours * SPIKES_PER_NODE_HOUR);
    for (let i = 0; i < count; i += 1) {
      const spike = rng.pick(SPIKES);
      const ticks = spikeTicks(spike.forMs, intervalMs);
      const at = startMs + Math.floor(rng.uniform(0.02, 0.97) * durationMs);
      const spikeStart = Math.ceil(at / intervalMs) * intervalMs;
      const spikeEnd = spikeStart + (ticks - 1) * intervalMs + 1;
      if ((busy.get(nodeId) ?? []).some(([a, b]) => spikeEnd > a && spikeStart < b)) continue;
      // One spike at a time per node and rule, with room to resolve between them.
      const gpu = spike.gpuLevel ? rng.int(0, gpusPerNode - 1) : null;
      if (mine.some((s) => s.rule === spike.rule && spikeEnd + spike.forMs > s.startMs && spikeStart < s.endMs + spike.forMs)) continue;
      out.effects.push(spikeEffect(spike.kind, nodeId, gpu ?? 0, spikeStart, spikeEnd));
      mine.push({ kind: spike.kind, rule: spike.rule, nodeId, gpu, startMs: spikeStart, endMs: spikeEnd });
    }
    out.spikes.push(...mine);
  }
  return out;
}
