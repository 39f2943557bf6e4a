import type { MetricQuery, MetricQueryResult } from '../../../shared/contract';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import type { NodeCollector } from '../collectors/node-collector';
import type { PrometheusSource } from './prometheus-source';

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
    if (reading.keepState === true && this.#state.status !== 'connecting') return null;
    const since = this.#state.status === reading.status ? this.#state.since : collectedAt;
    this.#state = { ...this.#state, status: reading.status, since, lastError: reading.lastError, address: `source ${this.source.id}` };
    return reading.snapshot;
  }

  state(): NodeState {
    return this.#state;
  }

  /** The node's history from the source (query_range), or null where the store answers instead. */
  history(query: MetricQuery): Promise<MetricQueryResult> | null {
    return this.source.history(this.nodeId, query);
  }

  close(): void {}
}
