/**
 * Every node the engine collects, and one tick across them: all nodes start together, and the
 * tick waits for each at most `deadlineMs`. A slow, hung or dead node never delays the others:
 * it misses the tick (and is marked degraded), and is not started again while its previous
 * collection still runs.
 */
import type { NodeState } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import type { NodeCollector } from './collectors/node-collector';
import type { Logger } from './log';

export interface TickResult {
  snapshots: NodeSnapshot[];
  /** Nodes whose collection did not finish within the deadline. */
  late: string[];
}

export class Fleet {
  private readonly collectors = new Map<string, NodeCollector>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  /** Fleet-level notes on a node's state (it missed ticks), cleared when it answers again. */
  private readonly lateSince = new Map<string, number>();

  constructor(
    private readonly deadlineMs: number,
    private readonly log: Logger,
  ) {}

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
  }

  collector(nodeId: string): NodeCollector | undefined {
    return this.collectors.get(nodeId);
  }

  states(): NodeState[] {
    return [...this.collectors.values()].map((collector) => {
      const state = collector.state();
      const since = this.lateSince.get(collector.nodeId);
      if (since === undefined || state.status !== 'up') return state;
      return { ...state, status: 'degraded', since, lastError: `collection takes longer than ${Math.round(this.deadlineMs / 1000)} s` };
    });
  }

  async prime(): Promise<void> {
    await Promise.all([...this.collectors.values()].map((c) => c.prime().catch((error: unknown) => this.log.warn(`${c.nodeId}: first reading failed: ${(error as Error).message}`))));
  }

  /**
   * One collection of every node. `waitForAll` (the CLI's single collection) waits for slow
   * nodes up to their own timeouts instead of the tick deadline.
   */
  async tick(collectedAt: number, waitForAll = false): Promise<TickResult> {
    const done = new Map<string, NodeSnapshot | null>();
    const started: Array<Promise<void>> = [];
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
          done.set(id, snapshot);
          this.lateSince.delete(id);
        })
        .finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, run);
      started.push(run);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = waitForAll ? 120_000 : this.deadlineMs;
    await Promise.race([Promise.all(started), new Promise<void>((resolve) => (timer = setTimeout(resolve, deadline)))]);
    clearTimeout(timer);
    const late = [...this.collectors.keys()].filter((id) => !done.has(id));
    for (const id of late) if (!this.lateSince.has(id)) this.lateSince.set(id, collectedAt);
    const snapshots = [...done.values()].filter((s): s is NodeSnapshot => s !== null);
    return { snapshots, late };
  }

  closeAll(): void {
    for (const collector of this.collectors.values()) collector.close();
    this.collectors.clear();
  }
}
