/**
 * The values a metric rule can watch, per node: every stored metric (shared/model/metrics.ts)
 * plus ratios and counters derived from the same snapshot. Derived values are never stored; they
 * exist so a rule can say "inodes 95 % used" or "load 4 per core" without arithmetic in YAML.
 */
import { gpuDeviceKey, METRICS, type MetricValue } from '../../../shared/model/metrics';
import type { Gpu } from '../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../shared/model/node';

interface RuleMetric {
  label: string;
  /** What `device` names for this metric: '' (node-wide), a mount, a GPU key, a disk. */
  device: 'node' | 'mount' | 'gpu' | 'interface' | 'disk';
  extract(snapshot: NodeSnapshot): MetricValue[];
}

function finite(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** part / whole in percent, or null where the whole is unknown or zero. */
function pct(part: number | null | undefined, whole: number | null | undefined): number | null {
  return finite(part) && finite(whole) && whole > 0 ? (part / whole) * 100 : null;
}

function nodeWide(value: number | null): MetricValue[] {
  return finite(value) ? [{ device: '', value }] : [];
}

function perGpu(read: (gpu: Gpu) => number | null | undefined): (snapshot: NodeSnapshot) => MetricValue[] {
  return (snapshot) =>
    snapshot.gpus.flatMap((gpu) => {
      const value = read(gpu);
      return finite(value) ? [{ device: gpuDeviceKey(gpu), value }] : [];
    });
}

const DEVICE_OF: Readonly<Record<string, RuleMetric['device']>> = { fs: 'mount', net: 'interface', disk: 'disk', gpu: 'gpu' };

function stored(): Record<string, RuleMetric> {
  const out: Record<string, RuleMetric> = {};
  for (const [name, definition] of Object.entries(METRICS)) {
    out[name] = { label: definition.label, device: DEVICE_OF[name.split('.')[0]!] ?? 'node', extract: definition.extract };
  }
  return out;
}

/** Derived per snapshot; each documented in docs/alert-rules.md. */
const DERIVED: Readonly<Record<string, RuleMetric>> = {
  'fs.inodes_used_pct': {
    label: 'Inodes used (percent)',
    device: 'mount',
    extract: (s) =>
      s.filesystems.flatMap((f) => {
        const value = pct(f.inodesUsed, f.inodesTotal);
        return value === null ? [] : [{ device: f.mount, value }];
      }),
  },
  'fs.available_bytes': {
    label: 'Disk space available (bytes)',
    device: 'mount',
    extract: (s) => s.filesystems.flatMap((f) => (finite(f.availableBytes) ? [{ device: f.mount, value: f.availableBytes }] : [])),
  },
  'disk.busy_pct': {
    label: 'Disk busy (percent of the interval)',
    device: 'disk',
    extract: (s) => s.diskIo.flatMap((d) => (finite(d.busyPct) ? [{ device: d.device, value: d.busyPct }] : [])),
  },
  'memory.available_pct': {
    label: 'Memory available (percent)',
    device: 'node',
    extract: (s) => nodeWide(pct(s.memory?.availableBytes, s.memory?.totalBytes)),
  },
  'swap.used_pct': {
    label: 'Swap used (percent; none without swap)',
    device: 'node',
    extract: (s) => nodeWide(pct(s.memory?.swapUsedBytes, s.memory?.swapTotalBytes)),
  },
  'cpu.load_per_core': {
    label: 'Load average (1 min) per CPU core',
    device: 'node',
    extract: (s) => nodeWide(s.cpu && s.cpu.cores > 0 && finite(s.cpu.load1) ? s.cpu.load1 / s.cpu.cores : null),
  },
  'cpu.load5_per_core': {
    label: 'Load average (5 min) per CPU core',
    device: 'node',
    extract: (s) => nodeWide(s.cpu && s.cpu.cores > 0 && finite(s.cpu.load5) ? s.cpu.load5 / s.cpu.cores : null),
  },
  'gpu.memory_used_pct': { label: 'GPU memory used (percent)', device: 'gpu', extract: perGpu((g) => pct(g.fbMemoryUsedMib, g.fbMemoryTotalMib)) },
  'gpu.power_pct_of_limit': {
    label: 'GPU power draw (percent of the enforced limit)',
    device: 'gpu',
    extract: perGpu((g) => pct(g.powerDrawW, g.enforcedPowerLimitW ?? g.powerLimitW)),
  },
  'gpu.ecc_volatile_corrected': { label: 'ECC corrected errors since driver load', device: 'gpu', extract: perGpu((g) => g.eccErrors?.volatile?.corrected) },
  'gpu.ecc_volatile_uncorrected': {
    label: 'ECC uncorrected errors since driver load',
    device: 'gpu',
    extract: perGpu((g) => g.eccErrors?.volatile?.uncorrected),
  },
  'gpu.ecc_aggregate_uncorrected': {
    label: 'ECC uncorrected errors over the GPU life',
    device: 'gpu',
    extract: perGpu((g) => g.eccErrors?.aggregate?.uncorrected),
  },
  'gpu.retired_pages_single_bit': { label: 'Pages retired for single-bit errors', device: 'gpu', extract: perGpu((g) => g.retiredPages?.singleBit) },
  'gpu.retired_pages_double_bit': { label: 'Pages retired for double-bit errors', device: 'gpu', extract: perGpu((g) => g.retiredPages?.doubleBit) },
  'gpu.remapped_rows_correctable': { label: 'Rows remapped for correctable errors', device: 'gpu', extract: perGpu((g) => g.remappedRows?.correctable) },
  'gpu.remapped_rows_uncorrectable': {
    label: 'Rows remapped for uncorrectable errors',
    device: 'gpu',
    extract: perGpu((g) => g.remappedRows?.uncorrectable),
  },
};

const RULE_METRICS: ReadonlyMap<string, RuleMetric> = new Map(Object.entries({ ...stored(), ...DERIVED }));

/** Every metric name a rule may watch, stored ones first. */
export const RULE_METRIC_NAMES: readonly string[] = [...RULE_METRICS.keys()];

export function isRuleMetric(name: string): boolean {
  return RULE_METRICS.has(name);
}

/** For docs and the UI: the metric's label and what its `device` names. */
export function ruleMetricInfo(name: string): { label: string; device: RuleMetric['device'] } | null {
  const metric = RULE_METRICS.get(name);
  return metric ? { label: metric.label, device: metric.device } : null;
}

/** The values of one watchable metric in one snapshot; [] for an unknown name or no data. */
export function ruleMetricValues(metric: string, snapshot: NodeSnapshot): MetricValue[] {
  return RULE_METRICS.get(metric)?.extract(snapshot) ?? [];
}
