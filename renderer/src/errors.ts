import { ApiError } from './api';

/**
 * One line an administrator can act on: the engine's own sentence. Its code ("bad-request",
 * "unavailable"...) is for developers: it goes to the console (debug level) and `errorCode`,
 * not into the sentence.
 */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code !== 'transport') console.debug(`[clusterdeck] engine error (${error.code}): ${error.message}`);
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The engine's code for an error (for a title or a log line), or null when it has none. */
export function errorCode(error: unknown): string | null {
  return error instanceof ApiError ? error.code : null;
}

/** Surfaces errors outside React's reach (event listeners) in the console instead of losing them. */
export function reportError(context: string, error: unknown): void {
  console.error(`[clusterdeck] ${context}:`, error);
}
