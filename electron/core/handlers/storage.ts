import type { CallHandlers } from '../../../shared/contract';
import type { EngineContext } from './context';

export function storageHandlers(ctx: EngineContext): Pick<CallHandlers, 'storage:stats'> {
  return {
    'storage:stats': async () => ctx.store.stats(),
  };
}
