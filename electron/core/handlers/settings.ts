// PLACEHOLDER (issue 10 in progress): replaced by the settings handlers in this session.
import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { EngineContext } from './context';

export function settingsHandlers(_ctx: EngineContext): Pick<CallHandlers, 'settings:get' | 'settings:update'> {
  const unavailable = async (): Promise<never> => {
    throw new ContractError('unavailable', 'settings are not wired yet');
  };
  return { 'settings:get': unavailable, 'settings:update': unavailable };
}
