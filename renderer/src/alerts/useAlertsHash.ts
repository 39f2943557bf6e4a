import { useCallback, useEffect, useState } from 'react';
import type { AlertsFocus } from './AlertsPage';
import { parseAlertsHash } from './model';

/**
 * `#/alerts/ID` (a desktop notification's click) or `#/alerts?node=N&gpu=G` (a badge), read on
 * load and on every hashchange; null until the hash names an alerts route. `leave()` (another
 * view is chosen) takes the route out of the address bar and forgets it, so the Alerts tab later
 * opens unfiltered and the same link works again.
 */
export function useAlertsHash(): { focus: AlertsFocus | null; leave(): void } {
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
  const leave = useCallback(() => {
    clearAlertsHash();
    setFocus(null);
  }, []);
  return { focus, leave };
}

function clearAlertsHash(): void {
  if (!parseAlertsHash(window.location.hash)) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
}
