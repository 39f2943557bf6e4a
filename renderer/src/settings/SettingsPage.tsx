import type { AppInfo, StorageStats, StorageStatus } from '../../../shared/contract';
import { formatBytes, formatClock, formatCount, formatDateTime, formatRetention, MISSING, orMissing } from '../format';
import { useEngineStatus } from '../hooks/useEngineStatus';
import { useStorageStats } from '../hooks/useStorageStats';
import { capUsePct, describeTier, orderTiers, storageWarning, type TierStats } from '../storage';
import { Notice } from '../ui/Notice';
import { UsageBar } from '../ui/UsageBar';
import { ConfigForm } from './ConfigForm';
import { SourcesSection } from './SourcesSection';
import { useSettings } from './useSettings';

function WriteStatus({ status }: { status: StorageStatus }) {
  const warning = storageWarning(status);
  const counters = [
    status.outOfOrderSamples > 0 && `${formatCount(status.outOfOrderSamples)} out-of-order samples skipped`,
    status.corruptChunks > 0 && `${formatCount(status.corruptChunks)} damaged chunks skipped when read`,
    status.state === 'ok' && status.droppedSamples > 0 && `${formatCount(status.droppedSamples)} samples lost while the disk was unwritable`,
  ].filter((c): c is string => typeof c === 'string');
  return (
    <div className="write-status" data-testid="storage-write-status" data-state={status.state}>
      {warning ? (
        <span className={`write-status__line write-status__line--${warning.tone}`}>
          <span className={`dot dot--${warning.tone}`} aria-hidden="true" />
          {warning.summary}
        </span>
      ) : (
        <span className="write-status__line">
          <span className="dot dot--ok" aria-hidden="true" />
          Writing normally
        </span>
      )}
      {status.message && <span className="write-status__message">{status.message}</span>}
      {status.since !== null && status.state !== 'ok' && <span className="muted">since {formatDateTime(status.since)}</span>}
      {counters.length > 0 && <span className="muted">{counters.join(' · ')}</span>}
    </div>
  );
}

function TierRow({ tier, intervalMs }: { tier: TierStats; intervalMs: number | null }) {
  const { name, resolution } = describeTier(tier.tier, intervalMs);
  return (
    <tr data-testid={`storage-tier-${tier.tier}`} data-bytes={tier.bytes} className={tier.tier === 'head' ? 'tier-table__head-row' : undefined}>
      <th scope="row">
        <span className="tier-table__name">{name}</span>
        <span className="tier-table__resolution">{resolution}</span>
      </th>
      <td className="num">{formatBytes(tier.bytes)}</td>
      <td className="num">{tier.tier === 'head' ? MISSING : formatCount(tier.chunks)}</td>
      <td className="num">{formatCount(tier.samples)}</td>
      <td>{orMissing(tier.oldestMs, formatDateTime)}</td>
      <td>{orMissing(tier.newestMs, formatDateTime)}</td>
      <td className="num">{orMissing(tier.retentionMs, formatRetention)}</td>
    </tr>
  );
}

