import type { CallHandlers } from '../../../shared/contract';
import { APP_VERSION } from '../app-root';
import type { EngineContext } from './context';

export function appHandlers(ctx: EngineContext): Pick<CallHandlers, 'app:info' | 'engine:status'> {
  return {
    'app:info': async () => ({ version: APP_VERSION, ...ctx.app, secretsKept: ctx.secrets.available }),
    'engine:status': async () => ctx.status(),
  };
}
