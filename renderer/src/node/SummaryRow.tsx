import type { ReactNode } from 'react';
import type { NodeSnapshot } from '../../../shared/model/node';
import { formatBytes, formatPct, MISSING, orMissing } from '../format';
import { UsageBar } from '../ui/UsageBar';

function Tile({ label, value, detail, children, wide }: { label: string; value: ReactNode; detail?: ReactNode; children?: ReactNode; wide?: boolean }) {
  return (
    <div className={`tile${wide ? ' tile--wide' : ''}`}>
      <div className="tile__label">{label}</div>
      <div className="tile__value">{value}</div>
      {detail && <div className="tile__detail">{detail}</div>}
      {children}
    </div>
  );
}

const load = (n: number | null) => orMissing(n, (v) => v.toFixed(2));

function DiskList({ snapshot }: { snapshot: NodeSnapshot }) {
  if (snapshot.filesystems.length === 0) return <div className="tile__detail">no filesystems reported</div>;
  return (
    <ul className="disk-list">
      {snapshot.filesystems.map((fs) => (
        <li key={fs.mount} className="disk-list__row" title={`${fs.device}${fs.fsType ? ` (${fs.fsType})` : ''}`}>
          <span className="disk-list__mount">{fs.mount}</span>
          <UsageBar pct={fs.usedPct} label={`${fs.mount} used`} />
          <span className="disk-list__value">
            {orMissing(fs.usedPct, formatPct)} <span className="muted">of {formatBytes(fs.sizeBytes)}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Current values of the newest snapshot; re-renders per tick, which is cheap at this size. */
export function SummaryRow({ snapshot, stale = false }: { snapshot: NodeSnapshot; stale?: boolean }) {
  const { cpu, memory } = snapshot;
  return (
    <section className={`summary${stale ? ' summary--stale' : ''}`} aria-label={stale ? 'Last known values' : 'Current values'} data-stale={String(stale)}>
      <Tile label="CPU" value={orMissing(cpu?.utilPct, formatPct)} detail={cpu ? `${cpu.cores} cores` : 'not collected'}>
        <UsageBar pct={cpu?.utilPct ?? null} label="CPU utilisation" />
      </Tile>
      <Tile label="Load 1 min" value={load(cpu?.load1 ?? null)} detail={cpu ? `5 min ${load(cpu.load5)} · 15 min ${load(cpu.load15)}` : 'not collected'} />
      <Tile
        label="Memory"
        value={memory ? formatBytes(memory.usedBytes) : MISSING}
        detail={memory ? `of ${formatBytes(memory.totalBytes)} · ${orMissing(memory.usedPct, formatPct)}` : 'not collected'}
      >
        <UsageBar pct={memory?.usedPct ?? null} label="Memory used" />
      </Tile>
      <Tile
        label="Swap"
        value={memory ? (memory.swapTotalBytes > 0 ? formatBytes(memory.swapUsedBytes) : 'none') : MISSING}
        detail={memory && memory.swapTotalBytes > 0 ? `of ${formatBytes(memory.swapTotalBytes)}` : memory ? 'no swap configured' : 'not collected'}
      >
        {memory && memory.swapTotalBytes > 0 && <UsageBar pct={(memory.swapUsedBytes / memory.swapTotalBytes) * 100} label="Swap used" />}
      </Tile>
      <Tile label="Disks" value={`${snapshot.filesystems.length} mounted`} wide>
        <DiskList snapshot={snapshot} />
      </Tile>
    </section>
  );
}
