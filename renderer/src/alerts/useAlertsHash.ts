import { useEffect, useState } from 'react';
import type { AlertsFocus } from './AlertsPage';
import { parseAlertsHash } from './model';

/**
 * `#/alerts/ID` (a desktop notification's click) or `#/alerts?node=N&gpu=G` (a badge), read on
 * load and on every hashchange; null until the hash names an alerts route.
 */
export function useAlertsHash(): AlertsFocus | null {
  const [focus, setFocus] = useState<AlertsFocus | null>(() => {
    const route = parseAlertsHash(window.location.hash);
    return route ? { route, seq: 0 } : null;
  });
  useEffect(() => {
    let seq = 0;
    const read = () => {
      const route = parseAlertsHash(window.location.hash);
      if (route) setFocus({ route, seq: ++seq });
    };
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  return focus;
}

/** Leaves the alerts route out of the address bar (another view is shown), so the same link works again. */
export function clearAlertsHash(): void {
  if (!parseAlertsHash(window.location.hash)) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
}
