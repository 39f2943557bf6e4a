/**
 * The Prometheus-compatible sources running in the engine: started from the config, changed
 * live when Settings saves (an added source starts, a removed one closes and its nodes leave
 * the fleet, a changed one restarts), and each one's health as its queries go (ok or the
 * classified error of the last failure, when it last answered, how many nodes it brings).
 */
import { isDeepStrictEqual } from 'node:util';
import type { PrometheusSourceConfig } from '../../shared/config';
import type { SourceHealth, SourceTestResult } from '../../shared/model/sources';
import type { Fleet } from './fleet';
import type { Logger } from './log';
import type { Clock } from './scheduler';
import type { QueryResult } from './sources/prometheus-api';
import type { PrometheusClient } from './sources/prometheus-client';
import { PrometheusError } from './sources/prometheus-errors';
import { PrometheusSource, type InstantQuerier } from './sources/prometheus-source';
import { sourceClient, type GivenSecrets, type SecretReader } from './sources/source-client';
import { testSourceConnection } from './sources/source-test';

export interface SourceSetOptions {
  /** Relative secret and CA files are read from here (the config file's folder). */
  configDir: string;
  secrets: SecretReader;
  log: Logger;
  clock: Clock;
  fleet: Pick<Fleet, 'add' | 'remove' | 'has' | 'ids' | 'collector' | 'readingBudgetMs'>;
  /** The host an SSH node is reached at, so that a source's node of that name merges with it. */
  sshHostOf(nodeId: string): string | undefined;
  /** How long a node may have no series before it leaves the fleet (default: the source's own). */
  vanishAfterMs?: number;
  /** A source's nodes left the fleet: the source was removed, or restarted (they come back as it discovers them). */
  onNodesLeft?(nodeIds: string[], why: 'removed' | 'changed'): void;
}

/** A source's client, recording how its queries go: the source's health. */
class HealthRecorder implements InstantQuerier {
  #calls = 0;
  #lastFailedCall = 0;
  state: SourceHealth['state'] = 'unknown';
  message: string | null = null;
  errorKind: string | null = null;
  lastOkAt: number | null = null;

  constructor(
    private readonly client: PrometheusClient,
    private readonly clock: Clock,
  ) {}

  get url(): string {
    return this.client.url;
  }

  async query(expr: string, atMs?: number): Promise<QueryResult> {
    const call = ++this.#calls;
    try {
      const result = await this.client.query(expr, atMs);
      this.lastOkAt = this.clock.now();
      // Only a query started after the last failure says the source is well again.
      if (call > this.#lastFailedCall) this.ok();
      return result;
    } catch (error) {
      this.#lastFailedCall = Math.max(this.#lastFailedCall, call);
      this.fail(error instanceof PrometheusError ? error.kind : 'error', (error as Error).message);
      throw error;
    }
  }

  /** Chart history (query_range): failures here are the chart's, not the source's health. */
  queryRange(expr: string, startMs: number, endMs: number, stepMs: number): Promise<QueryResult> {
    return this.client.queryRange(expr, startMs, endMs, stepMs);
  }

  ok(): void {
    this.state = 'ok';
    this.message = null;
    this.errorKind = null;
  }

  fail(kind: string, message: string): void {
    this.state = 'error';
    this.errorKind = kind;
    this.message = message;
  }

  close(): void {
    this.client.close();
  }
}

interface Running {
  config: PrometheusSourceConfig;
  /** Null when the source could not start (a secret or the CA unreadable): startError says why. */
  source: PrometheusSource | null;
  recorder: HealthRecorder | null;
  startError: string | null;
  nodes: Set<string>;
}

export class SourceSet {
  readonly #options: SourceSetOptions;
  readonly #running = new Map<string, Running>();

  constructor(options: SourceSetOptions) {
    this.#options = options;
  }

