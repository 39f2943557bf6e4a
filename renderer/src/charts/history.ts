import type { MetricQuery, MetricQueryResult } from '../../../shared/contract';
import { api } from '../api';
import { SharedRequests } from './sharedRequests';

const requests = new SharedRequests<MetricQueryResult>();

/**
 * 'metrics:query', with identical concurrent queries sent once: every GPU's chart of a metric
 * asks for the same window at the same moment, and one answer carries all GPUs. Aborting
 * `signal` (the window changed) drops this caller; the query is cancelled once none is left.
 */
export function queryHistory(query: MetricQuery, signal?: AbortSignal): Promise<MetricQueryResult> {
  const key = `${query.nodeId}\u0000${query.metric}\u0000${query.fromMs}\u0000${query.toMs}\u0000${query.maxPoints}`;
  return requests.request(key, (shared) => api.call('metrics:query', query, { signal: shared }), signal);
}
