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
  onWindowChange?: (window: ChartWindow) => void;
}

/** One chart per metric, a line per GPU; each GPU keeps its colour (its index) on every chart. */
const GPU_CHARTS: Array<{ metric: MetricName; title: string }> = [
  { metric: 'gpu.util_pct', title: 'GPU utilisation' },
  { metric: 'gpu.memory_used_mib', title: 'GPU memory used' },
  { metric: 'gpu.temperature_c', title: 'GPU temperature' },
  { metric: 'gpu.power_w', title: 'GPU power draw' },
];

/** "key=index" pairs, so the memoised charts see a string that only changes when GPUs do. */
function gpuIndexSignature(gpus: Gpu[]): string {
  return gpus.map((g) => `${gpuDeviceKey(g)}=${g.index}`).join('\n');
}

/** Distinct values, ascending, as one string (a prop that stays equal across ticks). */
function distinct(values: Array<number | null>): string {
  return [...new Set(values.filter((v): v is number => v !== null && v > 0))].sort((a, b) => a - b).join(',');
}

const parseList = (text: string) => (text === '' ? [] : text.split(',').map(Number));

interface GpuChartsProps extends ChartContext {
  gpuIndexes: string;
  /** Distinct memory sizes and power limits of the GPUs, drawn as reference lines. */
  memoryTotals: string;
  powerLimits: string;
}

/** Memoised on strings so a tick re-renders the cards' numbers but not the charts. */
const GpuCharts = memo(function GpuCharts({ gpuIndexes, memoryTotals, powerLimits, ...context }: GpuChartsProps) {
  const specs = useMemo(() => {
    const indexOf = new Map(gpuIndexes.split('\n').map((pair) => [pair.slice(0, pair.lastIndexOf('=')), Number(pair.slice(pair.lastIndexOf('=') + 1))]));
    const label = (device: string) => (indexOf.has(device) ? `GPU ${indexOf.get(device)}` : device);
    return GPU_CHARTS.map(({ metric }): LiveChartSpec => ({
      unit: METRICS[metric].unit,
      deviceSlot: (device) => indexOf.get(device),
      sources: [{ metric, label }],
    }));
  }, [gpuIndexes]);
  const memory = useMemo(() => parseList(memoryTotals), [memoryTotals]);
  const power = useMemo(() => parseList(powerLimits), [powerLimits]);
  const memoryLines = useMemo(() => memory.map((mib) => ({ value: mib, label: `total ${formatMib(mib)}` })), [memory]);
  const powerLines = useMemo(() => power.map((w) => ({ value: w, label: `limit ${w.toFixed(0)} W` })), [power]);
  return (
    <div className="chart-grid gpu-charts" data-testid="gpu-charts">
      {GPU_CHARTS.map(({ metric, title }, i) => (
        <MetricChart
          key={`${metric}|${gpuIndexes}`}
          testId={`chart-${metric}`}
          title={title}
          spec={specs[i]!}
          yMax={metric === 'gpu.memory_used_mib' && memory.length > 0 ? Math.max(...memory) : undefined}
          ySuggestedMax={metric === 'gpu.power_w' && power.length > 0 ? Math.max(...power) : undefined}
          references={metric === 'gpu.memory_used_mib' ? memoryLines : metric === 'gpu.power_w' ? powerLines : undefined}
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

function GpuCard({ gpu, stale, nodeId }: { gpu: Gpu; stale: boolean; nodeId: string }) {
  const memPct = gpu.fbMemoryUsedMib !== null && gpu.fbMemoryTotalMib ? (gpu.fbMemoryUsedMib / gpu.fbMemoryTotalMib) * 100 : null;
  const powerLimit = gpu.enforcedPowerLimitW ?? gpu.powerLimitW;
  const throttling = (gpu.clockEventReasonsActive ?? []).filter((r) => !/idle/i.test(r));
  const deviceKey = gpuDeviceKey(gpu);
  const alerts = nodeGpuBadge(useAlertSummary(), nodeId, { uuid: gpu.uuid, key: deviceKey, pciBusId: gpu.pciBusId });
  return (
    <article className="gpu-card panel" data-testid={`gpu-${gpu.index}`} aria-label={`GPU ${gpu.index}`}>
      <header className="gpu-card__head">
        <h3 className="gpu-card__title">
          GPU {gpu.index} <span className="gpu-card__name">{gpu.productName ?? 'Unknown model'}</span>
        </h3>
        <AlertBadge info={alerts} to={{ nodeId: nodeId, gpu: alerts?.key ?? gpu.uuid ?? deviceKey }} testId={`gpu-${gpu.index}-alerts`} label={alerts?.title} />
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
        <>
          <GpuCharts
            gpuIndexes={gpuIndexSignature(gpus)}
            memoryTotals={distinct(gpus.map((g) => g.fbMemoryTotalMib))}
            powerLimits={distinct(gpus.map((g) => g.enforcedPowerLimitW ?? g.powerLimitW))}
            {...context}
          />
          <div className="gpu-list">
            {gpus.map((gpu) => (
              <GpuCard key={gpuDeviceKey(gpu)} gpu={gpu} stale={stale} nodeId={context.nodeId} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
