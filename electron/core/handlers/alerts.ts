/**
 * The alert calls: alerts, silences and rules over the engine's AlertEngine; the failures
 * timeline through the context. Who acknowledged, snoozed or silenced defaults to the OS user.
 */
import { userInfo } from 'node:os';
import type { CallHandlers } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import { AlertNotFoundError } from '../alerts/alert-engine';
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

/** The OS user running the engine ('unknown' where the system has no name for this uid). */
export function osUserName(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function alertHandlers(ctx: EngineContext): Pick<CallHandlers, AlertCalls> {
  /** An action on an alert or silence; an unknown id answers not-found. */
  const found = <T>(act: () => T): T => {
    try {
      return act();
    } catch (error) {
      if (error instanceof AlertNotFoundError) throw new ContractError('not-found', error.message);
      throw error;
    }
  };
  return {
    'alerts:list': async (query) => ctx.alerts.list(query),
    'alerts:get': async ({ id }) => {
      const found = ctx.alerts.get(id);
      if (!found) throw new ContractError('not-found', `no alert ${id}`);
      return found;
    },
    'alerts:summary': async () => ctx.alerts.summary(),
    'alerts:ack': async ({ id, by, comment }) => {
      return found(() => ctx.alerts.ack(id, by ?? osUserName(), comment ?? null));
    },
    'alerts:snooze': async ({ id, durationMs }) => {
      return found(() => ctx.alerts.snooze(id, durationMs, osUserName()));
    },
    'silences:list': async () => ctx.alerts.silences(),
    'silences:create': async ({ matchers, durationMs, comment, by }) => {
      try {
        return ctx.alerts.silence(matchers, durationMs, comment, by ?? osUserName());
      } catch (error) {
        if (error instanceof SyntaxError) throw new ContractError('bad-request', `a silence matcher is not a valid regular expression: ${error.message}`);
        throw error;
      }
    },
    'silences:expire': async ({ id }) => {
      return found(() => ctx.alerts.expireSilence(id, osUserName()));
    },
    'rules:list': async () => ({ ...ctx.alerts.rules(), userRulesDir: ctx.userRulesDir }),
    'failures:timeline': async (query) => ctx.timeline(query),
  };
}
