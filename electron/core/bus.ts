/**
 * The engine's internal signals, apart from the public UI events (events.ts): what one part of
 * the engine tells another (a tick was collected, a node or a GPU changed status). Alerts and
 * audits subscribe here; nothing here reaches a window or the HTTP stream.
 */
import type { NodeState } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';

export interface NodeStatusChange {
  nodeId: string;
  atMs: number;
  /** 'node' for the node's own status; 'gpus' for its GPU status; 'gpu' for one GPU by UUID. */
  kind: 'node' | 'gpus' | 'gpu';
  subject: string;
  state: string;
  previous: string | null;
  message: string | null;
}

export interface BusEvents {
  /** One tick, after every sink ran. */
  'tick:collected': { atMs: number; snapshots: readonly NodeSnapshot[]; states: readonly NodeState[] };
  'node:statusChanged': NodeStatusChange;
}

type Listener<E extends keyof BusEvents> = (payload: BusEvents[E]) => void;

export class InternalBus {
  private readonly listeners = new Map<keyof BusEvents, Set<Listener<never>>>();
  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on<E extends keyof BusEvents>(name: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** Synchronous; a listener that throws is reported and never stops the others. */
  emit<E extends keyof BusEvents>(name: E, payload: BusEvents[E]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
