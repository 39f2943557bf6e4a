import { useEffect, useState } from 'react';
import { serverClock } from '../live';

/**
 * The engine's time now, refreshed every `everyMs` on this window's own timer: values age on
 * screen even when no event arrives (a frozen server, a dead link).
 */
export function useServerNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => serverClock.now(Date.now()));
  useEffect(() => {
    const timer = window.setInterval(() => setNow(serverClock.now(Date.now())), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}
