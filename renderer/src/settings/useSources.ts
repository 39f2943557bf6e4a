import { useCallback, useEffect, useState } from 'react';
import type { SourceInfo } from '../../../shared/model/sources';
import { api } from '../api';
import { describeError } from '../errors';

/** How often the sources' health is read again while Settings is open. */
const HEALTH_REFRESH_MS = 5000;

export interface SourcesState {
  sources: SourceInfo[] | null;
  error: string | null;
  reload(): void;
}

/** 'sources:list' when Settings opens, after each change, and every few seconds for health. */
export function useSources(): SourcesState {
  const [sources, setSources] = useState<SourceInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const read = () =>
      api.call('sources:list', {}, { signal: abort.signal }).then(
        (list) => {
          if (abort.signal.aborted) return;
          setSources(list);
          setError(null);
        },
        (reason: unknown) => {
          if (!abort.signal.aborted) setError(`Could not read the sources: ${describeError(reason)}`);
        },
      );
    void read();
    const timer = setInterval(() => void read(), HEALTH_REFRESH_MS);
    return () => {
      abort.abort();
      clearInterval(timer);
    };
  }, [attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  return { sources, error, reload };
}
