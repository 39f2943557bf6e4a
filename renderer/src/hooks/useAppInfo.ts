import { useCallback, useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { api } from '../api';
import { describeError } from '../errors';

export interface AppInfoState {
  info: AppInfo | null;
  error: string | null;
  retry(): void;
}

/** 'app:info' once at start; it does not change while the engine runs. */
export function useAppInfo(): AppInfoState {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    api.call('app:info', {}).then(
      (value) => {
        if (!current) return;
        setInfo(value);
        setError(null);
      },
      (reason: unknown) => current && setError(`Could not read app info: ${describeError(reason)}`),
    );
    return () => {
      current = false;
    };
  }, [attempt]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  return { info, error, retry };
}
