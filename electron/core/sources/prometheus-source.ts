/**
 * A Prometheus-compatible source as a set of nodes. Each tick costs a fixed set of instant
 * queries for the whole fleet (one per metric family, FAMILY_QUERIES), shared by every node of
 * the source however many there are; the answers are grouped by the node label (instance
 * without its :port by default) and mapped through node-exporter-map and dcgm-map, with the
 * previous tick's samples for rates. Nodes are discovered from the node_exporter and DCGM
 * series; a node already collected over SSH or as this machine (same name) is left to that
 * collection. A source that fails makes its nodes unreachable with the classified error.
 */
import { NodeIdSchema, type NodeState, type NodeStatus } from '../../../shared/model/inventory';
import type { MetricQuery, MetricQueryResult } from '../../../shared/contract';
import type { NodeSnapshot } from '../../../shared/model/node';
import { snapshotProblem, type NodeCollector } from '../collectors/node-collector';
import type { Logger } from '../log';
import type { QueryResult } from './prometheus-api';
import { dcgmGpus, dcgmGpuStatus, type PromSample } from './dcgm-map';
import { nodeExporterSnapshot } from './node-exporter-map';

/** What the source needs of a client: instant queries (a test wraps it to count them). */
export interface InstantQuerier {
  readonly url: string;
  query(expr: string, atMs?: number): Promise<QueryResult>;
  close(): void;
}

/** Every query of one tick, whatever the number of nodes. */
export const FAMILY_QUERIES: readonly string[] = [
  'up',
  '{__name__=~"node_cpu_seconds_total|node_cpu_info|node_load1|node_load5|node_load15"}',
  '{__name__=~"node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes"}',
  '{__name__=~"node_filesystem_(size|avail|free)_bytes|node_filesystem_files|node_filesystem_files_free"}',
  '{__name__=~"node_network_(receive|transmit)_bytes_total"}',
  '{__name__=~"node_disk_(read_bytes|written_bytes|io_time_seconds)_total"}',
  '{__name__=~"node_uname_info|node_os_info|node_boot_time_seconds|node_time_seconds"}',
  '{__name__=~"DCGM_FI_.+"}',
];

/** Nodes one source may bring (a bound on a hostile or misconfigured source). */
export const MAX_SOURCE_NODES = 10_000;

/** A label value as a node id: `host:port` and `[v6]:port` lose the port. */
export function nodeIdFromLabel(value: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(value);
  if (bracketed) return bracketed[1]!;
  const hostPort = /^([^:]+):\d+$/.exec(value);
  return hostPort ? hostPort[1]! : value;
}

interface UpSample {
  job: string;
  value: number;
}

interface Fetch {
  atMs: number;
  /** node id -> its samples (node_exporter and DCGM) at atMs. */
  samples: Map<string, PromSample[]>;
  up: Map<string, UpSample[]>;
  previous: Fetch | null;
  snapshots: Map<string, NodeSnapshot>;
}

export interface NodeReading {
  snapshot: NodeSnapshot | null;
  status: NodeStatus;
  lastError: string | null;
}

export interface PrometheusSourceOptions {
  id: string;
  client: InstantQuerier;
  nodeLabel: string;
  log: Logger;
  /** The name under which a node is already collected (SSH, this machine), if it is. */
  alreadyCollected: (names: string[]) => string | null;
  /** Adds a newly discovered node to the fleet. */
  addNode: (collector: NodeCollector) => void;
}

export class PrometheusSource {
  readonly id: string;
  readonly #options: PrometheusSourceOptions;
  #inFlight: { atMs: number; result: Promise<Fetch> } | null = null;
  #last: Fetch | null = null;
  readonly #nodes = new Set<string>();
  /** Ids left to another collection or refused (logged once). */
  readonly #passed = new Set<string>();

