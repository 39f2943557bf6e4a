import type { AppInfo, EngineStatus } from '../../../shared/contract';
import { api } from '../api';
import { formatAgo, formatClock, formatDuration } from '../format';
import { useEngineStatus } from '../hooks/useEngineStatus';
import { useNow } from '../hooks/useNow';
import { useStreamState } from '../hooks/useStreamState';

const STATE_TONES: Record<EngineStatus['state'], string> = { starting: 'neutral', running: 'ok', degraded: 'warn', stopped: 'error' };

/** A tick overdue by this many intervals means the loop or the stream has stalled. */
const STALE_INTERVALS = 3;

function EngineSummary({ status, intervalMs }: { status: EngineStatus; intervalMs: number | null }) {
  const now = useNow();
  const stale = status.lastTickAt !== null && intervalMs !== null && now - status.lastTickAt > intervalMs * STALE_INTERVALS;
  return (
    <>
      <span className="statusbar__item" data-testid="engine-state" data-state={status.state}>
        <span className={`dot dot--${STATE_TONES[status.state]}`} aria-hidden="true" />
        Engine {status.state}
      </span>
      <span className="statusbar__item">
        {status.lastTickAt === null ? (
          'no tick yet'
        ) : (
          <>
            tick {status.ticks} at {formatClock(status.lastTickAt, true)}{' '}
            <span className={stale ? 'statusbar__stale' : 'muted'}>({formatAgo(status.lastTickAt, now)})</span>
            {status.lastTickDurationMs !== null && <span className="muted"> · took {formatDuration(status.lastTickDurationMs)}</span>}
          </>
        )}
      </span>
      {status.lastError && (
        <span className="statusbar__item statusbar__error" title={status.lastError}>
          {status.lastError}
        </span>
      )}
    </>
  );
}

function StreamIndicator() {
  const state = useStreamState();
  if (api.transport === 'ipc') return null;
  const label = state === 'open' ? 'live' : state === 'connecting' ? 'reconnecting…' : 'live updates stopped';
  return (
    <span className="statusbar__item" data-testid="stream-state" data-state={state}>
      <span className={`dot dot--${state === 'open' ? 'ok' : state === 'connecting' ? 'warn' : 'error'}`} aria-hidden="true" />
      {label}
    </span>
  );
}

/** Engine health on the left, what is running where on the right. Lives outside the page's error boundary. */
export function StatusBar({ info, infoError }: { info: AppInfo | null; infoError: string | null }) {
  const { status, error } = useEngineStatus();
  return (
    <footer className="statusbar" role="contentinfo">
      {status ? <EngineSummary status={status} intervalMs={info?.intervalMs ?? null} /> : <span className="statusbar__item muted">engine status…</span>}
      {error && <span className="statusbar__item statusbar__error">{error}</span>}
      <span className="statusbar__spacer" />
      <StreamIndicator />
      {info ? (
        <>
          <span className="statusbar__item">Clusterdeck {info.version}</span>
          <span className="statusbar__item">{info.mode}</span>
          <span className="statusbar__item">every {formatDuration(info.intervalMs)}</span>
          <span className="statusbar__item statusbar__path" title={info.dbPath}>
            {info.dbPath}
          </span>
        </>
      ) : (
        infoError && <span className="statusbar__item statusbar__error">{infoError}</span>
      )}
    </footer>
  );
}
