import { memo, useMemo } from 'react';
import { formatMib, formatPct, MISSING } from '../format';
import { UsageBar, usageTone } from '../ui/UsageBar';
import { gpuSummary } from './gpuSummary';
import type { FleetNode, GpuReading } from './records';
import { sparkPaths, type SparkSeries } from './sparks';

const SPARK_W = 64;
const SPARK_H = 16;

/** A 15-minute line of utilisation, 0-100 %; gaps break it. */
export const Sparkline = memo(function Sparkline({
  series,
  now,
  label,
  version,
}: {
  series: SparkSeries | null;
  now: number;
  label: string;
  /** Changes when the series' points do (a GPU's series grows in place). */
  version: number;
}) {
  const paths = useMemo(() => (series ? sparkPaths(series, now, SPARK_W, SPARK_H) : []), [series, now, version]);
  return (
    <svg className="fleet-spark" width={SPARK_W} height={SPARK_H} viewBox={`0 0 ${SPARK_W} ${SPARK_H}`} role="img" aria-label={label}>
      <title>{label}</title>
      {paths.map((points, i) => (
        <polyline key={i} points={points} />
      ))}
    </svg>
  );
});

const BAR_W = 5;
const BAR_GAP = 1;
const BAR_H = 16;
const TONE_COLOR = { ok: 'var(--ok)', warn: 'var(--warn)', error: 'var(--error)' } as const;

/**
 * One thin bar per GPU (its utilisation): an 8-GPU node's load at a glance. Drawn as background
 * layers of one element (a fleet of 128 such nodes would otherwise add thousands of elements to
 * every style update); the values are in its accessible name.
 */
function GpuBars({ gpus, nodeId }: { gpus: readonly GpuReading[]; nodeId: string }) {
  const layers: string[] = [];
  const positions: string[] = [];
  const words: string[] = [];
  gpus.forEach((gpu, i) => {
    const pct = gpu.utilPct;
    const clamped = pct === null ? 0 : Math.max(0, Math.min(100, pct));
    const color = pct === null ? 'var(--bar-track)' : TONE_COLOR[usageTone(clamped)];
    layers.push(`linear-gradient(to top, ${color} ${clamped}%, var(--bar-track) ${clamped}%)`);
    positions.push(`${i * (BAR_W + BAR_GAP)}px 0`);
    words.push(`GPU ${gpu.index ?? i} ${pct === null ? 'no reading' : formatPct(pct)}`);
  });
  const label = `GPU utilisation of ${nodeId}: ${words.join(', ')}`;
  return (
    <span
      className="fleet-gpubars"
      role="img"
      aria-label={label}
      title={words.join('\n')}
      data-testid={`gpu-bars-${nodeId}`}
      style={{
        width: gpus.length * (BAR_W + BAR_GAP) - BAR_GAP,
        height: BAR_H,
        backgroundImage: layers.join(', '),
        backgroundPosition: positions.join(', '),
        backgroundSize: `${BAR_W}px ${BAR_H}px`,
        backgroundRepeat: 'no-repeat',
      }}
    />
  );
}

