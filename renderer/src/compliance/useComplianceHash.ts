import { useCallback, useEffect, useState } from 'react';
import { parseComplianceHash, type ComplianceRoute } from './model';

export interface ComplianceFocus {
  route: ComplianceRoute;
  seq: number;
}

/**
 * `#/compliance` or `#/compliance/run/ID`, read on load and on every hashchange; null until the
 * hash names a compliance route. `leave()` (another view chosen) takes it out of the address bar.
 */
export function useComplianceHash(): { focus: ComplianceFocus | null; leave(): void } {
  const [focus, setFocus] = useState<ComplianceFocus | null>(() => {
    const route = parseComplianceHash(window.location.hash);
    return route ? { route, seq: 0 } : null;
  });
  useEffect(() => {
    let seq = 0;
    const read = () => {
      const route = parseComplianceHash(window.location.hash);
      if (route) setFocus({ route, seq: ++seq });
    };
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  const leave = useCallback(() => {
    if (parseComplianceHash(window.location.hash)) {
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}`);
    }
    setFocus(null);
  }, []);
  return { focus, leave };
}
