import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { EngineContext } from './context';

const MAX_RANGE_MS = 3 * 365 * 86_400_000;

export function metricsHandlers(ctx: EngineContext): Pick<CallHandlers, 'metrics:query' | 'metrics:latest'> {
  return {
    'metrics:query': async (query) => {
      if (query.toMs - query.fromMs > MAX_RANGE_MS) throw new ContractError('bad-request', 'range longer than 3 years');
      const fromSource = ctx.sourceHistory(query);
      if (fromSource === null) return ctx.store.queryMetric(query);
      try {
        return await fromSource;
      } catch (error) {
        // The source is down: the ticks this engine stored of that node still chart (logged once per call).
        if (!(error instanceof ContractError) || error.code !== 'unavailable') throw error;
        ctx.log.warn(`${error.message}; answering from the local store`);
        return ctx.store.queryMetric(query);
      }
    },
    'metrics:latest': async (query) => ctx.store.latestValues(query),
  };
}
