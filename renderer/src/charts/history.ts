import type { MetricQuery, MetricQueryResult } from '../../../shared/contract';
import { api } from '../api';

const inFlight = new Map<string, Promise<MetricQueryResult>>();

/**
 * 'metrics:query', with identical concurrent queries sent once: every GPU's chart of a metric
 * asks for the same window at the same moment, and one answer carries all GPUs.
 */
export function queryHistory(query: MetricQuery): Promise<MetricQueryResult> {
  const key = `${query.nodeId}\u0000${query.metric}\u0000${query.fromMs}\u0000${query.toMs}\u0000${query.maxPoints}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = api.call('metrics:query', query).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}
