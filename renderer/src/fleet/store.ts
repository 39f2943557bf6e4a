/**
 * The fleet as the renderer knows it: every node's state ('nodes:states', then 'nodes:changed'),
 * a compact record of its newest telemetry (filled once from 'metrics:latest', then kept by
 * 'snapshot:collected') and the node list ('nodes:list' once, then kept by the same snapshots).
 * Hundreds of snapshot events per tick are absorbed into one update per animation frame; React
 * views subscribe with a throttle on top.
 */
import { startTransition, useEffect, useState } from 'react';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot, NodeSummary } from '../../../shared/model/node';
import { api } from '../api';
import { describeError, reportError } from '../errors';
import { allNewestSnapshots, onSnapshot } from '../live';
import { FrameBatcher } from './batcher';
import { sortedSummaries, summaryChanged, summaryOf } from './nodeList';
import { fromLatestValues, LATEST_METRICS, summarizeSnapshot, type FleetNode } from './records';
import { buildRows, reuseRows, type FleetRow } from './rows';
import { SPARK_WINDOW_MS, SparkStore } from './sparks';

/** Nodes whose sparkline history is read from the store, at most, per page load: the rest fill from live ticks. */
export const SPARK_BACKFILL_MAX_NODES = 48;
/** Backfill requests in flight at once. */
const SPARK_BACKFILL_CONCURRENCY = 4;

export interface FleetView {
  /** Bumped by every update. */
  version: number;
  /** null until 'nodes:states' answers. */
  states: readonly NodeState[] | null;
  error: string | null;
  nodes: ReadonlyMap<string, FleetNode>;
  summaries: ReadonlyMap<string, NodeSummary>;
  rows: readonly FleetRow[];
  /** Nodes added from this window whose host key the user is about to be asked to confirm. */
  awaitingKeyReview: ReadonlySet<string>;
}

type Listener = () => void;

/** Keeps the richer record: a newer one, or a snapshot over stored values of the same tick. */
function better(incoming: FleetNode, known: FleetNode | undefined): boolean {
  if (!known) return true;
  if (incoming.collectedAt !== known.collectedAt) return incoming.collectedAt > known.collectedAt;
  return incoming.source === 'snapshot' && known.source === 'latest';
}

export class FleetStore {
  private states: NodeState[] | null = null;
  private error: string | null = null;
  private readonly nodes = new Map<string, FleetNode>();
  private readonly summaries = new Map<string, NodeSummary>();
  /** 'nodes:list' has answered: it is not asked again (snapshots keep the list current). */
  private listed = false;
  private listError: string | null = null;
  /** The sorted node list, rebuilt only when an entry changes. */
  private list: NodeSummary[] | null = null;
  private readonly identityFiles = new Map<string, string[]>();
  private readonly awaiting = new Set<string>();
  private readonly listeners = new Set<Listener>();
  private readonly batcher: FrameBatcher;
  private version = 0;
  private cached: FleetView | null = null;
  private started = false;
  private loading = false;
  /** Snapshot events absorbed since start (a dev figure: events per redraw). */
  snapshotEvents = 0;
  /** GPU utilisation over the last 15 minutes, per node and GPU. */
  readonly sparks = new SparkStore();
  private readonly backfilled = new Set<string>();
  private backfillQueue: string[] = [];
  private backfillRunning = 0;
  /** 'metrics:query' calls made for sparklines (bounded: a test reads it). */
  sparkRequests = 0;
  private readonly sparkListeners = new Set<Listener>();
  private readonly sparkBatcher = new FrameBatcher(() => {
    for (const listener of [...this.sparkListeners]) listener();
  });

  constructor() {
    this.batcher = new FrameBatcher(() => this.flush());
  }

  /** Subscribes to the engine once, then loads the first state; later calls do nothing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const snapshot of allNewestSnapshots()) this.acceptSnapshot(snapshot);
    onSnapshot((snapshot) => {
      this.snapshotEvents += 1;
      this.acceptSnapshot(snapshot);
    });
    api.on('nodes:changed', (states) => {
      this.states = states;
      this.error = null;
      this.batcher.mark();
    });
    // Events sent while the stream was down are lost: read the states again when it returns.
    let wasOpen = api.streamState() === 'open';
    api.onStreamState((state) => {
      if (state === 'open' && !wasOpen) this.reload();
      wasOpen = state === 'open';
    });
    this.reload();
  }

  /** Asks for states, stored nodes and their latest values again. */
  reload(): void {
    if (this.loading) return;
    this.loading = true;
    const states = api.call('nodes:states', {}).then(
      (value) => {
        this.states = value;
        this.error = null;
      },
      (reason: unknown) => {
        this.error = `Could not read the node states: ${describeError(reason)}`;
      },
    );
    // The node list once; asked again only while it has never answered.
    const listed = this.listed
      ? Promise.resolve()
      : api.call('nodes:list', {}).then(
          (list) => {
            for (const summary of list) this.acceptSummary(summary);
            this.listed = true;
            this.listError = null;
          },
          (reason: unknown) => {
            this.listError = `Could not list nodes: ${describeError(reason)}`;
            throw reason;
          },
        );
    const stored = listed
      .then(() => api.call('metrics:latest', { metrics: [...LATEST_METRICS] }))
      .then(
        (values) => {
          for (const [id, node] of fromLatestValues(values, this.summaries)) if (better(node, this.nodes.get(id))) this.nodes.set(id, node);
        },
        (reason: unknown) => reportError('fleet: could not read the latest values', reason),
      );
    void Promise.all([states, stored]).finally(() => {
      this.loading = false;
      this.batcher.mark();
    });
  }

