/**
 * The failure detectors over one tick: each collected snapshot and node state, plus the kernel
 * events the kernel log watcher recorded since the last tick, become signals for the alert engine
 * (detectors/ each hold one kind of failure; this class keeps what they remember between ticks).
 */
import type { Database as Db } from 'better-sqlite3';
import type { DetectorId, DetectorTick, Signal, StoredKernelEvent } from '../alerts/types';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import { gpuDeviceKey } from '../../../shared/model/metrics';
import { GpuBaselineStore, MAX_BASELINE_GPUS_PER_NODE } from './gpu-baseline-store';
import { detectGpuDriver } from './detectors/gpu-driver';
import { detectGpuMemoryHealth, type MemoryCounters } from './detectors/gpu-memory-health';
import { baselineEntry, detectGpuPresence, fallenOffEvidence, type BaselineGpu, type FallenOffEvidence } from './detectors/gpu-presence';
import { gpuPciId, type DetectorResult } from './detectors/gpu-listing';
import { detectGpuThrottle } from './detectors/gpu-throttle';
import { detectNodeStatus } from './detectors/node-status';
import { isFallenOffBus, xidSignal } from './detectors/xid-signal';

/** Xid events held for the next tick per node; past this the oldest go (a flood is one alert anyway). */
export const MAX_PENDING_XID_EVENTS = 500;
/** GPUs off the bus remembered per node (a node has at most 64 GPUs). */
export const MAX_FALLEN_OFF_PER_NODE = 64;
/** A baseline GPU's last-seen time is written at most this often (not every tick for every GPU). */
export const BASELINE_TOUCH_MS = 10 * 60_000;

/** A kernel event without a PCI id (a row written without one) still needs a subject that is not the node's ''. */
const UNKNOWN_PCI = 'unknown-pci';

interface NodeMemory {
  /** Loaded from SQLite on the node's first tick. */
  baseline: Map<string, BaselineGpu> | null;
  /** The baseline's entries as the presence detector takes them; null when a key came or went. */
  baselineList: BaselineGpu[] | null;
  /** When each baseline GPU's last-seen time was last written. */
  savedSeenMs: Map<string, number>;
  counters: Map<string, MemoryCounters>;
  fallenOff: Map<string, FallenOffEvidence>;
  pendingXid: StoredKernelEvent[];
}

export interface FailureDetectionOptions {
  db: Db;
}

export interface DetectInput {
  atMs: number;
  snapshots: readonly NodeSnapshot[];
  states: readonly NodeState[];
}

export class FailureDetection {
  private readonly baselineStore: GpuBaselineStore;
  private readonly nodes = new Map<string, NodeMemory>();

  constructor(options: FailureDetectionOptions) {
    this.baselineStore = new GpuBaselineStore(options.db);
  }

  private memory(nodeId: string): NodeMemory {
    let memory = this.nodes.get(nodeId);
    if (memory === undefined) {
      memory = { baseline: null, baselineList: null, savedSeenMs: new Map(), counters: new Map(), fallenOff: new Map(), pendingXid: [] };
      this.nodes.set(nodeId, memory);
    }
    return memory;
  }

  private baselineOf(nodeId: string, memory: NodeMemory): Map<string, BaselineGpu> {
    if (memory.baseline === null) {
      memory.baseline = new Map(this.baselineStore.list(nodeId).map((gpu) => [gpu.key, gpu]));
      for (const gpu of memory.baseline.values()) memory.savedSeenMs.set(gpu.key, gpu.lastSeenMs);
    }
    return memory.baseline;
  }

  private holdFallenOff(memory: NodeMemory, event: StoredKernelEvent): void {
    const pciId = event.pciId || UNKNOWN_PCI;
    const normalised = pciId === event.pciId ? event : { ...event, pciId };
    memory.fallenOff.set(pciId, fallenOffEvidence(normalised, memory.fallenOff.get(pciId)));
    if (memory.fallenOff.size > MAX_FALLEN_OFF_PER_NODE) {
      const oldest = [...memory.fallenOff.values()].sort((a, b) => a.sinceMs - b.sinceMs)[0]!;
      memory.fallenOff.delete(oldest.pciId);
    }
  }

  /** Kernel events the watcher recorded since the last tick: each Xid becomes a signal on the next detect. */
  addKernelEvents(nodeId: string, events: readonly StoredKernelEvent[]): void {
    const memory = this.memory(nodeId);
    for (const event of events) {
      if (isFallenOffBus(event)) this.holdFallenOff(memory, event);
      else memory.pendingXid.push(event);
    }
    if (memory.pendingXid.length > MAX_PENDING_XID_EVENTS) memory.pendingXid.splice(0, memory.pendingXid.length - MAX_PENDING_XID_EVENTS);
  }

  /**
   * After a restart: the current boot's recorded events. A GPU that fell off the bus is a failure
   * until nvidia-smi lists it again; the Xids were signalled before the restart and are not again.
   */
  loadBootEvents(nodeId: string, events: readonly StoredKernelEvent[]): void {
    const memory = this.memory(nodeId);
    for (const event of events) if (isFallenOffBus(event)) this.holdFallenOff(memory, event);
  }

  /** Forgets a node: its memory, and its GPU baseline when `baseline` (the node left the inventory). */
  forgetNode(nodeId: string, options: { baseline: boolean } = { baseline: false }): void {
    this.nodes.delete(nodeId);
    if (options.baseline) this.baselineStore.removeNode(nodeId);
  }

