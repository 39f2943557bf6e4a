import { useCallback, useEffect, useState } from 'react';
import type { StorageStats } from '../../../shared/contract';
import { api } from '../api';
import { describeError } from '../errors';

export interface StorageStatsState {
  /** The last answer, kept while a refresh runs. */
  stats: StorageStats | null;
  loading: boolean;
  error: string | null;
  /** When `stats` was read. */
  readAt: number | null;
  refresh(): void;
}

/**
 * 'storage:stats' when the settings open and on request. It measures the database file, which
 * takes a moment on a big one, so it is never polled.
 */
export function useStorageStats(): StorageStatsState {
  const [stats, setStats] = useState<StorageStats | null>(null);
  const [readAt, setReadAt] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [loadedAttempt, setLoadedAttempt] = useState(-1);

  useEffect(() => {
    const abort = new AbortController();
    api.call('storage:stats', {}, { signal: abort.signal }).then(
      (value) => {
        if (abort.signal.aborted) return;
        setStats(value);
        setReadAt(Date.now());
        setError(null);
        setLoadedAttempt(attempt);
      },
      (reason: unknown) => {
        if (abort.signal.aborted) return;
        setError(`Could not read storage statistics: ${describeError(reason)}`);
        setLoadedAttempt(attempt);
      },
    );
    return () => abort.abort();
  }, [attempt]);

  const refresh = useCallback(() => setAttempt((n) => n + 1), []);
  return { stats, loading: loadedAttempt !== attempt, error, readAt, refresh };
}
