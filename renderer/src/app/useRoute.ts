import { useCallback, useEffect, useRef, useState } from 'react';
import { formatRoute, historyMode, parseRoute, type Route } from '../route';

/** Where the location hash changes: the app's own navigation, or Back/Forward, a link, a reload. */
export interface RouteControl {
  /** The route in the address bar; null when it names none (the app shows its landing view). */
  route: Route | null;
  /**
   * Goes to a route: a new history entry for a new view or node, the current one rewritten for a
   * new range or filter (see historyMode), unless `mode` says which. No hashchange is fired.
   */
  navigate(next: Route, mode?: 'push' | 'replace'): void;
}

function writeHash(hash: string, mode: 'push' | 'replace'): void {
  const url = `${window.location.pathname}${window.location.search}${hash}`;
  if (mode === 'push') window.history.pushState(null, '', url);
  else window.history.replaceState(window.history.state, '', url);
}

/**
 * The route in the URL's hash, kept in step both ways. `onArrive` runs (inside the event, so its
 * state updates render together with the new route) when the hash changes under the app: Back,
 * Forward, a clicked `#/...` link or a notification opening `#/alerts/ID`.
 */
export function useRoute(onArrive: (route: Route | null) => void): RouteControl {
  const [route, setRoute] = useState<Route | null>(() => parseRoute(window.location.hash));
  const arrive = useRef(onArrive);
  arrive.current = onArrive;
  // hashchange alone: Back and Forward between the entries pushed here fire it too (their hashes
  // differ), and unlike popstate it comes once per change, after the URL is final.
  useEffect(() => {
    const read = () => {
      const next = parseRoute(window.location.hash);
      arrive.current(next);
      setRoute(next);
    };
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);

  const navigate = useCallback((next: Route, mode?: 'push' | 'replace') => {
    const hash = formatRoute(next);
    if (hash !== window.location.hash) writeHash(hash, mode ?? historyMode(parseRoute(window.location.hash), next));
    setRoute(next);
  }, []);

  return { route, navigate };
}
