/**
 * dcgm-exporter series onto the GPU model nvidia-smi fills, so that fleet view, charts, failure
 * detectors and alerts read a DCGM node like an SSH one. One sample per GPU per field, keyed by
 * the GPU's UUID (labels `UUID`, or `uuid` in 1.x), with the 4.x labels (`pci_bus_id`, `device`,
 * `modelName`, `DCGM_FI_DRIVER_VERSION`) and the 2.x ones (no `pci_bus_id`).
 *
 * What DCGM does not report is null, never 0: a field without a sample, a DCGM "blank" (the int64
 * blanks from 9223372036854775792 up, and the fp64 blank 2^47: every value from 2^47 up, as no
 * mapped field comes near it), NaN or Inf. Fields DCGM reports as 0 when unsupported (memory
 * temperature) are not mapped. With MIG, dcgm-exporter repeats device fields on every GPU
 * instance (labels GPU_I_ID...): the sample without an instance is taken, else the first one.
 */
import type { Gpu, GpuStatus } from '../../../shared/model/gpu';
import { clip, NODE_LIMITS } from '../../../shared/model/limits';
import { gpuDeviceKey } from '../../../shared/model/metrics';
import type { ExpositionSample } from './exposition';

export type PromSample = Pick<ExpositionSample, 'name' | 'labels' | 'value'>;

/** DCGM_FP64_BLANK (2^47); the int64 blanks (0x7ffffffffffffff0 and up) are far above it. */
export const DCGM_BLANK_FROM = 140_737_488_355_328;

