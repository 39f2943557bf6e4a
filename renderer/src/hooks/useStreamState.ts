import { useEffect, useRef, useState } from 'react';
import { api, type StreamState } from '../api';

/** Whether live events are arriving (always 'open' inside the desktop app). */
export function useStreamState(): StreamState {
  const [state, setState] = useState<StreamState>(() => api.streamState());
  useEffect(() => {
    setState(api.streamState());
    return api.onStreamState(setState);
  }, []);
  return state;
}

/**
 * Counts how often the event stream came back after dropping. Snapshots sent while it was down
 * are lost, so the overview reloads history once per reconnection to close the gap.
 */
export function useStreamReconnects(): number {
  const state = useStreamState();
  const wasOpen = useRef(false);
  const dropped = useRef(false);
  const [reconnects, setReconnects] = useState(0);
  useEffect(() => {
    if (state === 'open') {
      if (wasOpen.current && dropped.current) setReconnects((n) => n + 1);
      wasOpen.current = true;
      dropped.current = false;
    } else if (wasOpen.current) {
      dropped.current = true;
    }
  }, [state]);
  return reconnects;
}
