import { useEffect, useState } from 'react';
import type { EngineStatus } from '../../../shared/contract';
import { api } from '../api';
import { describeError } from '../errors';

/** Keeps whichever report has seen more ticks, so a slow call cannot overwrite a newer event. */
function newer(a: EngineStatus | null, b: EngineStatus): EngineStatus {
  if (a === null || b.ticks >= a.ticks || b.state === 'stopped') return b;
  return a;
}

/** 'engine:status' once, then every 'engine:statusChanged' event. */
export function useEngineStatus(): { status: EngineStatus | null; error: string | null } {
  const [status, setStatus] = useState<EngineStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    const off = api.on('engine:statusChanged', (next) => {
      setStatus((prev) => newer(prev, next));
      setError(null);
    });
    api.call('engine:status', {}).then(
      (value) => current && setStatus((prev) => newer(prev, value)),
      (reason: unknown) => current && setError(`Could not read engine status: ${describeError(reason)}`),
    );
    return () => {
      current = false;
      off();
    };
  }, []);

  return { status, error };
}
