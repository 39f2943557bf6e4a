/**
 * The values a metric rule can watch, per node: every stored metric (shared/model/metrics.ts)
 * plus ratios and counters derived from the same snapshot. Derived values are never stored; they
 * exist so a rule can say "inodes 95 % used" or "load 4 per core" without arithmetic in YAML.
 */
import { gpuDeviceKey, METRICS, type MetricValue } from '../../../shared/model/metrics';
import type { Gpu } from '../../../shared/model/gpu';
import type { FilesystemStats, NodeSnapshot } from '../../../shared/model/node';

/**
 * A reusable buffer one metric's values of one snapshot are read into, so the per-tick evaluation
 * allocates nothing per value (1,000 GPUs x every watched metric, every tick).
 */
export interface MetricBuffer {
  devices: string[];
  values: number[];
  length: number;
}

export function metricBuffer(): MetricBuffer {
  return { devices: [], values: [], length: 0 };
}

function push(out: MetricBuffer, device: string, value: number): void {
  out.devices[out.length] = device;
  out.values[out.length] = value;
  out.length += 1;
}

interface RuleMetric {
  label: string;
  /** What `device` names for this metric: '' (node-wide), a mount, a GPU key, a disk. */
  device: 'node' | 'mount' | 'gpu' | 'interface' | 'disk';
  /** Appends the snapshot's values to `out` (skips missing ones). */
  read(snapshot: NodeSnapshot, out: MetricBuffer): void;
}

function finite(value: number | null | undefined): value is number {
  return value !== null && value !== undefined && Number.isFinite(value);
}

/** part / whole in percent, or null where the whole is unknown or zero. */
function pct(part: number | null | undefined, whole: number | null | undefined): number | null {
  return finite(part) && finite(whole) && whole > 0 ? (part / whole) * 100 : null;
}

function nodeWide(read: (snapshot: NodeSnapshot) => number | null | undefined): RuleMetric['read'] {
  return (snapshot, out) => {
    const value = read(snapshot);
    if (finite(value)) push(out, '', value);
  };
}

function perGpu(read: (gpu: Gpu) => number | null | undefined): RuleMetric['read'] {
  return (snapshot, out) => {
    for (const gpu of snapshot.gpus) {
      const value = read(gpu);
      if (finite(value)) push(out, gpuDeviceKey(gpu), value);
    }
  };
}

function perMount(read: (fs: FilesystemStats) => number | null | undefined): RuleMetric['read'] {
  return (snapshot, out) => {
    for (const fs of snapshot.filesystems) {
      const value = read(fs);
      if (finite(value)) push(out, fs.mount, value);
    }
  };
}

const DEVICE_OF: Readonly<Record<string, RuleMetric['device']>> = { fs: 'mount', net: 'interface', disk: 'disk', gpu: 'gpu' };

/**
 * Allocation-free readers for the stored metrics rules watch most (per GPU, per mount); each reads
 * what its METRICS entry extracts (test/unit/alerts/rule-metric-readers.test.ts compares them). Every
 * other stored metric is read through its extract().
 */
const STORED_READERS: Readonly<Record<string, RuleMetric['read']>> = {
  'gpu.util_pct': perGpu((g) => g.gpuUtilPct),
  'gpu.memory_used_mib': perGpu((g) => g.fbMemoryUsedMib),
  'gpu.temperature_c': perGpu((g) => g.temperatureC),
  'gpu.power_w': perGpu((g) => g.powerDrawW),
  // As stored: only a null is skipped.
  'fs.used_pct': (s, out) => {
    for (const f of s.filesystems) if (f.usedPct !== null) push(out, f.mount, f.usedPct);
  },
};

function viaExtract(extract: (snapshot: NodeSnapshot) => MetricValue[]): RuleMetric['read'] {
  return (snapshot, out) => {
    for (const { device, value } of extract(snapshot)) push(out, device, value);
  };
}

function stored(): Record<string, RuleMetric> {
  const out: Record<string, RuleMetric> = {};
  for (const [name, definition] of Object.entries(METRICS)) {
    out[name] = { label: definition.label, device: DEVICE_OF[name.split('.')[0]!] ?? 'node', read: STORED_READERS[name] ?? viaExtract(definition.extract) };
  }
  return out;
}

