/**
 * Every node the engine collects, and one tick across them: all nodes start together, and the
 * tick waits for each at most `deadlineMs`. A slow, hung or dead node never delays the others:
 * it misses the tick (and is marked degraded), and is not started again while its previous
 * collection still runs.
 */
import { LISTED_TROUBLED_NODES, type NodeHealth } from '../../shared/contract';
import type { NodeState, NodeStatus } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import { boundSnapshot } from './collectors/bounds';
import type { NodeCollector } from './collectors/node-collector';
import type { Logger } from './log';

export interface TickResult {
  snapshots: NodeSnapshot[];
  /** Nodes whose collection did not finish within the deadline. */
  late: string[];
}

/** Worst first, so the status names what needs someone first. Connecting is no trouble (yet). */
const TROUBLE_ORDER: Partial<Record<NodeStatus, number>> = {
  'host-key-mismatch': 0,
  'auth-failed': 1,
  unreachable: 2,
  'host-key-unknown': 3,
  degraded: 4,
};

/** How many nodes are in trouble and which, worst first then by id; the engine's own health is not in it. */
export function nodeHealth(states: readonly NodeState[]): NodeHealth {
  const troubled = states
    .filter((s) => TROUBLE_ORDER[s.status] !== undefined)
    .sort((a, b) => TROUBLE_ORDER[a.status]! - TROUBLE_ORDER[b.status]! || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return {
    total: states.length,
    troubled: troubled.length,
    nodes: troubled.slice(0, LISTED_TROUBLED_NODES).map((s) => ({ id: s.id, status: s.status, lastError: s.lastError })),
  };
}

/** Collections wait at most most of an interval: a dead node never holds the tick. */
export function tickDeadlineMs(intervalMs: number): number {
  return Math.max(1000, Math.round(intervalMs * 0.8));
}

/** Of a tick's deadline, what a shared answer (a source's) may take: the rest maps it onto every node. */
const READING_SHARE = 0.75;

export class Fleet {
  private readonly collectors = new Map<string, NodeCollector>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Fleet-level notes on a node's state (it missed ticks), cleared when it answers again. */
  private readonly lateSince = new Map<string, number>();
  /** What a node's last snapshot had cut at the bounds (shared/model/limits.ts). */
  private readonly cutNotes = new Map<string, string[]>();
  /** Notes from other parts of the engine, by node and then by part (store, kernel log...). */
  private readonly featureNotes = new Map<string, Map<string, string>>();
  /** The tick being started waits for every node (collectors read this as they start). */
  private waitingForAll = false;

  constructor(
    private deadlineMs: number,
    private readonly log: Logger,
  ) {}

  /** A new tick deadline (the interval changed in Settings); ticks already waiting keep theirs. */
  setDeadlineMs(deadlineMs: number): void {
    this.deadlineMs = deadlineMs;
  }

  /**
   * How long a collector may wait for an answer it shares with others (a Prometheus source's
   * per-tick fetch) in the tick now starting, leaving time to map it before the deadline; null
   * while a tick waits for every node (the CLI's single collection), which waits for answers.
   */
  readingBudgetMs(): number | null {
    return this.waitingForAll ? null : Math.round(this.deadlineMs * READING_SHARE);
  }

  has(nodeId: string): boolean {
    return this.collectors.has(nodeId);
  }

  ids(): string[] {
    return [...this.collectors.keys()];
  }

  add(collector: NodeCollector): void {
    if (this.collectors.has(collector.nodeId)) throw new Error(`node ${collector.nodeId} is already collected`);
    this.collectors.set(collector.nodeId, collector);
  }

  remove(nodeId: string): void {
    this.collectors.get(nodeId)?.close();
    this.collectors.delete(nodeId);
    this.lateSince.delete(nodeId);
    this.cutNotes.delete(nodeId);
    this.featureNotes.delete(nodeId);
  }

  collector(nodeId: string): NodeCollector | undefined {
    return this.collectors.get(nodeId);
  }

  /** A note on a node from elsewhere in the engine (the store refusing its new series), or none. */
  setStoreNote(nodeId: string, note: string | null): void {
    this.setNote(nodeId, 'store', note);
  }

  /**
   * A note from one part of the engine on a node (the kernel log it may not read...), or none:
   * a capability said once in the node's state, not an error every tick.
   */
  setNote(nodeId: string, part: string, note: string | null): void {
    const notes = this.featureNotes.get(nodeId);
    if (note === null) {
      notes?.delete(part);
      if (notes?.size === 0) this.featureNotes.delete(nodeId);
    } else if (this.collectors.has(nodeId)) {
      if (notes) notes.set(part, note);
      else this.featureNotes.set(nodeId, new Map([[part, note]]));
    }
  }

  states(): NodeState[] {
    return [...this.collectors.values()].map((collector) => {
      const notes = [...(this.cutNotes.get(collector.nodeId) ?? []), ...(this.featureNotes.get(collector.nodeId)?.values() ?? [])];
      const state = notes.length > 0 ? { ...collector.state(), notes } : collector.state();
      const since = this.lateSince.get(collector.nodeId);
      if (since === undefined || state.status !== 'up') return state;
      return { ...state, status: 'degraded', since, lastError: `collection takes longer than ${Math.round(this.deadlineMs / 1000)} s` };
    });
  }

  async prime(): Promise<void> {
    await Promise.all(
      [...this.collectors.values()].map((c) =>
        c.prime().catch((error: unknown) => this.log.warn(`${c.nodeId}: first reading failed: ${(error as Error).message}`)),
      ),
    );
  }

  /**
   * One collection of every node. `waitForAll` (the CLI's single collection) waits for slow
   * nodes up to their own timeouts instead of the tick deadline.
   */
  async tick(collectedAt: number, waitForAll = false): Promise<TickResult> {
    const done = new Map<string, NodeSnapshot | null>();
    const started: Array<Promise<void>> = [];
    this.waitingForAll = waitForAll;
    for (const collector of this.collectors.values()) {
      const id = collector.nodeId;
      if (this.inFlight.has(id)) continue;
      const run = collector
        .collect(collectedAt)
        .catch((error: unknown) => {
          this.log.error(`collecting ${id} failed`, error);
          return null;
        })
        .then((snapshot) => {
          done.set(id, snapshot === null ? null : this.bounded(id, snapshot));
          this.lateSince.delete(id);
        })
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, run);
      started.push(run);
    }
    this.waitingForAll = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = waitForAll ? 120_000 : this.deadlineMs;
    await Promise.race([Promise.all(started), new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline)))]);
    clearTimeout(timer);
    const late = [...this.collectors.keys()].filter((id) => !done.has(id));
    for (const id of late) if (!this.lateSince.has(id)) this.lateSince.set(id, collectedAt);
    const snapshots = [...done.values()].filter((s): s is NodeSnapshot => s !== null);
    return { snapshots, late };
  }

  /** The snapshot cut to the bounds; a new kind of cut is logged once and kept as a note while it lasts. */
  private bounded(nodeId: string, snapshot: NodeSnapshot): NodeSnapshot {
    const { snapshot: bounded, cuts } = boundSnapshot(snapshot);
    const before = this.cutNotes.get(nodeId) ?? [];
    for (const cut of cuts) {
      const kind = cut.slice(0, cut.indexOf(':'));
      if (!before.some((note) => note.startsWith(`${kind}:`))) this.log.warn(`${nodeId}: ${cut}`);
    }
    if (cuts.length > 0) this.cutNotes.set(nodeId, cuts);
    else this.cutNotes.delete(nodeId);
    return bounded;
  }

  closeAll(): void {
    for (const collector of this.collectors.values()) collector.close();
    this.collectors.clear();
  }
}
