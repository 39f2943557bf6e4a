import type { EventName, EventPayload } from '../../shared/contract';

type Listener<E extends EventName> = (payload: EventPayload<E>) => void;
type AnyListener = (name: EventName, payload: unknown) => void;

/**
 * The engine's events, typed by the contract. Transports subscribe to everything and forward;
 * a listener that throws is logged and never breaks the emitter or the tick.
 */
export class EngineEvents {
  private readonly listeners = new Set<AnyListener>();
  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(name, payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Every event, as (name, payload). Returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends EventName>(name: E, listener: Listener<E>): () => void {
    return this.onAny((n, payload) => {
      if (n === name) listener(payload as EventPayload<E>);
    });
  }
}
