import { z } from 'zod';
import { CALLS, type CallError, type CallHandlers, type CallResult, isCallName } from './contract';

/** An error a handler throws on purpose, with a code the UI can act on. */
export class ContractError extends Error {
  constructor(
    readonly code: CallError['code'],
    message: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(request)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Runs one call the way every transport must: refuse an unknown name, validate the payload,
 * call the handler, validate what it answers, and turn every failure into `{ok:false}` without a
 * stack trace. `onInternalError` sees the real error for logging.
 */
export async function dispatchCall(
  handlers: CallHandlers,
  name: unknown,
  payload: unknown,
  onInternalError: (error: unknown, name: string) => void = () => {},
): Promise<CallResult<unknown>> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown-call', message: `unknown call ${JSON.stringify(String(name)).slice(0, 80)}` } };
  }
  const spec = CALLS[name];
  const parsed = spec.request.safeParse(payload ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'bad-request', message: `${name}: ${describeIssues(parsed.error)}` } };
  }
  try {
    const handler = handlers[name] as (request: unknown) => Promise<unknown>;
    const value = await handler(parsed.data);
    const checked = spec.response.safeParse(value);
    if (!checked.success) {
      onInternalError(new Error(`response of ${name} breaks the contract: ${describeIssues(checked.error)}`), name);
      return { ok: false, error: { code: 'internal', message: `${name} failed inside the engine` } };
    }
    return { ok: true, value: checked.data };
  } catch (error) {
    if (error instanceof ContractError) return { ok: false, error: { code: error.code, message: error.message } };
    onInternalError(error, name);
    return { ok: false, error: { code: 'internal', message: `${name} failed inside the engine` } };
  }
}
