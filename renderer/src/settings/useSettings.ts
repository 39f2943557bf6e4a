import { useCallback, useEffect, useState } from 'react';
import type { Config, SettingsPatch } from '../../../shared/config';
import { api } from '../api';
import { describeError } from '../errors';

export interface SettingsState {
  config: Config | null;
  configPath: string | null;
  writable: boolean;
  loading: boolean;
  /** Reading the settings failed. */
  error: string | null;
  reload(): void;
  /** Resolves with the config now in force; rejects with the engine's reason. */
  save(patch: SettingsPatch): Promise<Config>;
}

/** 'settings:get' when Settings opens (and on request); 'settings:update' on save. */
export function useSettings(): SettingsState {
  const [answer, setAnswer] = useState<{ config: Config; configPath: string; writable: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [loadedAttempt, setLoadedAttempt] = useState(-1);

  useEffect(() => {
    const abort = new AbortController();
    api.call('settings:get', {}, { signal: abort.signal }).then(
      (value) => {
        if (abort.signal.aborted) return;
        setAnswer(value);
        setError(null);
        setLoadedAttempt(attempt);
      },
      (reason: unknown) => {
        if (abort.signal.aborted) return;
        setError(`Could not read the settings: ${describeError(reason)}`);
        setLoadedAttempt(attempt);
      },
    );
    return () => abort.abort();
  }, [attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const save = useCallback(async (patch: SettingsPatch) => {
    const { config } = await api.call('settings:update', { patch });
    setAnswer((prev) => (prev ? { ...prev, config } : prev));
    return config;
  }, []);

  return {
    config: answer?.config ?? null,
    configPath: answer?.configPath ?? null,
    writable: answer?.writable ?? false,
    loading: loadedAttempt !== attempt,
    error,
    reload,
    save,
  };
}