  /** Forgets GPUs the user says are gone for good (taken out of the node), so they are no longer missed. */
  forgetGpus(nodeId: string, keys: readonly string[]): void {
    const memory = this.nodes.get(nodeId);
    for (const key of keys) {
      memory?.baseline?.delete(key);
      memory?.savedSeenMs.delete(key);
    }
    if (memory !== undefined) memory.baselineList = null;
    this.baselineStore.remove(nodeId, keys);
  }

  detect(input: DetectInput): DetectorTick {
    const snapshots = new Map<string, NodeSnapshot>();
    for (const snapshot of input.snapshots) snapshots.set(snapshot.id, snapshot);
    const states = new Map<string, NodeState>();
    for (const state of input.states) states.set(state.id, state);
    const nodeIds = new Set(states.keys());
    for (const nodeId of snapshots.keys()) nodeIds.add(nodeId);
    // A node no longer in the inventory: its memory goes (its baseline stays, should it return).
    for (const nodeId of [...this.nodes.keys()]) if (!nodeIds.has(nodeId)) this.nodes.delete(nodeId);

    const signals: Signal[] = [];
    const evaluated = new Map<string, ReadonlySet<DetectorId>>();
    for (const nodeId of nodeIds) {
      const looked = new Set<DetectorId>();
      const take = (result: DetectorResult | null): void => {
        if (result === null) return;
        for (const signal of result.signals) signals.push(signal);
        for (const id of result.evaluated) looked.add(id);
      };
      const state = states.get(nodeId);
      const snapshot = snapshots.get(nodeId) ?? null;
      take(state === undefined ? null : detectNodeStatus(input.atMs, state));
      take(this.presence(nodeId, input.atMs, snapshot));
      take(this.memoryHealth(nodeId, input.atMs, snapshot));
      take(detectGpuThrottle(nodeId, input.atMs, snapshot));
      take(detectGpuDriver(nodeId, input.atMs, snapshot));
      take(this.xids(nodeId));
      evaluated.set(nodeId, looked);
    }
    return { atMs: input.atMs, signals, evaluated };
  }

  private presence(nodeId: string, atMs: number, snapshot: NodeSnapshot | null) {
    const memory = this.memory(nodeId);
    const baseline = this.baselineOf(nodeId, memory);
    memory.baselineList ??= [...baseline.values()];
    const result = detectGpuPresence({ nodeId, atMs, snapshot, baseline: memory.baselineList, fallenOff: memory.fallenOff });
    for (const pciId of result.cleared) memory.fallenOff.delete(pciId);
    if (result.replaced.length > 0) this.forgetGpus(nodeId, result.replaced);
    this.updateBaseline(nodeId, memory, baseline, result.seen, atMs);
    return result;
  }

  private updateBaseline(nodeId: string, memory: NodeMemory, baseline: Map<string, BaselineGpu>, seen: NodeSnapshot['gpus'], atMs: number): void {
    const toSave: BaselineGpu[] = [];
    for (const gpu of seen) {
      const key = gpuDeviceKey(gpu);
      const before = baseline.get(key);
      const changed = before === undefined || before.pciBusId !== gpuPciId(gpu) || before.index !== gpu.index || before.name !== gpu.productName;
      let entry: BaselineGpu;
      if (changed) {
        entry = baselineEntry(nodeId, gpu, atMs, before);
        baseline.set(key, entry);
        memory.baselineList = null;
      } else {
        // The same GPU as before (most ticks, every GPU): seen again, nothing new to build.
        entry = before;
        entry.lastSeenMs = atMs;
      }
      if (changed || atMs - (memory.savedSeenMs.get(key) ?? 0) >= BASELINE_TOUCH_MS) {
        toSave.push(entry);
        memory.savedSeenMs.set(entry.key, atMs);
      }
    }
    this.baselineStore.save(toSave);
    if (baseline.size > MAX_BASELINE_GPUS_PER_NODE) {
      const stale = [...baseline.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs).slice(0, baseline.size - MAX_BASELINE_GPUS_PER_NODE);
      this.forgetGpus(
        nodeId,
        stale.map((gpu) => gpu.key),
      );
    }
  }

  private memoryHealth(nodeId: string, atMs: number, snapshot: NodeSnapshot | null) {
    const memory = this.memory(nodeId);
    const result = detectGpuMemoryHealth(nodeId, atMs, snapshot, memory.counters);
    memory.counters = result.next;
    return result;
  }

  private xids(nodeId: string) {
    const memory = this.memory(nodeId);
    if (memory.pendingXid.length === 0) return { signals: [], evaluated: ['xid'] as const };
    const baseline = this.baselineOf(nodeId, memory);
    const byPci = new Map([...baseline.values()].filter((gpu) => gpu.pciBusId !== null).map((gpu) => [gpu.pciBusId!, gpu]));
    const signals = memory.pendingXid.map((event) => {
      const known = byPci.get(event.pciId);
      return xidSignal(event.pciId ? event : { ...event, pciId: UNKNOWN_PCI }, known === undefined ? null : { key: known.key, index: known.index });
    });
    memory.pendingXid = [];
    return { signals, evaluated: ['xid'] as const };
  }
}