function StorageDetails({ stats, status, info }: { stats: StorageStats; status: StorageStatus; info: AppInfo | null }) {
  const capPct = capUsePct(stats);
  return (
    <>
      <dl className="settings-facts">
        <div className="settings-fact">
          <dt>Database</dt>
          <dd className="settings-fact__path" data-testid="storage-db-path">
            {stats.dbPath}
          </dd>
        </div>
        <div className="settings-fact">
          <dt>File size</dt>
          <dd data-testid="storage-file-size">
            {formatBytes(stats.fileBytes)}
            {stats.maxDiskBytes === null ? (
              <span className="muted"> · no size cap</span>
            ) : (
              <span className="muted">
                {' '}
                of {formatBytes(stats.maxDiskBytes)} cap · {Math.round(capPct ?? 0)}%
              </span>
            )}
            {capPct !== null && <UsageBar pct={capPct} label="Database size against its cap" />}
          </dd>
        </div>
        <div className="settings-fact">
          <dt>Writes</dt>
          <dd>
            <WriteStatus status={status} />
          </dd>
        </div>
      </dl>
      <div className="tier-table__wrap">
        <table className="tier-table">
          <thead>
            <tr>
              <th scope="col">Tier</th>
              <th scope="col" className="num">
                Size on disk
              </th>
              <th scope="col" className="num">
                Chunks
              </th>
              <th scope="col" className="num">
                Samples
              </th>
              <th scope="col">Oldest data</th>
              <th scope="col">Newest data</th>
              <th scope="col" className="num">
                Retention
              </th>
            </tr>
          </thead>
          <tbody>
            {orderTiers(stats.tiers).map((tier) => (
              <TierRow key={tier.tier} tier={tier} intervalMs={info?.intervalMs ?? null} />
            ))}
          </tbody>
        </table>
      </div>
      <p className="settings-note">
        Sizes count each tier&apos;s tables and indexes; the file also holds node snapshots and free pages.
        {stats.maxDiskBytes !== null && ' Past the cap, the oldest and finest data is deleted first.'} Retention and the cap are set under Configuration above,
        or under <code>storage</code> in {info ? <code className="settings-note__path">{info.configPath}</code> : 'the config file'}.
      </p>
    </>
  );
}

/** What config.yaml holds, editable when the file can be written. */
function ConfigSection() {
  const settings = useSettings();
  return (
    <section
      className="panel settings-section"
      data-testid="settings-config"
      data-loading={String(settings.loading)}
      aria-labelledby="config-title"
      aria-busy={settings.loading}
    >
      <header className="settings-section__head">
        <h2 className="settings-section__title" id="config-title">
          Configuration
        </h2>
        <span className="settings-section__meta">{settings.loading && 'Reading the settings…'}</span>
      </header>
      {settings.error && !settings.loading && (
        <Notice tone="error" onRetry={settings.reload}>
          {settings.error}
        </Notice>
      )}
      {settings.config && settings.configPath !== null && (
        <div className="settings-section__body">
          <ConfigForm config={settings.config} configPath={settings.configPath} writable={settings.writable} save={settings.save} />
        </div>
      )}
    </section>
  );
}

/** Engine-wide settings: the config file's settings, what the store keeps and how much room it takes. */
export function SettingsPage({ info }: { info: AppInfo | null }) {
  const { stats, loading, error, readAt, refresh } = useStorageStats();
  // The live status (every tick) beats the one read with the statistics.
  const { status: engineStatus } = useEngineStatus();
  const status = engineStatus?.storage ?? stats?.status ?? null;
  return (
    <div className="settings">
      <h1 className="settings__title">Settings</h1>
      <ConfigSection />
      <SourcesSection info={info} />
      <section
        className="panel settings-section"
        data-testid="settings-storage"
        data-loading={String(loading)}
        aria-labelledby="storage-title"
        aria-busy={loading}
      >
        <header className="settings-section__head">
          <h2 className="settings-section__title" id="storage-title">
            Storage
          </h2>
          <span className="settings-section__meta" role="status">
            {loading ? 'Reading storage statistics…' : readAt !== null ? `read at ${formatClock(readAt, true)}` : ''}
          </span>
          <button type="button" className="button" data-testid="storage-refresh" onClick={refresh} disabled={loading}>
            Refresh
          </button>
        </header>
        {error && !loading && (
          <Notice tone="error" onRetry={refresh}>
            {error}
          </Notice>
        )}
        {stats && status ? (
          <div className={loading ? 'settings-section__body settings-section__body--stale' : 'settings-section__body'}>
            <StorageDetails stats={stats} status={status} info={info} />
          </div>
        ) : (
          loading && <p className="settings-section__placeholder">Measuring the database; this can take a moment when it is large.</p>
        )}
      </section>
    </div>
  );
}
