/** The error an abandoned call rejects with, as fetch() does. */
export function abortError(): Error {
  return new DOMException('The request was cancelled', 'AbortError');
}

/** True for a call given up on purpose (the range changed), which is never shown as an error. */
export function isAbortError(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'AbortError';
}