/** nvidia-smi's spelling of a PCI address: 8-hex-digit domain, upper case ("00000000:31:00.0"). */
export function normalisePciBusId(raw: string | undefined): string | null {
  const m = /^(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec((raw ?? '').trim());
  if (m === null) return null;
  const [, domain = '0', bus, device, fn] = m as unknown as [string, string | undefined, string, string, string];
  return `${domain.padStart(8, '0')}:${bus.padStart(2, '0')}:${device.padStart(2, '0')}.${fn}`.toUpperCase();
}

/** A DCGM value, or null for blanks, NaN, Inf and negatives. */
export function dcgmValue(value: number | undefined): number | null {
  if (value === undefined || !Number.isFinite(value) || value < 0 || value >= DCGM_BLANK_FROM) return null;
  return value;
}

/**
 * The DCGM_FI_DEV_* fields this mapping reads (dcgmGpus, dcgmLastXids): what a source asks for,
 * where an exporter exports twice as many (clocks, energy, profiling, licences...).
 */
export const DCGM_MAPPED_FIELDS = [
  'FB_USED',
  'FB_FREE',
  'FB_RESERVED',
  'ECC_SBE_VOL_TOTAL',
  'ECC_DBE_VOL_TOTAL',
  'ECC_SBE_AGG_TOTAL',
  'ECC_DBE_AGG_TOTAL',
  'RETIRED_SBE',
  'RETIRED_DBE',
  'RETIRED_PENDING',
  'CORRECTABLE_REMAPPED_ROWS',
  'UNCORRECTABLE_REMAPPED_ROWS',
  'ROW_REMAP_PENDING',
  'ROW_REMAP_FAILURE',
  'MIG_MODE',
  'ECC_CURRENT',
  'FAN_SPEED',
  'GPU_UTIL',
  'MEM_COPY_UTIL',
  'GPU_TEMP',
  'POWER_USAGE',
  'POWER_USAGE_INSTANT',
  'POWER_MGMT_LIMIT',
  'ENFORCED_POWER_LIMIT',
  'SM_CLOCK',
  'XID_ERRORS',
] as const;
type MappedField = (typeof DCGM_MAPPED_FIELDS)[number];

/**
 * Labels that name a GPU's series: its node's (given apart), its index, UUID and MIG instance.
 * The others (PCI address, device, model, driver) are the same on every sample of a GPU.
 */
export const DCGM_SERIES_LABELS = ['gpu', 'UUID', 'uuid', 'GPU_I_ID'] as const;
/** A GPU's identity labels, read with DCGM_SERIES_LABELS. */
export const DCGM_IDENTITY_LABELS = ['pci_bus_id', 'device', 'modelName', 'DCGM_FI_DRIVER_VERSION'] as const;

interface GpuSamples {
  labels: Record<string, string>;
  fields: Map<string, number>;
  instances: Set<string>;
}

const isInstance = (labels: Record<string, string>): boolean => labels.GPU_I_ID !== undefined && labels.GPU_I_ID !== '';

function identity(labels: Record<string, string>): string | null {
  const uuid = labels.UUID ?? labels.uuid;
  if (uuid) return `uuid:${uuid}`;
  const pci = normalisePciBusId(labels.pci_bus_id);
  if (pci !== null) return `pci:${pci}`;
  return labels.gpu !== undefined && labels.gpu !== '' ? `gpu:${labels.gpu}` : null;
}

/** DCGM_FI_* samples grouped per GPU, in first-seen order. */
function groupByGpu(samples: readonly PromSample[]): GpuSamples[] {
  const byGpu = new Map<string, GpuSamples>();
  for (const sample of samples) {
    if (!sample.name.startsWith('DCGM_FI_')) continue;
    const key = identity(sample.labels);
    if (key === null) continue;
    let gpu = byGpu.get(key);
    if (gpu === undefined) {
      if (byGpu.size > NODE_LIMITS.gpus) continue; // one past the bound is kept, so the cut shows
      gpu = { labels: sample.labels, fields: new Map(), instances: new Set() };
      byGpu.set(key, gpu);
    }
    const instance = isInstance(sample.labels);
    if (instance) gpu.instances.add(sample.labels.GPU_I_ID!);
    // The device-wide sample wins over an instance's copy of it.
    if (!gpu.fields.has(sample.name) || !instance) gpu.fields.set(sample.name, sample.value);
    if (isInstance(gpu.labels) && !instance) gpu.labels = sample.labels;
  }
  return [...byGpu.values()];
}

const yesNo = (value: number | null): string | null => (value === null ? null : value > 0 ? 'Yes' : 'No');
const text = (value: string | undefined): string | null => (value === undefined || value === '' ? null : clip(value));
/**
 * The device key (gpuDeviceKey) the live mapping stores a GPU's series under, from one DCGM
 * series' labels: its UUID, else its PCI address, else its index (`position` where the label has none).
 */
export function dcgmDeviceKey(labels: Record<string, string>, position = 0): string {
  const indexLabel = Number(labels.gpu);
  return gpuDeviceKey({
    uuid: text(labels.UUID ?? labels.uuid),
    pciBusId: normalisePciBusId(labels.pci_bus_id),
    // As toGpu reads it.
    index: Number.isSafeInteger(indexLabel) && indexLabel >= 0 ? indexLabel : position,
  });
}

function toGpu(samples: GpuSamples, position: number): Gpu {
  const field = (name: MappedField): number | null => dcgmValue(samples.fields.get(`DCGM_FI_DEV_${name}`));
  const { labels } = samples;
  const indexLabel = Number(labels.gpu);
  const minor = /^nvidia(\d{1,4})$/.exec(labels.device ?? '');
  const used = field('FB_USED');
  const free = field('FB_FREE');
  const reserved = field('FB_RESERVED');
  const side = (corrected: number | null, uncorrected: number | null) => (corrected === null && uncorrected === null ? null : { corrected, uncorrected });
  const volatile = side(field('ECC_SBE_VOL_TOTAL'), field('ECC_DBE_VOL_TOTAL'));
  const aggregate = side(field('ECC_SBE_AGG_TOTAL'), field('ECC_DBE_AGG_TOTAL'));
  const retired = { singleBit: field('RETIRED_SBE'), doubleBit: field('RETIRED_DBE'), pending: yesNo(field('RETIRED_PENDING')) };
  const remapped = {
    correctable: field('CORRECTABLE_REMAPPED_ROWS'),
    uncorrectable: field('UNCORRECTABLE_REMAPPED_ROWS'),
    pending: yesNo(field('ROW_REMAP_PENDING')),
    failure: yesNo(field('ROW_REMAP_FAILURE')),
  };
  const anyOf = <T extends object>(o: T): T | null => (Object.values(o).some((v) => v !== null) ? o : null);
  const migMode = field('MIG_MODE');
  const eccMode = field('ECC_CURRENT');
  return {
    index: Number.isSafeInteger(indexLabel) && indexLabel >= 0 ? indexLabel : position,
    minorNumber: minor === null ? null : Number(minor[1]),
    productName: text(labels.modelName),
    uuid: text(labels.UUID ?? labels.uuid),
    pciBusId: normalisePciBusId(labels.pci_bus_id),
    driverVersion: text(labels.DCGM_FI_DRIVER_VERSION),
    cudaVersion: null,
    fanSpeedPct: field('FAN_SPEED'),
    gpuUtilPct: field('GPU_UTIL'),
    memoryUtilPct: field('MEM_COPY_UTIL'),
    // nvidia-smi's total is used + free + reserved; 2.x has no FB_RESERVED, so its total is used + free.
    fbMemoryTotalMib: used === null || free === null ? null : used + free + (reserved ?? 0),
    fbMemoryUsedMib: used,
    temperatureC: field('GPU_TEMP'),
    powerDrawW: field('POWER_USAGE'),
    powerDrawAverageW: null,
    powerDrawInstantW: field('POWER_USAGE_INSTANT'),
    powerLimitW: field('POWER_MGMT_LIMIT'),
    enforcedPowerLimitW: field('ENFORCED_POWER_LIMIT'),
    smClockMhz: field('SM_CLOCK'),
    eccModeCurrent: eccMode === null ? null : eccMode > 0 ? 'Enabled' : 'Disabled',
    eccErrors: volatile === null && aggregate === null ? null : { volatile, aggregate },
    retiredPages: anyOf(retired),
    remappedRows: anyOf(remapped),
    migModeCurrent: migMode === null ? (samples.instances.size > 0 ? 'Enabled' : null) : migMode > 0 ? 'Enabled' : 'Disabled',
    migDeviceCount: samples.instances.size > 0 ? samples.instances.size : null,
    processCount: null,
    // DCGM_FI_DEV_CLOCK_THROTTLE_REASONS is a bit mask; not decoded yet.
    clockEventReasonsActive: null,
  };
}

/** The GPUs in one node's dcgm-exporter samples, by index. Samples of other exporters are ignored. */
export function dcgmGpus(samples: readonly PromSample[]): Gpu[] {
  return groupByGpu(samples)
    .map(toGpu)
    .sort((a, b) => a.index - b.index);
}

/**
 * The last Xid per GPU (key: gpuDeviceKey) where dcgm-exporter exports DCGM_FI_DEV_XID_ERRORS
 * (2.x default set; 4.x leaves it out) and it is not 0. DCGM keeps only the last one, so the
 * same Xid twice reads as one: a caller raises an event when the value changes between ticks,
 * and the kernel log (failures/) stays the full record where it can be read.
 */
export function dcgmLastXids(samples: readonly PromSample[]): Map<string, number> {
  const out = new Map<string, number>();
  const groups = groupByGpu(samples);
  groups.forEach((group, position) => {
    const xid = dcgmValue(group.fields.get('DCGM_FI_DEV_XID_ERRORS' satisfies `DCGM_FI_DEV_${MappedField}`));
    if (xid !== null && xid > 0 && Number.isInteger(xid)) out.set(gpuDeviceKey(toGpu(group, position)), xid);
  });
  return out;
}

/** The node's GPU status from its DCGM samples: ok with the driver version, or no devices. */
export function dcgmGpuStatus(gpus: readonly Gpu[]): GpuStatus {
  const driver = gpus.find((g) => g.driverVersion !== null)?.driverVersion ?? null;
  return gpus.length > 0
    ? { state: 'ok', message: '', driverVersion: driver, cudaVersion: null }
    : { state: 'no-devices', message: 'dcgm-exporter reports no GPU for this node', driverVersion: null, cudaVersion: null };
}
