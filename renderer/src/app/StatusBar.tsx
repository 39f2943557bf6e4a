import type { AppInfo, EngineStatus } from '../../../shared/contract';
import { AlertStatusItem } from '../alerts/AlertStatusItem';
import { api } from '../api';
import { troubleDetails, troubleText } from '../fleet/trouble';
import { formatAgo, formatClock, formatDuration } from '../format';
import { useEngineStatus } from '../hooks/useEngineStatus';
import { useNow } from '../hooks/useNow';
import { useServerNow } from '../hooks/useServerNow';
import { useStreamState } from '../hooks/useStreamState';
import { feedSilent, isStale } from '../staleness';
import { storageWarning } from '../storage';

const STATE_TONES: Record<EngineStatus['state'], string> = { starting: 'neutral', running: 'ok', degraded: 'warn', stopped: 'error' };

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

/** Nodes that are down or degraded, named (the engine's own health is beside it); the click opens the fleet. */
function NodeTrouble({ health, onOpenFleet }: { health: EngineStatus['nodes']; onOpenFleet: () => void }) {
  const text = troubleText(health);
  if (!text || !health) return null;
  const down = health.nodes.some((n) => n.status !== 'degraded' && n.status !== 'host-key-unknown');
  const tone = down ? 'error' : 'warn';
  return (
    <button
      type="button"
      className={`statusbar__item statusbar__trouble statusbar__trouble--${tone}`}
      data-testid="node-trouble"
      data-troubled={health.troubled}
      title={`${troubleDetails(health)}\nOpen the fleet.`}
      onClick={onOpenFleet}
    >
      <span className={`dot dot--${tone}`} aria-hidden="true" />
      {text}
    </button>
  );
}

function EngineSummary({
  status,
  intervalMs,
  onOpenSettings,
  onOpenFleet,
}: {
  status: EngineStatus;
  intervalMs: number | null;
  onOpenSettings: () => void;
  onOpenFleet: () => void;
}) {
  const now = useServerNow();
  // No tick for two intervals: the loop or the way here has stalled, whatever the last status said.
  const stalled = status.state !== 'stopped' && status.lastTickAt !== null && intervalMs !== null && isStale(status.lastTickAt, now, intervalMs);
  // The engine repeats the storage message as its last error; the warning already says it.
  const storageTrouble = status.storage.state !== 'ok';
  const lastError = storageTrouble && status.lastError === status.storage.message ? null : status.lastError;
  return (
    <>
      <span className="statusbar__item" data-testid="engine-state" data-state={status.state} data-stalled={String(stalled)}>
        <span className={`dot dot--${stalled && status.state === 'running' ? 'warn' : STATE_TONES[status.state]}`} aria-hidden="true" />
        Engine {status.state}
        {stalled && <span className="statusbar__stale"> · no tick for {formatAgo(status.lastTickAt!, now).replace(' ago', '')}</span>}
      </span>
      <StorageWarning status={status.storage} onOpenSettings={onOpenSettings} />
      <NodeTrouble health={status.nodes} onOpenFleet={onOpenFleet} />
      <span className="statusbar__item">
        {status.lastTickAt === null ? (
          'no tick yet'
        ) : (
          <>
            tick {status.ticks} at {formatClock(status.lastTickAt, true)}{' '}
            <span className={stalled ? 'statusbar__stale' : 'muted'}>({formatAgo(status.lastTickAt, now)})</span>
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

/**
 * Whether live events arrive: an open connection that has carried nothing for two intervals is
 * not "live" (a frozen server keeps its sockets open). Checked on this window's own timer.
 */
function StreamIndicator({ intervalMs }: { intervalMs: number | null }) {
  const state = useStreamState();
  const now = useNow();
  const lastEventAt = api.lastEventAt();
  const silent = state === 'open' && intervalMs !== null && feedSilent(lastEventAt, api.listeningSince, now, intervalMs);
  // Inside the desktop app the channel cannot drop: only silence is worth a word.
  if (api.transport === 'ipc' && !silent) return null;
  const label = silent
    ? `no updates for ${formatAgo(lastEventAt ?? api.listeningSince, now).replace(' ago', '')}`
    : state === 'open'
      ? 'live'
      : state === 'connecting'
        ? 'reconnecting…'
        : 'live updates stopped';
  const tone = silent ? 'warn' : state === 'open' ? 'ok' : state === 'connecting' ? 'warn' : 'error';
  return (
    <span
      className="statusbar__item"
      data-testid="stream-state"
      data-state={state}
      data-live={String(state === 'open' && !silent)}
      title={
        silent ? 'The connection is open but the engine has sent nothing for more than two collection intervals: values on screen are getting old.' : undefined
      }
    >
      <span className={`dot dot--${tone}`} aria-hidden="true" />
      {label}
    </span>
  );
}

/** Engine health on the left, what is running where on the right. Lives outside the page's error boundary. */
export function StatusBar({
  info,
  infoError,
  onOpenSettings,
  onOpenFleet,
}: {
  info: AppInfo | null;
  infoError: string | null;
  onOpenSettings: () => void;
  onOpenFleet: () => void;
}) {
  const { status, error } = useEngineStatus();
  return (
    <footer className="statusbar" role="contentinfo">
      {status ? (
        <EngineSummary status={status} intervalMs={info?.intervalMs ?? null} onOpenSettings={onOpenSettings} onOpenFleet={onOpenFleet} />
      ) : (
        <span className="statusbar__item muted">engine status…</span>
      )}
      {error && <span className="statusbar__item statusbar__error">{error}</span>}
      <AlertStatusItem />
      <span className="statusbar__spacer" />
      <StreamIndicator intervalMs={info?.intervalMs ?? null} />
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
