/**
 * A Prometheus-compatible source as a set of nodes. Each tick costs a fixed set of instant
 * queries for the whole fleet (one per metric family, FAMILIES), shared by every node of the
 * source however many there are; the answers are grouped by the node label (instance without
 * its :port by default) and mapped through node-exporter-map and dcgm-map, with rates over the
 * node's last two distinct scrapes (rate-base.ts: a source is read more often than it scrapes). Nodes are discovered from the node_exporter and DCGM series; a node
 * already collected over SSH or as this machine (same name) is left to that collection.
 *
 * Families are independent: one that fails leaves its part of every node missing and the nodes
 * degraded, naming the family. Only every family failing, or `up` failing in a way that says the
 * source itself cannot be used (unreachable, unauthorized, TLS), makes the nodes unreachable
 * with the classified error. A node with no series at all for vanishAfterMs (counted over
 * fetches where every family answered) is removed from the fleet; discovery adds it again if it
 * comes back. Chart history is read from the source (prometheus-history.ts).
 */
import { NodeIdSchema, type NodeStatus } from '../../../shared/model/inventory';
import { NODE_LIMITS } from '../../../shared/model/limits';
import type { MetricQuery, MetricQueryResult, SeriesPoints } from '../../../shared/contract';
import type { NodeSnapshot } from '../../../shared/model/node';
import { snapshotProblem, type NodeCollector } from '../collectors/node-collector';
import type { Logger } from '../log';
import type { QueryResult } from './prometheus-api';
import { dcgmGpus, dcgmGpuStatus, type PromSample } from './dcgm-map';
import { GpuIdentities } from './gpu-identities';
import { nodeExporterSnapshot } from './node-exporter-map';
import { sourceFamilies, type Family } from './source-families';
import { historyCache, sourceHistory } from './prometheus-history';
import { PrometheusError } from './prometheus-errors';
import { PrometheusNodeCollector } from './prometheus-node-collector';
import { observedScrapeIntervalMs, rateBase, type RateBase } from './rate-base';
import type { QueryCache } from './query-cache';

/**
 * What the source needs of a client: instant queries (a test wraps it to count them), and
 * range queries for chart history (without them, history is left to the local store).
 */
