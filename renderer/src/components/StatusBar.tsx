import type { AppInfo, EngineStatus } from '../../../shared/contract';
import { api } from '../api';
import { formatAgo, formatClock, formatDuration } from '../format';
import { useEngineStatus } from '../hooks/useEngineStatus';
import { useNow } from '../hooks/useNow';
import { useStreamState } from '../hooks/useStreamState';
import { storageWarning } from '../storage';

const STATE_TONES: Record<EngineStatus['state'], string> = { starting: 'neutral', running: 'ok', degraded: 'warn', stopped: 'error' };

/** A tick overdue by this many intervals means the loop or the stream has stalled. */
const STALE_INTERVALS = 3;

/** Telemetry is not reaching the disk: say so plainly; the click leads to the storage settings. */
function StorageWarning({ status, onOpenSettings }: { status: EngineStatus['storage']; onOpenSettings: () => void }) {
  const warning = storageWarning(status);
  if (!warning) return null;
  return (
    <button
      type="button"
      className={`statusbar__item statusbar__storage statusbar__storage--${warning.tone}`}
      data-testid="storage-warning"
      data-state={status.state}
      title={`${warning.title}\nOpen the storage settings.`}
      onClick={onOpenSettings}
    >
      <span className={`dot dot--${warning.tone}`} aria-hidden="true" />
      {warning.text}
    </button>
  );
}

function EngineSummary({ status, intervalMs, onOpenSettings }: { status: EngineStatus; intervalMs: number | null; onOpenSettings: () => void }) {
  const now = useNow();
  const stale = status.lastTickAt !== null && intervalMs !== null && now - status.lastTickAt > intervalMs * STALE_INTERVALS;
  // The engine repeats the storage message as its last error; the warning already says it.
  const storageTrouble = status.storage.state !== 'ok';
  const lastError = storageTrouble && status.lastError === status.storage.message ? null : status.lastError;
  return (
    <>
      <span className="statusbar__item" data-testid="engine-state" data-state={status.state}>
        <span className={`dot dot--${STATE_TONES[status.state]}`} aria-hidden="true" />
        Engine {status.state}
      </span>
      <StorageWarning status={status.storage} onOpenSettings={onOpenSettings} />
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
      {lastError && (
        <span className="statusbar__item statusbar__error" title={lastError}>
          {lastError}
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
export function StatusBar({ info, infoError, onOpenSettings }: { info: AppInfo | null; infoError: string | null; onOpenSettings: () => void }) {
  const { status, error } = useEngineStatus();
  return (
    <footer className="statusbar" role="contentinfo">
      {status ? <EngineSummary status={status} intervalMs={info?.intervalMs ?? null} onOpenSettings={onOpenSettings} /> : <span className="statusbar__item muted">engine status…</span>}
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
