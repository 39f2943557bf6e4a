import { useCallback, useEffect, useRef, useState } from 'react';
import type { FailureEvent } from '../../../shared/model/alerts';
import { isAbortError } from '../abort';
import { api } from '../api';
import { describeError } from '../errors';
import type { ChartWindow } from '../ranges';

export interface FailureTimelineState {
  /** The last answer, kept while the next one loads. */
  events: FailureEvent[];
  /** The engine had more events than it sends at once; the oldest shown may not be the first. */
  truncated: boolean;
  loading: boolean;
  error: string | null;
  retry(): void;
}

/** 'alerts:changed' can come every tick while alerts churn: reload at most this often. */
const MIN_RELOAD_GAP_MS = 2000;
/** Events that raise no alert (an info Xid) appear after at most this much live time. */
const LIVE_RELOAD_MS = 30_000;

const loadKey = (nodeId: string, w: ChartWindow, trigger: number) => `${nodeId}|${w.fromMs}|${w.toMs}|${trigger}`;

/**
 * A node's failure events over the charts' window, up to the live end (`liveEndMs`, the newest
 * tick). Reloaded when the window changes, when alerts change, and as the live end moves on.
 */
export function useFailureTimeline(nodeId: string, timeWindow: ChartWindow, liveEndMs: number): FailureTimelineState {
  const [answer, setAnswer] = useState<{ events: FailureEvent[]; truncated: boolean; error: string | null; key: string }>({
    events: [],
    truncated: false,
    error: null,
    key: '',
  });
  const [trigger, setTrigger] = useState(0);
  const liveEndRef = useRef(liveEndMs);
  liveEndRef.current = liveEndMs;
  const loadedToRef = useRef(0);
  const lastLoadRef = useRef(0);
  const key = loadKey(nodeId, timeWindow, trigger);

  useEffect(() => {
    const key = loadKey(nodeId, timeWindow, trigger);
    const abort = new AbortController();
    const toMs = Math.max(timeWindow.toMs, liveEndRef.current) + 1;
    lastLoadRef.current = Date.now();
    loadedToRef.current = toMs;
    api.call('failures:timeline', { nodeId, fromMs: timeWindow.fromMs, toMs }, { signal: abort.signal }).then(
      ({ events, truncated }) => {
        if (!abort.signal.aborted) setAnswer({ events, truncated, error: null, key });
      },
      (reason: unknown) => {
        if (abort.signal.aborted || isAbortError(reason)) return;
        setAnswer((prev) => ({ ...prev, error: `Failures unavailable: ${describeError(reason)}`, key }));
      },
    );
    return () => abort.abort();
  }, [nodeId, timeWindow, trigger]);

  // Alerts changed: something may have been recorded. Coalesced so a burst is one reload.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = api.on('alerts:changed', () => {
      if (timer !== null) return;
      const wait = Math.max(0, lastLoadRef.current + MIN_RELOAD_GAP_MS - Date.now());
      timer = setTimeout(() => {
        timer = null;
        setTrigger((n) => n + 1);
      }, wait);
    });
    return () => {
      off();
      if (timer !== null) clearTimeout(timer);
    };
  }, []);

  useEffect(() => {
    if (liveEndMs - loadedToRef.current >= LIVE_RELOAD_MS) setTrigger((n) => n + 1);
  }, [liveEndMs]);

  const retry = useCallback(() => setTrigger((n) => n + 1), []);
  return { events: answer.events, truncated: answer.truncated, loading: answer.key !== key, error: answer.error, retry };
}
