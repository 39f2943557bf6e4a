// PLACEHOLDER (issue 10 in progress): replaced by the alert engine's handlers in this session.
import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { EngineContext } from './context';

type AlertCalls =
  | 'alerts:list'
  | 'alerts:get'
  | 'alerts:summary'
  | 'alerts:ack'
  | 'alerts:snooze'
  | 'silences:list'
  | 'silences:create'
  | 'silences:expire'
  | 'rules:list'
  | 'failures:timeline';

export function alertHandlers(_ctx: EngineContext): Pick<CallHandlers, AlertCalls> {
  const unavailable = async (): Promise<never> => {
    throw new ContractError('unavailable', 'alerts are not wired yet');
  };
  return {
    'alerts:list': unavailable,
    'alerts:get': unavailable,
    'alerts:summary': unavailable,
    'alerts:ack': unavailable,
    'alerts:snooze': unavailable,
    'silences:list': unavailable,
    'silences:create': unavailable,
    'silences:expire': unavailable,
    'rules:list': unavailable,
    'failures:timeline': unavailable,
  };
}
