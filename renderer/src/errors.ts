import { ApiError } from './api';

/** One line an administrator can act on; the code says whether to retry or to fix something. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.code === 'transport' ? error.message : `${error.message} (${error.code})`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Surfaces errors outside React's reach (event listeners) in the console instead of losing them. */
export function reportError(context: string, error: unknown): void {
  console.error(`[clusterdeck] ${context}:`, error);
}