  private acceptSnapshot(snapshot: NodeSnapshot): void {
    this.acceptSummary(summaryOf(snapshot));
    const known = this.nodes.get(snapshot.id);
    const node = summarizeSnapshot(snapshot, known ?? null);
    if (!node.gpusUnread && node.gpus.length > 0)
      this.sparks.push(
        node.id,
        node.collectedAt,
        node.gpus.map((g) => ({ key: g.key, v: g.utilPct })),
      );
    if (!better(node, known)) return;
    this.nodes.set(node.id, node);
    this.batcher.mark();
  }

  private acceptSummary(summary: NodeSummary): void {
    if (!summaryChanged(this.summaries.get(summary.id), summary)) return;
    this.summaries.set(summary.id, summary);
    this.list = null;
    this.batcher.mark();
  }

  /** Every node with telemetry, in the engine's order; null until 'nodes:list' first answers. */
  nodeList(): NodeSummary[] | null {
    if (!this.listed) return null;
    return (this.list ??= sortedSummaries(this.summaries.values()));
  }

  /** Why 'nodes:list' failed, while it has never answered. */
  nodeListError(): string | null {
    return this.listError;
  }

  /** A call answered with a node's new state: show it now rather than at the next event. */
  applyState(state: NodeState): void {
    const states = this.states ?? [];
    const i = states.findIndex((s) => s.id === state.id);
    this.states = i < 0 ? [...states, state] : states.map((s, k) => (k === i ? state : s));
    this.batcher.mark();
  }

  /**
   * Reads the last 15 minutes of GPU utilisation once for these nodes (those on screen), at most
   * SPARK_BACKFILL_MAX_NODES per page load and a few requests at a time.
   */
  backfillSparks(nodeIds: readonly string[], now: number): void {
    for (const id of nodeIds) {
      if (this.backfilled.size >= SPARK_BACKFILL_MAX_NODES) break;
      if (this.backfilled.has(id)) continue;
      this.backfilled.add(id);
      this.backfillQueue.push(id);
    }
    while (this.backfillRunning < SPARK_BACKFILL_CONCURRENCY && this.backfillQueue.length > 0) {
      const nodeId = this.backfillQueue.shift()!;
      this.backfillRunning += 1;
      this.sparkRequests += 1;
      api
        .call('metrics:query', {
          nodeId,
          metric: 'gpu.util_pct',
          fromMs: Math.max(0, Math.floor(now - SPARK_WINDOW_MS)),
          toMs: Math.floor(now),
          maxPoints: 180,
        })
        .then(
          (result) => {
            for (const series of result.series) this.sparks.backfill(nodeId, series.device, series.t, series.v, now);
            // Only the table's sparklines change: the heatmap and the rows are not told.
            this.sparkBatcher.mark();
          },
          (reason: unknown) => reportError(`fleet: could not read the GPU history of ${nodeId}`, reason),
        )
        .finally(() => {
          this.backfillRunning -= 1;
          this.backfillSparks([], now);
        });
    }
  }

  /** The engine collects this node (as of the last state known here, before any redraw). */
  collects(nodeId: string): boolean {
    return this.states?.some((s) => s.id === nodeId) ?? false;
  }

  forgetNode(nodeId: string): void {
    if (this.states) this.states = this.states.filter((s) => s.id !== nodeId);
    this.awaiting.delete(nodeId);
    this.batcher.mark();
  }

  /** The key files a node was added with (from the Add dialog or the ssh config), for the passphrase dialog. */
  rememberIdentityFiles(nodeId: string, files: readonly string[]): void {
    this.identityFiles.set(nodeId, [...files]);
  }

  identityFilesOf(nodeId: string): string[] {
    return this.identityFiles.get(nodeId) ?? [];
  }

  /** Nodes just added here: if they stop at an unknown host key, the dialog opens by itself. */
  expectKeyReview(nodeIds: readonly string[]): void {
    for (const id of nodeIds) this.awaiting.add(id);
    this.batcher.mark();
  }

  doneKeyReview(nodeId: string): void {
    if (this.awaiting.delete(nodeId)) this.batcher.mark();
  }

  /** Called (once per frame at most) when stored history was merged into the sparklines. */
  onSparksBackfilled(listener: Listener): () => void {
    this.sparkListeners.add(listener);
    return () => {
      this.sparkListeners.delete(listener);
    };
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  view(): FleetView {
    if (this.cached && this.cached.version === this.version) return this.cached;
    this.cached = {
      version: this.version,
      states: this.states,
      error: this.error,
      nodes: this.nodes,
      summaries: this.summaries,
      rows: reuseRows(this.cached?.rows ?? [], buildRows(this.states ?? [], this.nodes, this.summaries)),
      awaitingKeyReview: new Set(this.awaiting),
    };
    return this.cached;
  }

  private flush(): void {
    this.version += 1;
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        reportError('fleet listener failed', error);
      }
    }
  }
}

export const fleetStore = new FleetStore();

/**
 * The fleet for a React view, re-rendered at most every `minIntervalMs` (the table needs no
 * more than a few renders per tick however many nodes report).
 */
export function useFleetView(minIntervalMs = 500): FleetView {
  const [view, setView] = useState<FleetView>(() => fleetStore.view());
  useEffect(() => {
    fleetStore.start();
    let timer: number | null = null;
    let last = 0;
    const update = () => {
      timer = null;
      last = performance.now();
      // A transition: React renders a 128-row table in slices between frames, not in one long task.
      startTransition(() => setView(fleetStore.view()));
    };
    const off = fleetStore.subscribe(() => {
      if (timer !== null) return;
      const wait = last + minIntervalMs - performance.now();
      if (wait <= 0) update();
      else timer = window.setTimeout(update, wait);
    });
    setView(fleetStore.view());
    return () => {
      off();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, [minIntervalMs]);
  return view;
}
