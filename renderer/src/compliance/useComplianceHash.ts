import { useCallback, useRef, useState } from 'react';
import { parseComplianceHash, type ComplianceRoute } from './model';

export interface ComplianceFocus {
  route: ComplianceRoute;
  seq: number;
}

/**
 * What `#/compliance` or `#/compliance/run/ID` asks the compliance page to show: read on load,
 * then handed over by the app's one route listener (`follow`). `leave()` (another view chosen)
 * forgets it.
 */
export function useComplianceHash(): { focus: ComplianceFocus | null; follow(route: ComplianceRoute): void; leave(): void } {
  const [focus, setFocus] = useState<ComplianceFocus | null>(() => {
    const route = parseComplianceHash(window.location.hash);
    return route ? { route, seq: 0 } : null;
  });
  const seq = useRef(0);
  const follow = useCallback((route: ComplianceRoute) => setFocus({ route, seq: ++seq.current }), []);
  const leave = useCallback(() => setFocus(null), []);
  return { focus, follow, leave };
}
