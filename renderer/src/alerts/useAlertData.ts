/** The alerts page's reads: the list, one alert's detail and the silences, refreshed by 'alerts:changed'. */
import { useCallback, useEffect, useState } from 'react';
import type { CallResponse } from '../../../shared/contract';
import type { Alert, Silence } from '../../../shared/model/alerts';
import { api } from '../api';
import { describeError } from '../errors';
import { ALERT_VIEWS } from './model';

/** The most alerts the page asks for at once (open ones first; the rest is resolved history). */
export const ALERT_LIST_LIMIT = 1000;
/** 'alerts:changed' may come every tick: the list is read again this often at most. */
const REFRESH_MS = 1000;

/**
 * A counter bumped by each 'alerts:changed' (at most once per REFRESH_MS) and by `bump()` after an
 * action: every read below keys on it.
 */
export function useAlertsVersion(): { version: number; bump(): void } {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let timer: number | null = null;
    const off = api.on('alerts:changed', () => {
      if (timer !== null) return;
      timer = window.setTimeout(() => {
        timer = null;
        setVersion((v) => v + 1);
      }, REFRESH_MS);
    });
    return () => {
      off();
      if (timer !== null) window.clearTimeout(timer);
    };
  }, []);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  return { version, bump };
}

export interface AlertListState {
  alerts: Alert[] | null;
  total: number;
  error: string | null;
}

export function useAlertList(version: number): AlertListState {
  const [state, setState] = useState<AlertListState>({ alerts: null, total: 0, error: null });
  useEffect(() => {
    const abort = new AbortController();
    api.call('alerts:list', { views: [...ALERT_VIEWS], limit: ALERT_LIST_LIMIT }, { signal: abort.signal }).then(
      (value) => !abort.signal.aborted && setState({ alerts: value.alerts, total: value.total, error: null }),
      (reason: unknown) => !abort.signal.aborted && setState((s) => ({ ...s, error: `Could not list the alerts: ${describeError(reason)}` })),
    );
    return () => abort.abort();
  }, [version]);
  return state;
}

export type AlertDetail = CallResponse<'alerts:get'>;

export function useAlertDetail(id: number | null, version: number): { detail: AlertDetail | null; error: string | null } {
  const [state, setState] = useState<{ id: number | null; detail: AlertDetail | null; error: string | null }>({ id: null, detail: null, error: null });
  useEffect(() => {
    if (id === null) return;
    const abort = new AbortController();
    api.call('alerts:get', { id }, { signal: abort.signal }).then(
      (detail) => !abort.signal.aborted && setState({ id, detail, error: null }),
      (reason: unknown) =>
        !abort.signal.aborted &&
        setState((s) => ({ id, detail: s.id === id ? s.detail : null, error: `Could not read alert ${id}: ${describeError(reason)}` })),
    );
    return () => abort.abort();
  }, [id, version]);
  // A detail of another alert is never shown while the chosen one loads.
  return state.id === id ? { detail: state.detail, error: state.error } : { detail: null, error: null };
}

export function useSilences(version: number): { silences: Silence[] | null; error: string | null } {
  const [state, setState] = useState<{ silences: Silence[] | null; error: string | null }>({ silences: null, error: null });
  useEffect(() => {
    const abort = new AbortController();
    api.call('silences:list', {}, { signal: abort.signal }).then(
      (silences) => !abort.signal.aborted && setState({ silences, error: null }),
      (reason: unknown) => !abort.signal.aborted && setState((s) => ({ ...s, error: `Could not list the silences: ${describeError(reason)}` })),
    );
    return () => abort.abort();
  }, [version]);
  return state;
}
