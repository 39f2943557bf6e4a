/**
 * Where each tick's snapshots go: to sinks (the store, the UI events, the status history; alerts
 * and audits next), registered in one place (engine.ts) and run in that order. A sink that
 * throws is reported and never keeps the others from their tick.
 */
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';

export interface CollectedTick {
  /** The grid time of the tick. */
  atMs: number;
  /** Wall clock when the sinks run. */
  nowMs: number;
  snapshots: readonly NodeSnapshot[];
  /** Every node's state after this tick's collection. */
  states(): readonly NodeState[];
}

export interface TickSink {
  readonly name: string;
  write(tick: CollectedTick): void;
}

export interface SinkFailure {
  sink: string;
  error: Error;
}

export class TickPipeline {
  private readonly sinks: TickSink[] = [];

  add(sink: TickSink): this {
    this.sinks.push(sink);
    return this;
  }

  /** Runs every sink in order; returns those that failed. */
  run(tick: CollectedTick): SinkFailure[] {
    const failures: SinkFailure[] = [];
    for (const sink of this.sinks) {
      try {
        sink.write(tick);
      } catch (error) {
        failures.push({ sink: sink.name, error: error instanceof Error ? error : new Error(String(error)) });
      }
    }
    return failures;
  }
}
