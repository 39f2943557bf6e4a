import { z } from 'zod';
import type { Gpu } from './gpu';
import type { NodeSnapshot } from './node';

/** Units a metric value can carry; charts format axes from these. */
export const MetricUnitSchema = z.enum(['pct', 'bytes', 'bytesPerSec', 'mib', 'celsius', 'watts', 'load']);
export type MetricUnit = z.infer<typeof MetricUnitSchema>;

/** One value of one series at one collection: `device` is '' for node-wide metrics. */
export interface MetricValue {
  device: string;
  value: number;
}

interface MetricDefinition {
  unit: MetricUnit;
  label: string;
  /** Reads this metric's values out of a snapshot; skips nulls. */
  extract(snapshot: NodeSnapshot): MetricValue[];
}

/** The stable key a GPU's series are stored under: its UUID, so a GPU keeps its history when it moves slot. */
export function gpuDeviceKey(gpu: Pick<Gpu, 'uuid' | 'pciBusId' | 'index'>): string {
  return gpu.uuid ?? gpu.pciBusId ?? `gpu-index-${gpu.index}`;
}

function nodeWide(value: number | null | undefined): MetricValue[] {
  return value === null || value === undefined || !Number.isFinite(value) ? [] : [{ device: '', value }];
}

function perGpu(read: (gpu: Gpu) => number | null): (snapshot: NodeSnapshot) => MetricValue[] {
  return (snapshot) =>
    snapshot.gpus.flatMap((gpu) => {
      const value = read(gpu);
      return value === null || !Number.isFinite(value) ? [] : [{ device: gpuDeviceKey(gpu), value }];
    });
}

/**
 * Every metric stored per tick. Adding one is one entry here: the store, the query call and the
 * charts read this table.
 */
export const METRICS = {
  'cpu.util_pct': { unit: 'pct', label: 'CPU utilisation', extract: (s) => nodeWide(s.cpu?.utilPct) },
  'cpu.load1': { unit: 'load', label: 'Load average (1 min)', extract: (s) => nodeWide(s.cpu?.load1) },
  'memory.used_pct': { unit: 'pct', label: 'Memory used', extract: (s) => nodeWide(s.memory?.usedPct) },
  'memory.used_bytes': { unit: 'bytes', label: 'Memory used', extract: (s) => nodeWide(s.memory?.usedBytes) },
  'swap.used_bytes': { unit: 'bytes', label: 'Swap used', extract: (s) => nodeWide(s.memory?.swapUsedBytes) },
  'fs.used_pct': {
    unit: 'pct',
    label: 'Disk used',
    extract: (s) => s.filesystems.flatMap((f) => (f.usedPct === null ? [] : [{ device: f.mount, value: f.usedPct }])),
  },
  'net.rx_bytes_per_sec': {
    unit: 'bytesPerSec',
    label: 'Network received',
    extract: (s) => s.network.flatMap((n) => (n.rxBytesPerSec === null ? [] : [{ device: n.iface, value: n.rxBytesPerSec }])),
  },
  'net.tx_bytes_per_sec': {
    unit: 'bytesPerSec',
    label: 'Network sent',
    extract: (s) => s.network.flatMap((n) => (n.txBytesPerSec === null ? [] : [{ device: n.iface, value: n.txBytesPerSec }])),
  },
  'disk.read_bytes_per_sec': {
    unit: 'bytesPerSec',
    label: 'Disk read',
    extract: (s) => s.diskIo.flatMap((d) => (d.readBytesPerSec === null ? [] : [{ device: d.device, value: d.readBytesPerSec }])),
  },
  'disk.write_bytes_per_sec': {
    unit: 'bytesPerSec',
    label: 'Disk written',
    extract: (s) => s.diskIo.flatMap((d) => (d.writeBytesPerSec === null ? [] : [{ device: d.device, value: d.writeBytesPerSec }])),
  },
  'gpu.util_pct': { unit: 'pct', label: 'GPU utilisation', extract: perGpu((g) => g.gpuUtilPct) },
  'gpu.memory_used_mib': { unit: 'mib', label: 'GPU memory used', extract: perGpu((g) => g.fbMemoryUsedMib) },
  'gpu.temperature_c': { unit: 'celsius', label: 'GPU temperature', extract: perGpu((g) => g.temperatureC) },
  'gpu.power_w': { unit: 'watts', label: 'GPU power draw', extract: perGpu((g) => g.powerDrawW) },
} satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as [MetricName, ...MetricName[]];
export const MetricNameSchema = z.enum(METRIC_NAMES);
