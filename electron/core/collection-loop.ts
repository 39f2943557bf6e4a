/**
 * The engine's tick: collect every node (fleet.ts), hand the snapshots to the tick pipeline's
 * sinks, then publish node states and the engine's own status. Engine health (storage, a failing
 * sink) is kept apart from node health (nodes down are counted, not an engine fault).
 */
import type { EngineStatus } from '../../shared/contract';
import type { NodeState } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import type { InternalBus } from './bus';
import type { EngineEvents } from './events';
import { nodeHealth, type Fleet } from './fleet';
import type { Logger } from './log';
import { STORE_SINK } from './pipeline/store-sink';
import type { TickPipeline } from './pipeline/tick-pipeline';
import { Scheduler, snapToGrid, type Clock } from './scheduler';
import type { TelemetryStore } from './store/telemetry-store';

const PRIME_WINDOW_MS = 500;

export interface CollectionLoopParts {
  intervalMs: number;
  clock: Clock;
  log: Logger;
  fleet: Fleet;
  store: TelemetryStore;
  pipeline: TickPipeline;
  events: EngineEvents;
  bus: InternalBus;
}

export class CollectionLoop {
  private current: EngineStatus;
  private lastStates = '';
  private readonly scheduler: Scheduler;
  private primed: Promise<void> | null = null;
  private stopped = false;
  private intervalMs: number;

  constructor(private readonly parts: CollectionLoopParts) {
    this.intervalMs = parts.intervalMs;
    this.current = { state: 'starting', ticks: 0, lastTickAt: null, lastTickDurationMs: null, lastError: null, storage: parts.store.status() };
    this.scheduler = new Scheduler(
      parts.intervalMs,
      async (gridTimeMs) => {
        try {
          await this.tick(gridTimeMs);
        } catch (error) {
          parts.log.error('collection tick failed', error);
        }
      },
      parts.clock,
    );
  }

  status(): EngineStatus {
    return this.current;
  }

  /** A new collection interval (Settings): it takes effect from the next tick. */
  setIntervalMs(intervalMs: number): void {
    this.intervalMs = intervalMs;
    this.scheduler.setIntervalMs(intervalMs);
  }

  private setStatus(next: EngineStatus): void {
    this.current = next;
    this.parts.events.emit('engine:statusChanged', next);
  }

  /** Sends `nodes:changed` when the states differ from the last sent; returns them. */
  publishStates(states: NodeState[] = this.parts.fleet.states()): NodeState[] {
    const json = JSON.stringify(states);
    if (json !== this.lastStates) {
      this.lastStates = json;
      this.parts.events.emit('nodes:changed', states);
    }
    return states;
  }

  async tick(gridTimeMs: number, waitForAll = false): Promise<NodeSnapshot[]> {
    const { fleet, store, pipeline, log, clock, bus } = this.parts;
    const started = performance.now();
    const { snapshots } = await fleet.tick(gridTimeMs, waitForAll);
    let states: NodeState[] | null = null;
    const failures = pipeline.run({ atMs: gridTimeMs, nowMs: clock.now(), snapshots, states: () => (states ??= fleet.states()) });
    let lastError: string | null = null;
    for (const failure of failures) {
      const why = failure.sink === STORE_SINK ? `could not store tick: ${failure.error.message}` : `${failure.sink} failed: ${failure.error.message}`;
      lastError ??= why;
      log.error(why, failure.error);
    }
    const storage = store.status();
    if (storage.state !== 'ok' && this.current.storage.state === 'ok') log.warn(storage.message ?? 'storage is not writable');
    // The states the sinks saw (taken after the store sink set its notes), or fresh ones.
    const published = this.publishStates(states ?? undefined);
    // Only the engine's own trouble degrades it; nodes that are down are counted apart.
    const degraded = lastError !== null || storage.state !== 'ok';
    this.setStatus({
      state: degraded ? 'degraded' : 'running',
      ticks: this.current.ticks + 1,
      lastTickAt: gridTimeMs,
      lastTickDurationMs: Math.round((performance.now() - started) * 10) / 10,
      lastError: lastError ?? storage.message,
      storage,
      nodes: nodeHealth(published),
    });
    bus.emit('tick:collected', { atMs: gridTimeMs, snapshots, states: published });
    return snapshots;
  }

  /** One counter reading, then a short pause: rates over half a second beat rates since boot. */
  private prime(): Promise<void> {
    this.primed ??= this.parts.fleet.prime().then(() => new Promise<void>((done) => setTimeout(done, PRIME_WINDOW_MS)));
    return this.primed;
  }

  async start(): Promise<void> {
    await this.prime();
    if (!this.stopped) this.scheduler.start();
  }

  async collectOnce(): Promise<NodeSnapshot[]> {
    await this.prime();
    return this.tick(snapToGrid(this.parts.clock.now(), this.intervalMs), true);
  }

  stop(): void {
    this.stopped = true;
    this.scheduler.stop();
    this.setStatus({ ...this.current, state: 'stopped' });
  }
}