/** Derived per snapshot; each documented in docs/alert-rules.md. */
const DERIVED: Readonly<Record<string, RuleMetric>> = {
  'fs.inodes_used_pct': {
    label: 'Inodes used (percent)',
    device: 'mount',
    read: (s, out) => {
      for (const f of s.filesystems) {
        const value = pct(f.inodesUsed, f.inodesTotal);
        if (value !== null) push(out, f.mount, value);
      }
    },
  },
  'fs.available_bytes': { label: 'Disk space available (bytes)', device: 'mount', read: perMount((f) => f.availableBytes) },
  'disk.busy_pct': {
    label: 'Disk busy (percent of the interval)',
    device: 'disk',
    read: (s, out) => {
      for (const d of s.diskIo) if (finite(d.busyPct)) push(out, d.device, d.busyPct);
    },
  },
  'memory.available_pct': {
    label: 'Memory available (percent)',
    device: 'node',
    read: nodeWide((s) => pct(s.memory?.availableBytes, s.memory?.totalBytes)),
  },
  'swap.used_pct': {
    label: 'Swap used (percent; none without swap)',
    device: 'node',
    read: nodeWide((s) => pct(s.memory?.swapUsedBytes, s.memory?.swapTotalBytes)),
  },
  'cpu.load_per_core': {
    label: 'Load average (1 min) per CPU core',
    device: 'node',
    read: nodeWide((s) => (s.cpu && s.cpu.cores > 0 && finite(s.cpu.load1) ? s.cpu.load1 / s.cpu.cores : null)),
  },
  'cpu.load5_per_core': {
    label: 'Load average (5 min) per CPU core',
    device: 'node',
    read: nodeWide((s) => (s.cpu && s.cpu.cores > 0 && finite(s.cpu.load5) ? s.cpu.load5 / s.cpu.cores : null)),
  },
  'gpu.memory_used_pct': { label: 'GPU memory used (percent)', device: 'gpu', read: perGpu((g) => pct(g.fbMemoryUsedMib, g.fbMemoryTotalMib)) },
  'gpu.power_pct_of_limit': {
    label: 'GPU power draw (percent of the enforced limit)',
    device: 'gpu',
    read: perGpu((g) => pct(g.powerDrawW, g.enforcedPowerLimitW ?? g.powerLimitW)),
  },
  'gpu.ecc_volatile_corrected': { label: 'ECC corrected errors since driver load', device: 'gpu', read: perGpu((g) => g.eccErrors?.volatile?.corrected) },
  'gpu.ecc_volatile_uncorrected': {
    label: 'ECC uncorrected errors since driver load',
    device: 'gpu',
    read: perGpu((g) => g.eccErrors?.volatile?.uncorrected),
  },
  'gpu.ecc_aggregate_uncorrected': {
    label: 'ECC uncorrected errors over the GPU life',
    device: 'gpu',
    read: perGpu((g) => g.eccErrors?.aggregate?.uncorrected),
  },
  'gpu.retired_pages_single_bit': { label: 'Pages retired for single-bit errors', device: 'gpu', read: perGpu((g) => g.retiredPages?.singleBit) },
  'gpu.retired_pages_double_bit': { label: 'Pages retired for double-bit errors', device: 'gpu', read: perGpu((g) => g.retiredPages?.doubleBit) },
  'gpu.remapped_rows_correctable': { label: 'Rows remapped for correctable errors', device: 'gpu', read: perGpu((g) => g.remappedRows?.correctable) },
  'gpu.remapped_rows_uncorrectable': {
    label: 'Rows remapped for uncorrectable errors',
    device: 'gpu',
    read: perGpu((g) => g.remappedRows?.uncorrectable),
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

/** Reads one watchable metric's values in one snapshot into `out` (emptied first); nothing for an unknown name or no data. */
export function readRuleMetric(metric: string, snapshot: NodeSnapshot, out: MetricBuffer): void {
  out.length = 0;
  RULE_METRICS.get(metric)?.read(snapshot, out);
}

/** The values of one watchable metric in one snapshot; [] for an unknown name or no data. */
export function ruleMetricValues(metric: string, snapshot: NodeSnapshot): MetricValue[] {
  const out = metricBuffer();
  readRuleMetric(metric, snapshot, out);
  const values: MetricValue[] = [];
  for (let i = 0; i < out.length; i += 1) values.push({ device: out.devices[i]!, value: out.values[i]! });
  return values;
}