  /**
   * Makes the running sources those of `configs`. `restart` names sources whose kept secret
   * changed (their config did not); `discover` (default true) looks for a started source's nodes
   * at once rather than at the next tick (the engine's first apply leaves it to start()).
   */
  apply(configs: readonly PrometheusSourceConfig[], options: { restart?: readonly string[]; discover?: boolean } = {}): void {
    const restart = options.restart ?? [];
    const wanted = new Map(configs.map((c) => [c.id, c]));
    for (const id of [...this.#running.keys()]) if (!wanted.has(id)) this.#stop(id, 'removed');
    for (const config of configs) {
      const running = this.#running.get(config.id);
      if (running && isDeepStrictEqual(running.config, config) && !restart.includes(config.id)) continue;
      if (running) this.#stop(config.id, 'changed');
      this.#start(config);
      const started = this.#running.get(config.id)?.source;
      if (started && options.discover !== false) void started.discover(this.#options.clock.now());
    }
  }

  /** Sources still without nodes look for them (before the first tick). */
  async discoverPending(atMs: number): Promise<void> {
    await Promise.all([...this.#running.values()].flatMap((r) => (r.source !== null && r.source.nodeCount === 0 ? [r.source.discover(atMs)] : [])));
  }

  /** After a tick: nodes found by its fetch join; a source without nodes yet looks again. */
  afterTick(atMs: number): void {
    for (const { source } of this.#running.values()) {
      if (source === null) continue;
      if (source.nodeCount === 0) void source.discover(atMs);
      else source.adoptDiscovered();
    }
  }

  ids(): string[] {
    return [...this.#running.keys()];
  }

  health(id: string): SourceHealth {
    const running = this.#running.get(id);
    const none = { lastOkAt: null, nodeCount: 0, answerMs: null, late: false };
    if (!running) return { state: 'unknown', message: null, errorKind: null, ...none };
    if (running.startError !== null) return { state: 'error', message: running.startError, errorKind: 'config', ...none };
    const recorder = running.recorder!;
    const answer = running.source?.lastAnswer ?? null;
    return {
      state: recorder.state,
      message: recorder.message,
      errorKind: recorder.errorKind,
      lastOkAt: recorder.lastOkAt,
      nodeCount: running.nodes.size,
      answerMs: answer === null ? null : Math.round(answer.ms),
      late: answer?.late ?? false,
    };
  }

  /** Tries a config without starting it (Settings' test-connection); secrets typed but not kept yet come in `given`. */
  async test(config: PrometheusSourceConfig, given: GivenSecrets = {}): Promise<SourceTestResult> {
    let client: PrometheusClient;
    try {
      client = sourceClient(config, this.#options.configDir, this.#options.secrets, given);
    } catch (error) {
      return { ok: false, errorKind: 'config', message: (error as Error).message, version: null, nodeCount: null, elapsedMs: 0 };
    }
    try {
      return await testSourceConnection(client, config.nodeLabel, () => this.#options.clock.now());
    } finally {
      client.close();
    }
  }

  close(): void {
    for (const id of [...this.#running.keys()]) this.#stop(id, 'closed');
  }

  #start(config: PrometheusSourceConfig): void {
    const { fleet, log } = this.#options;
    const nodes = new Set<string>();
    let recorder: HealthRecorder;
    try {
      recorder = new HealthRecorder(sourceClient(config, this.#options.configDir, this.#options.secrets), this.#options.clock);
    } catch (error) {
      const startError = `source ${config.id} is not used: ${(error as Error).message}`;
      log.error(startError);
      this.#running.set(config.id, { config, source: null, recorder: null, startError, nodes });
      return;
    }
    const source = new PrometheusSource({
      id: config.id,
      client: recorder,
      nodeLabel: config.nodeLabel,
      log,
      alreadyCollected: (names) =>
        fleet
          .ids()
          .find((id) => fleet.collector(id)?.state().kind !== 'prometheus' && (names.includes(id) || names.includes(this.#options.sshHostOf(id) ?? ''))) ??
        null,
      addNode: (collector) => {
        // A discovery that finishes after the source was stopped or restarted adds nothing.
        if (this.#running.get(config.id)?.nodes !== nodes) return;
        if (fleet.has(collector.nodeId)) {
          log.warn(`source ${config.id}: node ${collector.nodeId} is already collected`);
          return;
        }
        fleet.add(collector);
        nodes.add(collector.nodeId);
      },
      // A node the source has had no series for long enough leaves the fleet, as a removed one.
      removeNode: (nodeId) => {
        if (this.#running.get(config.id)?.nodes !== nodes || !nodes.delete(nodeId)) return;
        fleet.remove(nodeId);
        this.#options.onNodesLeft?.([nodeId], 'removed');
      },
      now: () => this.#options.clock.now(),
      vanishAfterMs: this.#options.vanishAfterMs,
      // An answer later than the tick allows feeds the next tick rather than leaving every node without values.
      readingBudgetMs: () => fleet.readingBudgetMs(),
    });
    this.#running.set(config.id, { config, source, recorder, startError: null, nodes });
  }

  #stop(id: string, why: 'removed' | 'changed' | 'closed'): void {
    const running = this.#running.get(id);
    if (!running) return;
    this.#running.delete(id);
    running.source?.close();
    if (why === 'closed') return;
    const left = [...running.nodes];
    for (const nodeId of left) this.#options.fleet.remove(nodeId);
    if (left.length > 0) {
      this.#options.log.info(`source ${id} ${why}: its ${left.length} node(s) left the fleet`);
      this.#options.onNodesLeft?.(left, why);
    }
  }
}