export interface InstantQuerier {
  readonly url: string;
  query(expr: string, atMs?: number): Promise<QueryResult>;
  queryRange?(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult>;
  close(): void;
}

/** How long a node may have no series at all before it leaves the fleet (default). */
export const VANISH_AFTER_MS = 10 * 60_000;
/** The smallest history step (default): Prometheus's default scrape interval. */
export const MIN_HISTORY_STEP_MS = 15_000;
/** `up` failing this way means the source itself cannot be used, whatever the other families did. */
const SOURCE_WIDE_KINDS = new Set<PrometheusError['kind']>(['unreachable', 'unauthorized', 'tls']);
/** Reasons a reused keep-alive connection fails with when the server went away. */
const STALE_CONNECTION = new Set(['ECONNRESET', 'EPIPE', 'closed']);

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

/** How long a fetch took (ms) for the tick at atMs, and whether that was past the tick's reading budget. */
export interface AnswerTiming {
  atMs: number;
  ms: number;
  late: boolean;
}

/** A family whose query failed in one fetch, and why. */
export interface FamilyFailure {
  family: string;
  message: string;
}

interface Fetch {
  atMs: number;
  /** node id -> its samples (node_exporter and DCGM) at atMs. */
  samples: Map<string, PromSample[]>;
  up: Map<string, UpSample[]>;
  /** The families that failed (their part of every node is missing). */
  failures: FamilyFailure[];
  previous: Fetch | null;
  snapshots: Map<string, NodeSnapshot>;
  /** The base each node's rates were over in this fetch (rate-base.ts), once its snapshot is made. */
  bases: Map<string, RateBase | null>;
}

export interface NodeReading {
  snapshot: NodeSnapshot | null;
  status: NodeStatus;
  lastError: string | null;
  /** The source's answer is late this tick (no values): the node keeps its state. */
  keepState?: boolean;
}

/** Late ticks in a row a node keeps its state through before it turns degraded. */
export const LATE_TICKS_TOLERATED = 2;

export interface PrometheusSourceOptions {
  id: string;
  client: InstantQuerier;
  nodeLabel: string;
  log: Logger;
  /** The name under which a node is already collected (SSH, this machine), if it is. */
  alreadyCollected: (names: string[]) => string | null;
  /** Adds a newly discovered node to the fleet. */
  addNode: (collector: NodeCollector) => void;
  /** Removes a node that has had no series for vanishAfterMs (without it, the node stays, unreachable). */
  removeNode?: (nodeId: string) => void;
  /** How long a node may have no series before removeNode (default VANISH_AFTER_MS). */
  vanishAfterMs?: number;
  /**
   * How long a tick's reading waits for the source's answer (about the fleet's tick deadline, less
   * a margin for mapping). Past it the tick goes on without the answer, which feeds the next
   * tick, and no new query is sent while it is still coming. Absent or null: readings wait.
   */
  readingBudgetMs?: () => number | null;
  /** The smallest history step, about the source's scrape interval (default MIN_HISTORY_STEP_MS). */
  minHistoryStepMs?: number;
  /** The clock of the history cache (default Date.now). */
  now?: () => number;
}

export class PrometheusSource {
  readonly id: string;
  readonly #options: PrometheusSourceOptions;
  #inFlight: { atMs: number; result: Promise<Fetch> } | null = null;
  #last: Fetch | null = null;
  readonly #nodes = new Set<string>();
  /** Ids left to another collection or refused (logged once). */
  readonly #passed = new Set<string>();
  /** When each node of the source last had a series (samples or `up`). */
  readonly #lastSeenMs = new Map<string, number>();
  /** The time of the last fetch each node was given, and its late ticks in a row since. */
  readonly #delivered = new Map<string, { atMs: number; lateTicks: number }>();
  /** This tick's answer, or null once its reading budget has passed. */
  #tickAnswer: { atMs: number; outcome: Promise<Fetch | null> } | null = null;
  readonly #history: QueryCache<SeriesPoints[]>;
  readonly #families: readonly Family[];
  readonly #identities: GpuIdentities;
  /** Nodes scraped less often than they are read: how often (rate-base.ts), for their charts' steps. */
  readonly #scrapeIntervals = new Map<string, number>();
  #closed = false;
  #lastAnswer: AnswerTiming | null = null;

