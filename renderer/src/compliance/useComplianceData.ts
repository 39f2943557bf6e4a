/** The compliance page's reads: policies, runs, one run's results, waivers, the profile; and audit progress events. */
import { useCallback, useEffect, useState } from 'react';
import type { CallName, CallRequest, CallResponse } from '../../../shared/contract';
import type { Profile } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import type { AuditProgress } from './model';

export interface Loaded<T> {
  /** null until the first answer. */
  value: T | null;
  error: string | null;
}

/** One call, read again whenever `version` (or the request's JSON) changes; `request` null reads nothing. */
function useCall<C extends CallName>(name: C, request: CallRequest<C> | null, version: number, what: string): Loaded<CallResponse<C>> {
  const [state, setState] = useState<Loaded<CallResponse<C>>>({ value: null, error: null });
  const requestKey = request === null ? null : JSON.stringify(request);
  useEffect(() => {
    if (requestKey === null) {
      setState({ value: null, error: null });
      return;
    }
    const abort = new AbortController();
    api.call(name, JSON.parse(requestKey) as CallRequest<C>, { signal: abort.signal }).then(
      (value) => !abort.signal.aborted && setState({ value, error: null }),
      (reason: unknown) => !abort.signal.aborted && setState((s) => ({ ...s, error: `Could not read ${what}: ${describeError(reason)}` })),
    );
    return () => abort.abort();
  }, [name, requestKey, version, what]);
  return state;
}

export const usePolicies = (version: number) => useCall('audits:policies', {}, version, 'the policies');
export const useRuns = (version: number) => useCall('audits:runs', { limit: 100 }, version, 'the audit runs');
export const useResults = (runId: number | null, version: number) => useCall('audits:results', runId === null ? null : { runId }, version, "the run's results");
export const useWaivers = (version: number) => useCall('audits:waivers', {}, version, 'the waivers');
export const useDrift = (fromRunId: number | null, toRunId: number | null) =>
  useCall('audits:drift', fromRunId === null || toRunId === null ? null : { fromRunId, toRunId }, 0, 'the drift');

/** Who this window acts as; `switchTo` changes it and reports the engine's refusal. */
export function useProfile(): { profile: Profile | null; error: string | null; switchTo(profile: Profile): void } {
  const [profile, setProfile] = useState<Profile | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    api.call('profile:get', {}, { signal: abort.signal }).then(
      (value) => !abort.signal.aborted && setProfile(value),
      (reason: unknown) => !abort.signal.aborted && setError(`Could not read the profile: ${describeError(reason)}`),
    );
    return () => abort.abort();
  }, []);
  const switchTo = useCallback((next: Profile) => {
    setError(null);
    api.call('profile:set', { profile: next }).then(setProfile, (reason: unknown) => setError(`Could not switch the profile: ${describeError(reason)}`));
  }, []);
  return { profile, error, switchTo };
}

/**
 * The latest audit:progress of the audit this page started (by policy, and by run id once known);
 * `onFinished` runs once when it ends, with its run id.
 */
export function useAuditProgress(onFinished: (runId: number | null) => void): {
  progress: AuditProgress | null;
  start(policyId: string, total: number): void;
  attach(runId: number): void;
} {
  const [progress, setProgress] = useState<AuditProgress | null>(null);
  const [watching, setWatching] = useState<{ policyId: string; runId: number | null } | null>(null);
  useEffect(() => {
    if (!watching) return;
    return api.on('audit:progress', (event) => {
      if (event.policyId !== watching.policyId) return;
      if (watching.runId !== null && event.runId !== null && event.runId !== watching.runId) return;
      setProgress(event);
      if (event.finished) {
        setWatching(null);
        onFinished(event.runId ?? watching.runId);
      }
    });
  }, [watching, onFinished]);
  const start = useCallback((policyId: string, total: number) => {
    setProgress({ runId: null, policyId, done: 0, total, nodeId: null, finished: false, error: null });
    setWatching({ policyId, runId: null });
  }, []);
  const attach = useCallback((runId: number) => {
    setWatching((w) => (w ? { ...w, runId } : w));
    setProgress((p) => (p && !p.finished ? { ...p, runId } : p));
  }, []);
  return { progress, start, attach };
}
