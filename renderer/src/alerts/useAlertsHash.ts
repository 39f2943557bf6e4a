import { useCallback, useRef, useState } from 'react';
import type { AlertsFocus } from './AlertsPage';
import { parseAlertsHash, type AlertsRoute } from './model';

/**
 * What the alerts page is asked to show by `#/alerts/ID` (a desktop notification's click) or
 * `#/alerts?node=N&gpu=G` (a badge): read on load, then handed over by the app's one route
 * listener (`follow`, inside the same event as the view change, so the page mounts with its
 * focus and never rewrites the hash before reading it). `leave()` (another view is chosen)
 * forgets it, so the Alerts tab later opens unfiltered and the same link works again.
 */
export function useAlertsHash(): { focus: AlertsFocus | null; follow(route: AlertsRoute): void; leave(): void } {
  const [focus, setFocus] = useState<AlertsFocus | null>(() => {
    const route = parseAlertsHash(window.location.hash);
    return route ? { route, seq: 0 } : null;
  });
  const seq = useRef(0);
  const follow = useCallback((route: AlertsRoute) => setFocus({ route, seq: ++seq.current }), []);
  const leave = useCallback(() => setFocus(null), []);
  return { focus, follow, leave };
}
