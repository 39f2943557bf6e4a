import { useCallback, useRef, useState } from 'react';
import { describeError } from '../../errors';

export interface DialogCall {
  /** True while the call is out: the dialog disables its primary button. */
  sending: boolean;
  /** The engine's refusal, as one line, or null. */
  error: string | null;
  /**
   * Sends one call unless one is already out; `onDone` gets its value, `onFailed` (if given) the
   * reason as well, after the error line is set.
   */
  run<T>(call: () => Promise<T>, onDone: (value: T) => void, onFailed?: (reason: unknown) => void): void;
  clearError(): void;
}

/** The sending flag and error line every dialog that calls the engine keeps. */
export function useDialogCall(): DialogCall {
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // A ref as well as state: a double click within one render must not send twice.
  const out = useRef(false);
  // Stable across renders, so callers may use them inside their own callbacks and effects.
  const run = useCallback(<T>(call: () => Promise<T>, onDone: (value: T) => void, onFailed?: (reason: unknown) => void) => {
    if (out.current) return;
    out.current = true;
    setSending(true);
    setError(null);
    call().then(
      (value) => {
        out.current = false;
        setSending(false);
        onDone(value);
      },
      (reason: unknown) => {
        out.current = false;
        setSending(false);
        setError(describeError(reason));
        onFailed?.(reason);
      },
    );
  }, []);
  const clearError = useCallback(() => setError(null), []);
  return { sending, error, run, clearError };
}
