import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { EngineContext } from './context';

type SourceCalls = 'sources:list' | 'sources:save' | 'sources:remove' | 'sources:test';

/** Prometheus-compatible sources in Settings. (Being built: these answer unavailable for now.) */
export function sourceHandlers(_ctx: EngineContext): Pick<CallHandlers, SourceCalls> {
  const notYet = async (): Promise<never> => {
    throw new ContractError('unavailable', 'sources are configured in config.yaml for now');
  };
  return { 'sources:list': notYet, 'sources:save': notYet, 'sources:remove': notYet, 'sources:test': notYet };
}
