import type { NodeSnapshot, NodeSummary } from '../../../shared/model/node';
import { AlertBadge } from '../alerts/AlertBadge';
import { nodeBadge } from '../alerts/model';
import { useAlertSummary } from '../alerts/useAlertSummary';
import { formatClock, MISSING } from '../format';
import { lastSeenText } from '../staleness';
import { GpuStatusBadge } from './GpuStatusBadge';

interface NodeHeaderProps {
  summary: NodeSummary | null;
  snapshot: NodeSnapshot | null;
  /** The snapshot is not current (older than two intervals, or the node is not collected now). */
  stale: boolean;
  /** Engine time now, for the snapshot's age. */
  now: number;
}

function Fact({ label, value }: { label: string; value: string | null | undefined }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{value || MISSING}</dd>
    </div>
  );
}

/** Who the node is: identity, software versions and GPU health at a glance. */
export function NodeHeader({ summary, snapshot, stale, now }: NodeHeaderProps) {
  const hostname = snapshot?.hostname ?? summary?.hostname ?? 'Unknown node';
  const gpuStatus = snapshot?.gpuStatus ?? summary?.gpuStatus ?? null;
  const os = snapshot?.os;
  const firstGpu = snapshot?.gpus[0];
  const distro = os ? [os.distro, os.release].filter(Boolean).join(' ') : null;
  const cpu = snapshot?.cpu;
  const nodeId = snapshot?.id ?? summary?.id ?? null;
  const alerts = nodeBadge(useAlertSummary(), nodeId ?? '');
  return (
    <section className="node-header panel" data-testid="node-header" aria-label="Node">
      <div className="node-header__identity">
        <h1 className="node-header__hostname">{hostname}</h1>
        {nodeId !== null && <AlertBadge info={alerts} to={{ nodeId }} testId="node-alerts" label={`${alerts?.count ?? 0} firing`} />}
        <span className={`node-header__seen${stale ? ' node-header__seen--stale' : ''}`} data-testid="node-seen" data-stale={String(stale)}>
          {snapshot
            ? stale
              ? `${lastSeenText(snapshot.collectedAt, now)} (collected ${formatClock(snapshot.collectedAt, true)})`
              : `collected ${formatClock(snapshot.collectedAt, true)}`
            : 'waiting for the first snapshot…'}
        </span>
      </div>
      <dl className="facts">
        <Fact label="OS" value={distro || os?.platform} />
        <Fact label="Kernel" value={os?.kernel} />
        <Fact label="Arch" value={os?.arch} />
        <Fact label="CPU" value={cpu ? `${cpu.model ?? 'unknown model'} · ${cpu.cores} cores` : null} />
        <Fact label="NVIDIA driver" value={gpuStatus?.driverVersion ?? firstGpu?.driverVersion} />
        <Fact label="CUDA" value={gpuStatus?.cudaVersion ?? firstGpu?.cudaVersion} />
      </dl>
      <GpuStatusBadge status={gpuStatus} lastSeen={stale ? lastSeenText(snapshot?.collectedAt ?? summary?.lastSeenAt ?? null, now) : null} />
    </section>
  );
}
