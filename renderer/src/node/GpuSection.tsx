import { memo, useMemo, type ReactNode } from 'react';
import type { Gpu } from '../../../shared/model/gpu';
import { gpuDeviceKey, METRICS, type MetricName } from '../../../shared/model/metrics';
import type { NodeSnapshot } from '../../../shared/model/node';
import { AlertBadge } from '../alerts/AlertBadge';
import { nodeGpuBadge } from '../alerts/model';
import { useAlertSummary } from '../alerts/useAlertSummary';
import { MetricChart } from '../charts/MetricChart';
import type { LiveChartSpec } from '../charts/liveChart';
import { formatMib, formatPct, MISSING, orMissing } from '../format';
import type { ChartWindow } from '../ranges';
import { UsageBar } from '../ui/UsageBar';
import { gpuStatusLabel, gpuStatusTone } from './GpuStatusBadge';

interface ChartContext {
  nodeId: string;
  timeWindow: ChartWindow;
  intervalMs: number;
  onShown: () => void;
}

/** The four per-GPU charts; each metric keeps its colour on every card. */
const GPU_CHARTS: Array<{ metric: MetricName; title: string; colorSlot: number }> = [
  { metric: 'gpu.util_pct', title: 'Utilisation', colorSlot: 0 },
  { metric: 'gpu.memory_used_mib', title: 'Memory used', colorSlot: 4 },
  { metric: 'gpu.temperature_c', title: 'Temperature', colorSlot: 1 },
  { metric: 'gpu.power_w', title: 'Power draw', colorSlot: 3 },
];

interface GpuChartsProps extends ChartContext {
  index: number;
  deviceKey: string;
  memoryTotalMib: number | null;
  powerLimitW: number | null;
}

/** Memoised on primitives so a tick re-renders the card's numbers but not its charts. */
const GpuCharts = memo(function GpuCharts({ index, deviceKey, memoryTotalMib, powerLimitW, ...context }: GpuChartsProps) {
  const specs = useMemo(
    () =>
      GPU_CHARTS.map(({ metric, colorSlot }): LiveChartSpec => ({
        unit: METRICS[metric].unit,
        colorSlot,
        sources: [{ metric, device: deviceKey, label: () => `GPU ${index}` }],
      })),
    [deviceKey, index],
  );
  return (
    <div className="gpu-card__charts">
      {GPU_CHARTS.map(({ metric, title }, i) => (
        <MetricChart
          key={`${deviceKey}-${metric}`}
          testId={`gpu-${index}-${metric}`}
          title={title}
          spec={specs[i]!}
          size="compact"
          yMax={metric === 'gpu.memory_used_mib' ? (memoryTotalMib ?? undefined) : undefined}
          ySuggestedMax={metric === 'gpu.power_w' ? (powerLimitW ?? undefined) : undefined}
          {...context}
        />
      ))}
    </div>
  );
});

function Stat({ label, value, children }: { label: string; value: string; children?: ReactNode }) {
  return (
    <div className="gpu-stat">
      <dt>{label}</dt>
      <dd>
        {value}
        {children}
      </dd>
    </div>
  );
}

function eccSummary(gpu: Gpu): string {
  const volatile = gpu.eccErrors?.volatile;
  if (!volatile) return gpu.eccModeCurrent ?? MISSING;
  return `${gpu.eccModeCurrent ?? ''} ${volatile.corrected ?? MISSING} corr / ${volatile.uncorrected ?? MISSING} uncorr`.trim();
}

