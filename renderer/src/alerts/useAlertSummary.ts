import { useEffect, useSyncExternalStore } from 'react';
import type { AlertSummary } from '../../../shared/model/alerts';
import { alertSummaryStore } from './summaryStore';

/** The engine's alert summary (null until it answers): 'alerts:summary' once, then every 'alerts:changed'. */
export function useAlertSummary(): AlertSummary | null {
  useEffect(() => alertSummaryStore.start(), []);
  return useSyncExternalStore(alertSummaryStore.subscribe, alertSummaryStore.current);
}

/** Why the summary is missing, if it could not be read. */
export function useAlertSummaryError(): string | null {
  useEffect(() => alertSummaryStore.start(), []);
  return useSyncExternalStore(alertSummaryStore.subscribe, alertSummaryStore.currentError);
}