  constructor(options: PrometheusSourceOptions) {
    this.id = options.id;
    this.#options = options;
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** One fetch per tick time: every node of the source collecting at atMs shares it. */
  fetch(atMs: number): Promise<Fetch> {
    if (this.#inFlight?.atMs === atMs) return this.#inFlight.result;
    const result = this.#fetch(atMs);
    const entry = { atMs, result };
    this.#inFlight = entry;
    // Shared while under way only: a later call for the same time reads afresh.
    const done = () => {
      if (this.#inFlight === entry) this.#inFlight = null;
    };
    result.then(done, done);
    return result;
  }

  /** Fetches at atMs and adds the nodes not seen before; errors are logged, never thrown. */
  async discover(atMs: number): Promise<void> {
    try {
      await this.fetch(atMs);
    } catch (error) {
      this.#options.log.warn(`source ${this.id}: ${(error as Error).message}`);
    }
    this.adoptDiscovered();
  }

  /** Adds the nodes of the last good fetch that are not collected yet (between ticks). */
  adoptDiscovered(): void {
    const last = this.#last;
    if (last === null) return;
    for (const [nodeId, samples] of last.samples) {
      if (this.#nodes.has(nodeId) || this.#passed.has(nodeId)) continue;
      if (!NodeIdSchema.safeParse(nodeId).success || this.#nodes.size >= MAX_SOURCE_NODES) {
        this.#passed.add(nodeId);
        this.#options.log.warn(`source ${this.id}: node ${JSON.stringify(nodeId.slice(0, 140))} is not collected (not a valid node name, or too many nodes)`);
        continue;
      }
      const nodename = samples.find((s) => s.name === 'node_uname_info')?.labels.nodename;
      const names = nodename && nodename !== nodeId ? [nodeId, nodename] : [nodeId];
      const existing = this.#options.alreadyCollected(names);
      if (existing !== null) {
        this.#passed.add(nodeId);
        this.#options.log.info(`source ${this.id}: node ${nodeId} is already collected as ${existing}; that collection is kept, the source's is not added`);
        continue;
      }
      this.#nodes.add(nodeId);
      this.#options.addNode(new PrometheusNodeCollector(nodeId, this));
      this.#options.log.info(`source ${this.id}: discovered node ${nodeId}`);
    }
  }

  /** A node's snapshot and status at atMs, from the shared fetch. */
  async reading(nodeId: string, atMs: number): Promise<NodeReading> {
    let fetched: Fetch;
    try {
      fetched = await this.fetch(atMs);
    } catch (error) {
      return { snapshot: null, status: 'unreachable', lastError: `source ${this.id}: ${(error as Error).message}` };
    }
    const ups = fetched.up.get(nodeId) ?? [];
    const down = ups.filter((u) => u.value !== 1).map((u) => u.job);
    const samples = fetched.samples.get(nodeId);
    if (samples === undefined) {
      const why =
        down.length > 0
          ? `Prometheus cannot scrape it (up = 0 for job ${down.join(', ')})`
          : `the source has no series for it at ${new Date(atMs).toISOString()}`;
      return { snapshot: null, status: 'unreachable', lastError: `source ${this.id}: ${why}` };
    }
    const snapshot = this.#snapshot(fetched, nodeId, samples);
    const problem = down.length > 0 ? `Prometheus cannot scrape job ${down.join(', ')} of this node (up = 0)` : snapshotProblem(snapshot);
    return { snapshot, status: problem === null ? 'up' : 'degraded', lastError: problem };
  }

  close(): void {
    this.#options.client.close();
  }

  #snapshot(fetched: Fetch, nodeId: string, samples: PromSample[]): NodeSnapshot {
    const known = fetched.snapshots.get(nodeId);
    if (known) return known;
    const previous = fetched.previous;
    const before = previous?.samples.get(nodeId) ?? null;
    const snapshot = nodeExporterSnapshot(samples, before, {
      nodeId,
      collectedAt: fetched.atMs,
      intervalMs: previous === null ? null : fetched.atMs - previous.atMs,
    });
    const gpus = dcgmGpus(samples);
    const withGpus = gpus.length > 0 ? { ...snapshot, gpus, gpuStatus: dcgmGpuStatus(gpus) } : snapshot;
    fetched.snapshots.set(nodeId, withGpus);
    return withGpus;
  }

  async #fetch(atMs: number): Promise<Fetch> {
    const { client, nodeLabel } = this.#options;
    const results = await Promise.all(FAMILY_QUERIES.map((expr) => client.query(expr, atMs)));
    const samples = new Map<string, PromSample[]>();
    const up = new Map<string, UpSample[]>();
    results.forEach((result, i) => {
      if (result.resultType !== 'vector') throw new Error(`${client.url} answered "${FAMILY_QUERIES[i]}" with a ${result.resultType}, not a vector`);
      for (const s of result.samples) {
        const label = s.labels[nodeLabel];
        const name = s.labels.__name__;
        if (label === undefined || label === '' || name === undefined) continue;
        const nodeId = nodeIdFromLabel(label);
        if (i === 0) {
          const list = up.get(nodeId) ?? [];
          list.push({ job: s.labels.job ?? '?', value: s.value });
          up.set(nodeId, list);
          continue;
        }
        const list = samples.get(nodeId);
        const sample = { name, labels: s.labels, value: s.value };
        if (list) list.push(sample);
        else if (samples.size < MAX_SOURCE_NODES * 2) samples.set(nodeId, [sample]);
      }
    });
    // Only a later reading replaces the last one (an older fetch finishing late does not).
    const previous = this.#last !== null && this.#last.atMs < atMs ? this.#last : null;
    const fetched: Fetch = { atMs, samples, up, previous, snapshots: new Map() };
    if (this.#last === null || this.#last.atMs < atMs) {
      if (previous) previous.previous = null; // keep one reading back, not the whole chain
      this.#last = fetched;
    }
    return fetched;
  }
}

/** One node of a source: its collect() reads the source's shared per-tick fetch. */
export class PrometheusNodeCollector implements NodeCollector {
  #state: NodeState;

  constructor(
    readonly nodeId: string,
    private readonly source: PrometheusSource,
  ) {
    this.#state = {
      id: nodeId,
      kind: 'prometheus',
      status: 'connecting',
      since: null,
      lastError: null,
      address: null,
      labels: [],
      missing: [],
      hostKey: null,
      passphraseFor: null,
    };
  }

  async prime(): Promise<void> {}

  async collect(collectedAt: number): Promise<NodeSnapshot | null> {
    const reading = await this.source.reading(this.nodeId, collectedAt);
    const since = this.#state.status === reading.status ? this.#state.since : collectedAt;
    this.#state = { ...this.#state, status: reading.status, since, lastError: reading.lastError, address: `source ${this.source.id}` };
    return reading.snapshot;
  }

  state(): NodeState {
    return this.#state;
  }

  /** The node's history from the source (query_range), or null where the store answers instead. */
  history(_query: MetricQuery): Promise<MetricQueryResult> | null {
    return null;
  }

  close(): void {}
}