function GpuCard({ gpu, stale, ...context }: { gpu: Gpu; stale: boolean } & ChartContext) {
  const memPct = gpu.fbMemoryUsedMib !== null && gpu.fbMemoryTotalMib ? (gpu.fbMemoryUsedMib / gpu.fbMemoryTotalMib) * 100 : null;
  const powerLimit = gpu.enforcedPowerLimitW ?? gpu.powerLimitW;
  const throttling = (gpu.clockEventReasonsActive ?? []).filter((r) => !/idle/i.test(r));
  const deviceKey = gpuDeviceKey(gpu);
  const alerts = nodeGpuBadge(useAlertSummary(), context.nodeId, { uuid: gpu.uuid, key: deviceKey, pciBusId: gpu.pciBusId });
  return (
    <article className="gpu-card panel" data-testid={`gpu-${gpu.index}`} aria-label={`GPU ${gpu.index}`}>
      <header className="gpu-card__head">
        <h3 className="gpu-card__title">
          GPU {gpu.index} <span className="gpu-card__name">{gpu.productName ?? 'Unknown model'}</span>
        </h3>
        <AlertBadge
          info={alerts}
          to={{ nodeId: context.nodeId, gpu: alerts?.key ?? gpu.uuid ?? deviceKey }}
          testId={`gpu-${gpu.index}-alerts`}
          label={alerts?.title}
        />
        <span className="gpu-card__ids" title={gpu.uuid ?? undefined}>
          {gpu.pciBusId ?? ''} {gpu.uuid ? `· ${gpu.uuid}` : ''}
        </span>
      </header>
      <dl className={`gpu-card__stats${stale ? ' gpu-card__stats--stale' : ''}`} title={stale ? 'Last known values, not current ones' : undefined}>
        <Stat label="Util" value={orMissing(gpu.gpuUtilPct, formatPct)} />
        <Stat label="Memory" value={`${orMissing(gpu.fbMemoryUsedMib, formatMib)} / ${orMissing(gpu.fbMemoryTotalMib, formatMib)}`}>
          <UsageBar pct={memPct} label={`GPU ${gpu.index} memory used`} />
        </Stat>
        <Stat label="Temp" value={orMissing(gpu.temperatureC, (t) => `${t} °C`)} />
        <Stat label="Power" value={`${orMissing(gpu.powerDrawW, (w) => w.toFixed(0))} / ${orMissing(powerLimit, (w) => `${w.toFixed(0)} W`)}`} />
        <Stat label="Fan" value={orMissing(gpu.fanSpeedPct, formatPct)} />
        <Stat label="SM clock" value={orMissing(gpu.smClockMhz, (c) => `${c} MHz`)} />
        <Stat label="ECC" value={eccSummary(gpu)} />
        <Stat label="Processes" value={orMissing(gpu.processCount, String)} />
        {gpu.migModeCurrent && gpu.migModeCurrent !== 'Disabled' && (
          <Stat label="MIG" value={`${gpu.migModeCurrent}${gpu.migDeviceCount !== null ? ` · ${gpu.migDeviceCount} instances` : ''}`} />
        )}
      </dl>
      {throttling.length > 0 && (
        <p className="gpu-card__throttle" role="status">
          Clocks held back: {throttling.join(', ')}
        </p>
      )}
      <GpuCharts index={gpu.index} deviceKey={gpuDeviceKey(gpu)} memoryTotalMib={gpu.fbMemoryTotalMib} powerLimitW={powerLimit} {...context} />
    </article>
  );
}

/** Shown instead of GPU charts when the node has none, or nvidia-smi could not list any. */
export function GpuEmpty({ snapshot }: { snapshot: NodeSnapshot }) {
  const { state, message } = snapshot.gpuStatus;
  const tone = gpuStatusTone(state);
  const heading = state === 'no-gpu' || state === 'ok' ? 'No GPU on this node' : `No GPU data: ${gpuStatusLabel(state).toLowerCase()}`;
  return (
    <div className={`gpu-empty panel gpu-empty--${tone}`} data-testid="gpu-empty" role={tone === 'error' ? 'alert' : 'status'}>
      <h3 className="gpu-empty__title">{heading}</h3>
      <p className="gpu-empty__message">{message}</p>
      {state === 'no-gpu' && <p className="gpu-empty__hint">CPU, memory, disk and network are still collected and charted above.</p>}
    </div>
  );
}

/** `stale`: the snapshot is not current; its values are greyed as last known ones. */
export function GpuSection({ snapshot, stale = false, ...context }: { snapshot: NodeSnapshot | null; stale?: boolean } & ChartContext) {
  if (!snapshot) return null;
  const gpus = snapshot.gpus;
  return (
    <section className="section" aria-labelledby="gpu-section-title">
      <h2 className="section__title" id="gpu-section-title">
        GPUs <span className="section__count">{gpus.length}</span>
      </h2>
      {snapshot.gpuStatus.state === 'no-gpu' || gpus.length === 0 ? (
        <GpuEmpty snapshot={snapshot} />
      ) : (
        <div className="gpu-list">
          {gpus.map((gpu) => (
            <GpuCard key={gpuDeviceKey(gpu)} gpu={gpu} stale={stale} {...context} />
          ))}
        </div>
      )}
    </section>
  );
}