  constructor(options: PrometheusSourceOptions) {
    this.id = options.id;
    this.#options = options;
    this.#history = historyCache(options.now);
    this.#families = sourceFamilies(options.nodeLabel);
    const { client, nodeLabel } = options;
    this.#identities = new GpuIdentities({
      url: client.url,
      query: (expr, atMs) => client.query(expr, atMs),
      nodeLabel,
      maxGpus: MAX_SOURCE_NODES * NODE_LIMITS.gpus,
    });
  }

  get nodeCount(): number {
    return this.#nodes.size;
  }

  /** How long the latest fetch that answered took, and whether it was later than its tick's reading budget. */
  get lastAnswer(): AnswerTiming | null {
    return this.#lastAnswer;
  }

  /** One fetch per tick time: every node of the source collecting at atMs shares it. */
  fetch(atMs: number): Promise<Fetch> {
    if (this.#inFlight?.atMs === atMs) return this.#inFlight.result;
    const startedMs = performance.now();
    const budgetMs = this.#options.readingBudgetMs?.() ?? null;
    const result = this.#fetch(atMs);
    const entry = { atMs, result };
    this.#inFlight = entry;
    // Shared while under way only: a later call for the same time reads afresh.
    const done = () => {
      if (this.#inFlight === entry) this.#inFlight = null;
    };
    result.then(() => {
      done();
      const ms = performance.now() - startedMs;
      if (this.#lastAnswer === null || this.#lastAnswer.atMs <= atMs) this.#lastAnswer = { atMs, ms, late: budgetMs !== null && ms > budgetMs };
    }, done);
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

  /**
   * Between ticks: removes the nodes without any series for vanishAfterMs, then adds the nodes
   * of the last good fetch that are not collected yet.
   */
  adoptDiscovered(): void {
    const last = this.#last;
    if (last === null) return;
    this.#removeVanished(last);
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
      this.#lastSeenMs.set(nodeId, last.atMs);
      this.#options.addNode(new PrometheusNodeCollector(nodeId, this));
      this.#options.log.info(`source ${this.id}: discovered node ${nodeId}`);
    }
  }

  /**
   * A node's snapshot and status at atMs, from the shared fetch. With a reading budget, an
   * answer later than it is read by the next tick: this one gives no values.
   */
  async reading(nodeId: string, atMs: number): Promise<NodeReading> {
    let answer: Fetch | null;
    try {
      answer = await this.#answerFor(atMs);
    } catch (error) {
      return { snapshot: null, status: 'unreachable', lastError: `source ${this.id}: ${(error as Error).message}` };
    }
    const delivered = this.#delivered.get(nodeId);
    const since = delivered?.atMs ?? -Infinity;
    // Late: the last answer this node has not had (an earlier tick's, come since) feeds this tick.
    const fetched = answer !== null && answer.atMs >= since ? answer : this.#last !== null && this.#last.atMs > since ? this.#last : null;
    if (fetched === null) {
      const lateTicks = (delivered?.lateTicks ?? 0) + 1;
      this.#delivered.set(nodeId, { atMs: since, lateTicks });
      const why = `source ${this.id}: its answer for ${new Date(atMs).toISOString()} is later than the tick allows; its values come with a later tick`;
      return { snapshot: null, status: 'degraded', lastError: why, keepState: lateTicks <= LATE_TICKS_TOLERATED };
    }
    this.#delivered.set(nodeId, { atMs: fetched.atMs, lateTicks: 0 });
    return this.#readingOf(fetched, nodeId);
  }

  /**
   * The answer for a tick at atMs, shared by its nodes: without a budget, the fetch; with one, the
   * fetch (or an earlier one still coming, not asked again on top of it) if it comes in time, else null.
   */
  #answerFor(atMs: number): Promise<Fetch | null> {
    const budgetMs = this.#options.readingBudgetMs?.() ?? null;
    if (budgetMs === null) return this.fetch(atMs);
    if (this.#tickAnswer?.atMs === atMs) return this.#tickAnswer.outcome;
    const coming = this.#inFlight;
    const answer = coming !== null && coming.atMs < atMs ? coming.result : this.fetch(atMs);
    const outcome = new Promise<Fetch | null>((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), budgetMs);
      answer.then(
        (fetched) => {
          clearTimeout(timer);
          resolve(fetched);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error as Error);
        },
      );
    });
    const entry = { atMs, outcome };
    this.#tickAnswer = entry;
    // Shared while it is decided only: a later call for the same time reads afresh.
    const done = () => {
      if (this.#tickAnswer === entry) this.#tickAnswer = null;
    };
    outcome.then(done, done);
    return outcome;
  }

  /**
   * Every node of one fetch at atMs, discovered ones included (the CLI's one-shot listing). A
   * source that cannot be used throws its classified error.
   */
  async readAll(atMs: number): Promise<Map<string, NodeReading>> {
    const fetched = await this.fetch(atMs);
    this.adoptDiscovered();
    return new Map([...this.#nodes].sort().map((nodeId) => [nodeId, this.#readingOf(fetched, nodeId)] as const));
  }

  #readingOf(fetched: Fetch, nodeId: string): NodeReading {
    const atMs = fetched.atMs;
    const ups = fetched.up.get(nodeId) ?? [];
    const down = ups.filter((u) => u.value !== 1).map((u) => u.job);
    const samples = fetched.samples.get(nodeId);
    const failed = failuresText(fetched.failures);
    if (samples === undefined) {
      const why =
        down.length > 0
          ? `Prometheus cannot scrape it (up = 0 for job ${down.join(', ')})`
          : `the source has no series for it at ${new Date(atMs).toISOString()}${this.#vanishNote(nodeId, fetched)}`;
      return { snapshot: null, status: 'unreachable', lastError: `source ${this.id}: ${why}${failed ? `; ${failed}` : ''}` };
    }
    const snapshot = this.#snapshot(fetched, nodeId, samples);
    const problem =
      failed !== null
        ? `source ${this.id}: ${failed}`
        : down.length > 0
          ? `Prometheus cannot scrape job ${down.join(', ')} of this node (up = 0)`
          : snapshotProblem(snapshot);
    return { snapshot, status: problem === null ? 'up' : 'degraded', lastError: problem };
  }

  /** A node's metric over a range, from the source; null where the client cannot read ranges. */
  history(nodeId: string, query: MetricQuery): Promise<MetricQueryResult> | null {
    const client = this.#options.client;
    if (client.queryRange === undefined) return null;
    return sourceHistory(
      {
        sourceId: this.id,
        client: { url: client.url, queryRange: (expr, startMs, endMs, stepMs) => client.queryRange!(expr, startMs, endMs, stepMs) },
        nodeLabel: this.#options.nodeLabel,
        minStepMs: Math.max(this.#options.minHistoryStepMs ?? MIN_HISTORY_STEP_MS, this.#scrapeIntervals.get(nodeId) ?? 0),
        cache: this.#history,
        now: this.#options.now ?? Date.now,
      },
      { ...query, nodeId },
    );
  }

  close(): void {
    this.#closed = true;
    this.#options.client.close();
    this.#history.clear();
  }

  get #vanishAfterMs(): number {
    return this.#options.vanishAfterMs ?? VANISH_AFTER_MS;
  }

  #vanishNote(nodeId: string, fetched: Fetch): string {
    const seen = this.#lastSeenMs.get(nodeId);
    if (seen === undefined || this.#options.removeNode === undefined) return '';
    const leftMs = Math.max(0, seen + this.#vanishAfterMs - fetched.atMs);
    return ` (none since ${new Date(seen).toISOString()}; it leaves the fleet in ${Math.ceil(leftMs / 1000)} s unless it comes back)`;
  }

  /** Nodes with no series at all since vanishAfterMs, judged only on fetches where every family answered. */
  #removeVanished(last: Fetch): void {
    const remove = this.#options.removeNode;
    if (remove === undefined || last.failures.length > 0) return;
    for (const nodeId of [...this.#nodes]) {
      const seen = this.#lastSeenMs.get(nodeId) ?? last.atMs;
      if (last.atMs - seen < this.#vanishAfterMs) continue;
      this.#nodes.delete(nodeId);
      this.#lastSeenMs.delete(nodeId);
      this.#delivered.delete(nodeId);
      this.#scrapeIntervals.delete(nodeId);
      this.#options.log.info(`source ${this.id}: node ${nodeId} has had no series since ${new Date(seen).toISOString()}; it leaves the fleet`);
      remove(nodeId);
    }
  }

  #snapshot(fetched: Fetch, nodeId: string, samples: PromSample[]): NodeSnapshot {
    const known = fetched.snapshots.get(nodeId);
    if (known) return known;
    const previous = fetched.previous;
    const base = rateBase(samples, previous && { samples: previous.samples.get(nodeId), atMs: previous.atMs, base: previous.bases.get(nodeId) });
    fetched.bases.set(nodeId, base);
    // Read once: the next fetch looks at this one's base, and the older samples go with it.
    previous?.bases.delete(nodeId);
    const before = previous?.samples.get(nodeId);
    if (previous !== null && before !== undefined && base?.samples === before) {
      // A new scrape: how long since the last one, where scrapes are rarer than readings.
      const interval = observedScrapeIntervalMs(samples, before, fetched.atMs - previous.atMs);
      if (interval === null) this.#scrapeIntervals.delete(nodeId);
      else this.#scrapeIntervals.set(nodeId, interval);
    }
    const snapshot = nodeExporterSnapshot(samples, base?.samples ?? null, {
      nodeId,
      collectedAt: fetched.atMs,
      intervalMs: base === null ? null : fetched.atMs - base.atMs,
    });
    const gpus = dcgmGpus(samples);
    const withGpus = gpus.length > 0 ? { ...snapshot, gpus, gpuStatus: dcgmGpuStatus(gpus) } : snapshot;
    fetched.snapshots.set(nodeId, withGpus);
    return withGpus;
  }

  async #fetch(atMs: number): Promise<Fetch> {
    const { client, nodeLabel } = this.#options;
    const families = this.#families;
    // Before any identity is known this fetch needs the first read; later ones do not wait for a refresh.
    const firstRead = this.#identities.firstRead(atMs);
    const settled = await Promise.allSettled(families.map((family) => client.query(family.expr, atMs)));
    const dcgmSamples: PromSample[] = [];
    const samples = new Map<string, PromSample[]>();
    const up = new Map<string, UpSample[]>();
    const failures: Array<FamilyFailure & { error: unknown }> = [];
    // Each node's label value comes once per family and series: its id is worked out once a fetch.
    const nodeIds = new Map<string, string>();
    settled.forEach((outcome, i) => {
      const family = families[i]!;
      if (outcome.status === 'rejected') {
        failures.push({ family: family.name, message: (outcome.reason as Error).message, error: outcome.reason });
        return;
      }
      const result = outcome.value;
      if (result.resultType !== 'vector') {
        const error = new PrometheusError(
          'not-prometheus',
          `${client.url} answered "${family.expr}" with a ${result.resultType}, not a vector`,
          'unexpected-result',
        );
        failures.push({ family: family.name, message: error.message, error });
        return;
      }
      const dcgm = family.name === 'dcgm';
      for (const s of result.samples) {
        const label = s.labels[nodeLabel];
        const name = s.labels.__name__ ?? family.sampleName;
        if (label === undefined || label === '' || name === undefined) continue;
        let nodeId = nodeIds.get(label);
        if (nodeId === undefined) {
          nodeId = nodeIdFromLabel(label);
          nodeIds.set(label, nodeId);
        }
        if (family.name === 'up') {
          const list = up.get(nodeId) ?? [];
          list.push({ job: s.labels.job ?? '?', value: s.value });
          up.set(nodeId, list);
          continue;
        }
        const list = samples.get(nodeId);
        const sample = { name, labels: s.labels, value: s.value };
        if (dcgm) dcgmSamples.push(sample);
        if (list) list.push(sample);
        else if (samples.size < MAX_SOURCE_NODES * 2) samples.set(nodeId, [sample]);
      }
    });
    // The source itself cannot be used: every family failed, or `up` cannot even be asked.
    const isSourceWide = (f: { error: unknown }) => f.error instanceof PrometheusError && SOURCE_WIDE_KINDS.has(f.error.kind);
    const upFailure = failures.find((f) => f.family === 'up');
    if (failures.length === families.length || (upFailure && isSourceWide(upFailure))) {
      // A reset of a kept-alive connection says less than what a fresh one met (refused, TLS, 401).
      const wide = failures.filter(isSourceWide);
      const pool = wide.length > 0 ? wide : failures;
      throw (pool.find((f) => !STALE_CONNECTION.has((f.error as PrometheusError).reason)) ?? pool[0]!).error;
    }
    const identityFailure = await this.#identities.identify(dcgmSamples, atMs, firstRead);
    // Sent once this fetch's answers are in, so the minute's read never holds up a tick.
    if (identityFailure === null) this.#identities.refresh(atMs, (failure) => this.#identityFailed(failure));
    // Without any identity read yet, GPUs lack their model, bus id and driver: say so; else the last read serves.
    else if (!this.#identities.known) failures.push({ family: 'GPU identity', message: identityFailure, error: null });
    else this.#identityFailed(identityFailure);
    if (failures.length > 0) this.#options.log.warn(`source ${this.id}: ${failuresText(failures)}`);
    for (const nodeId of this.#nodes) if (samples.has(nodeId) || up.has(nodeId)) this.#lastSeenMs.set(nodeId, atMs);
    // Only a later reading replaces the last one (an older fetch finishing late does not).
    const previous = this.#last !== null && this.#last.atMs < atMs ? this.#last : null;
    const fetched: Fetch = {
      atMs,
      samples,
      up,
      failures: failures.map(({ family, message }) => ({ family, message })),
      previous,
      snapshots: new Map(),
      bases: new Map(),
    };
    if (this.#last === null || this.#last.atMs < atMs) {
      if (previous) previous.previous = null; // keep one reading back, not the whole chain
      this.#last = fetched;
    }
    return fetched;
  }

  /** An identity read failed where one had answered before: the last read is kept (not logged once closed). */
  #identityFailed(failure: string): void {
    if (!this.#closed) this.#options.log.warn(`source ${this.id}: the GPU identity query failed (the last one read is kept): ${failure}`);
  }
}

/** The failed families in one line, e.g. `the cpu query failed: ...; the dcgm query failed: ...`. */
export function failuresText(failures: readonly FamilyFailure[]): string | null {
  if (failures.length === 0) return null;
  return failures.map((f) => `the ${f.family} query failed (its metrics are missing): ${f.message}`).join('; ');
}