/** The GPU column: per-GPU bars, mean utilisation, memory, hottest, power against limit, flags. */
export function GpuCell({
  data,
  nodeId,
  spark,
  sparkVersion,
  now,
  extraFlags = [],
}: {
  data: FleetNode;
  nodeId: string;
  spark: SparkSeries | null;
  sparkVersion: number;
  now: number;
  /** Problems known from elsewhere (firing Xid alerts). */
  extraFlags?: readonly string[];
}) {
  const summary = gpuSummary(data.gpus);
  const s = { ...summary, flags: [...summary.flags, ...extraFlags] };
  if (data.gpus.length === 0) return <span className="muted">{MISSING}</span>;
  return (
    <span className="fleet-gpu" data-testid={`gpu-detail-${nodeId}`}>
      <span className="fleet-gpu__line">
        <GpuBars gpus={data.gpus} nodeId={nodeId} />
        <span className="fleet-gpu__util" data-testid={`gpu-util-${nodeId}`}>
          {data.gpuUtilMean === null ? MISSING : formatPct(data.gpuUtilMean)}
        </span>
        <Sparkline series={spark} version={sparkVersion} now={now} label={`Mean GPU utilisation of ${nodeId}, last 15 minutes`} />
      </span>
      <span className="fleet-gpu__facts">
        {s.memUsedMib !== null && s.memTotalMib !== null && (
          <span title="GPU memory used / total">
            {formatMib(s.memUsedMib)} / {formatMib(s.memTotalMib)}
          </span>
        )}
        {s.hottestC !== null && <span title="Hottest GPU">{Math.round(s.hottestC)} °C</span>}
        {s.powerW !== null && (
          <span title="Power draw against the power limit">
            {Math.round(s.powerW)}
            {s.powerLimitW !== null ? ` / ${Math.round(s.powerLimitW)}` : ''} W
          </span>
        )}
        {s.flags.length > 0 && (
          <span className="fleet-gpu__flag" data-testid={`gpu-flags-${nodeId}`} title={s.flags.join('\n')}>
            {s.flags.length === 1 ? s.flags[0] : `${s.flags.length} GPU problems`}
          </span>
        )}
      </span>
    </span>
  );
}

/** The expanded list under a row: each GPU with its readings and its MIG instances. */
export function GpuDetailList({
  data,
  nodeId,
  sparkOf,
  sparkVersion,
  now,
}: {
  data: FleetNode;
  nodeId: string;
  sparkOf(key: string): SparkSeries | null;
  sparkVersion: number;
  now: number;
}) {
  return (
    <ul className="fleet-gpulist" data-testid={`gpu-list-${nodeId}`} aria-label={`GPUs of ${nodeId}`}>
      {data.gpus.map((gpu, i) => (
        <li key={gpu.key} className="fleet-gpulist__gpu">
          <span className="fleet-gpulist__name">
            GPU {gpu.index ?? i}
            {gpu.name ? ` · ${gpu.name}` : ''}
          </span>
          <span className="fleet-gpulist__util">
            {gpu.utilPct === null ? MISSING : formatPct(gpu.utilPct)}
            <UsageBar pct={gpu.utilPct} label={`GPU ${gpu.index ?? i} of ${nodeId}`} />
          </span>
          <span>
            {gpu.memUsedMib === null ? MISSING : formatMib(gpu.memUsedMib)}
            {gpu.memTotalMib !== null ? ` / ${formatMib(gpu.memTotalMib)}` : ''}
          </span>
          <span>{gpu.tempC === null ? MISSING : `${Math.round(gpu.tempC)} °C`}</span>
          <span>
            {gpu.powerW === null ? MISSING : `${Math.round(gpu.powerW)}`}
            {gpu.powerLimitW != null ? ` / ${Math.round(gpu.powerLimitW)}` : ''} W
          </span>
          <Sparkline series={sparkOf(gpu.key)} version={sparkVersion} now={now} label={`GPU ${gpu.index ?? i} utilisation, last 15 minutes`} />
          {(gpu.flags ?? []).map((flag) => (
            <span key={flag} className="fleet-gpu__flag">
              {flag}
            </span>
          ))}
          {gpu.mig && gpu.mig.length > 0 && (
            <ul className="fleet-gpulist__mig" aria-label={`MIG instances of GPU ${gpu.index ?? i}`}>
              {gpu.mig.map((m, k) => (
                <li key={`${m.gpuInstanceId ?? k}`}>
                  MIG {m.gpuInstanceId ?? k}
                  {m.profile ? ` · ${m.profile}` : ''}
                  {m.memUsedMib !== null ? ` · ${formatMib(m.memUsedMib)}` : ''}
                  {m.memTotalMib !== null ? ` / ${formatMib(m.memTotalMib)}` : ''}
                </li>
              ))}
            </ul>
          )}
        </li>
      ))}
    </ul>
  );
}
