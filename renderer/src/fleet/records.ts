/**
 * One compact record per node, built from its newest snapshot (or, before the first live tick,
 * from 'metrics:latest'): what the fleet table and the heatmap show. Pure functions, no DOM, no
 * api: unit-tested directly (as are rows, status, filter, sort, progress and trouble beside it).
 */
import type { LatestValue } from '../../../shared/contract';
import type { Gpu, GpuProcess, GpuStatusState } from '../../../shared/model/gpu';
import { gpuDeviceKey } from '../../../shared/model/metrics';
import type { NodeSnapshot, NodeSummary } from '../../../shared/model/node';

/** One GPU's current readings, enough for a heatmap cell and its tooltip. */
export interface GpuReading {
  /** The stable series key (UUID, else PCI bus id, else index). */
  key: string;
  index: number | null;
  name: string | null;
  uuid: string | null;
  utilPct: number | null;
  tempC: number | null;
  memUsedMib: number | null;
  memTotalMib: number | null;
  powerW: number | null;
  /** The enforced power limit (else the configured one). */
  powerLimitW?: number | null;
  driverVersion?: string | null;
  /** ECC and memory-health problems in words ("ECC 2 uncorrected", "row remap pending"). */
  flags?: readonly string[];
  /** MIG instances of this GPU. */
  mig?: readonly MigReading[];
  /** The GPU's processes, most memory first, at most PROCESSES_KEPT; absent when not read. */
  processes?: readonly GpuProcess[];
}

/** One MIG instance, as the fleet table lists it under its GPU. */
export interface MigReading {
  gpuInstanceId: number | null;
  profile: string | null;
  memUsedMib: number | null;
  memTotalMib: number | null;
}

/** Processes kept per GPU for the heatmap's tooltip: the top few by memory. */
export const PROCESSES_KEPT = 5;

const positive = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;

/**
 * A GPU's memory-health problems from its snapshot: uncorrected ECC errors since the driver
 * loaded, pending or failed row remapping and retired pages, and uncorrectable remapped rows.
 */
export function gpuFlags(gpu: Pick<Gpu, 'eccErrors' | 'retiredPages' | 'remappedRows'>): string[] {
  const flags: string[] = [];
  const volatile = gpu.eccErrors?.volatile;
  if (positive(volatile?.uncorrected)) flags.push(`ECC ${volatile.uncorrected} uncorrected`);
  else if (positive(gpu.eccErrors?.aggregate?.uncorrected)) flags.push(`ECC ${gpu.eccErrors.aggregate.uncorrected} uncorrected (lifetime)`);
  const rows = gpu.remappedRows;
  if (rows) {
    if (positive(rows.uncorrectable)) flags.push(`${rows.uncorrectable} rows remapped (uncorrectable)`);
    if (rows.pending && /^yes$/i.test(rows.pending)) flags.push('row remap pending');
    if (rows.failure && /^yes$/i.test(rows.failure)) flags.push('row remap failed');
  }
  const pages = gpu.retiredPages;
  if (pages) {
    if (positive(pages.doubleBit)) flags.push(`${pages.doubleBit} pages retired (double bit)`);
    if (pages.pending && /^yes$/i.test(pages.pending)) flags.push('page retirement pending');
  }
  return flags;
}

/** The top processes by GPU memory (unknown memory last), bounded. */
export function topProcesses(processes: readonly GpuProcess[] | undefined, limit = PROCESSES_KEPT): GpuProcess[] | undefined {
  if (!processes) return undefined;
  return [...processes].sort((a, b) => (b.usedMemoryMib ?? -1) - (a.usedMemoryMib ?? -1) || a.pid - b.pid).slice(0, limit);
}

/** A node's current telemetry, reduced to what the fleet shows. */
export interface FleetNode {
  id: string;
  hostname: string;
  /** When these values were collected. */
  collectedAt: number;
  cpuPct: number | null;
  memPct: number | null;
  /** The fullest filesystem. */
  worstDisk: { mount: string; pct: number } | null;
  gpus: GpuReading[];
  /** Mean utilisation of the GPUs that report one. */
  gpuUtilMean: number | null;
  gpuState: GpuStatusState | null;
  /** The NVIDIA driver version, when known. */
  driverVersion?: string | null;
  /**
   * The GPUs come from an earlier reading: this one could not read them (nvidia-smi timed out,
   * the collection was cut short). They are kept, without values, so a node's GPUs never vanish.
   */
  gpusUnread: boolean;
  /** 'latest': rebuilt from stored values (no GPU names or indexes yet), replaced by the next snapshot. */
  source: 'snapshot' | 'latest';
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The fullest filesystem (highest used %), ignoring ones that report no percentage. */
export function worstDisk(filesystems: ReadonlyArray<{ mount: string; usedPct: number | null }>): { mount: string; pct: number } | null {
  let worst: { mount: string; pct: number } | null = null;
  for (const fs of filesystems) {
    if (!finite(fs.usedPct)) continue;
    if (worst === null || fs.usedPct > worst.pct) worst = { mount: fs.mount, pct: fs.usedPct };
  }
  return worst;
}

/** Mean of the values that exist; null when none does (a node without GPUs is not "0 % busy"). */
export function meanOf(values: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!finite(v)) continue;
    sum += v;
    n += 1;
  }
  return n === 0 ? null : sum / n;
}

/** A GPU we know of, without a current reading. */
const unread = (gpu: GpuReading): GpuReading => ({ ...gpu, utilPct: null, tempC: null, memUsedMib: null, powerW: null, processes: undefined });

/**
 * The fleet record of a snapshot. A snapshot that could not read the GPUs a node had (`previous`)
 * keeps them as "no reading": missing data is not shown as absence. A node that reports no GPU
 * ('no-gpu') really has none.
 */
export function summarizeSnapshot(snapshot: NodeSnapshot, previous: FleetNode | null = null): FleetNode {
  const read: GpuReading[] = snapshot.gpus.map((gpu) => ({
    key: gpuDeviceKey(gpu),
    index: gpu.index,
    name: gpu.productName,
    uuid: gpu.uuid,
    utilPct: gpu.gpuUtilPct,
    tempC: gpu.temperatureC,
    memUsedMib: gpu.fbMemoryUsedMib,
    memTotalMib: gpu.fbMemoryTotalMib,
    powerW: gpu.powerDrawW,
    powerLimitW: gpu.enforcedPowerLimitW ?? gpu.powerLimitW,
    driverVersion: gpu.driverVersion,
    flags: gpuFlags(gpu),
    mig: (gpu.migDevices ?? []).map((m) => ({
      gpuInstanceId: m.gpuInstanceId,
      profile: m.profile,
      memUsedMib: m.fbMemoryUsedMib,
      memTotalMib: m.fbMemoryTotalMib,
    })),
    processes: topProcesses(gpu.processes),
  }));
  const gpusUnread = read.length === 0 && snapshot.gpuStatus.state !== 'no-gpu' && previous !== null && previous.gpus.length > 0;
  const gpus = gpusUnread ? previous.gpus.map(unread) : read;
  return {
    id: snapshot.id,
    hostname: snapshot.hostname,
    collectedAt: snapshot.collectedAt,
    cpuPct: snapshot.cpu?.utilPct ?? null,
    memPct: snapshot.memory?.usedPct ?? null,
    worstDisk: worstDisk(snapshot.filesystems),
    gpus,
    gpuUtilMean: meanOf(gpus.map((g) => g.utilPct)),
    gpuState: snapshot.gpuStatus.state,
    driverVersion: snapshot.gpuStatus.driverVersion ?? read.find((g) => g.driverVersion)?.driverVersion ?? previous?.driverVersion ?? null,
    gpusUnread,
    source: 'snapshot',
  };
}

/** Metrics asked of 'metrics:latest' for the first fill. */
export const LATEST_METRICS = [
  'cpu.util_pct',
  'memory.used_pct',
  'fs.used_pct',
  'gpu.util_pct',
  'gpu.temperature_c',
  'gpu.memory_used_mib',
  'gpu.power_w',
] as const;

/**
 * Fleet records from stored latest values, one per node that has any. GPUs are the devices of
 * the GPU metrics, in the order of their keys; names and indexes come with the next snapshot.
 */
export function fromLatestValues(values: readonly LatestValue[], summaries: ReadonlyMap<string, NodeSummary> = new Map()): Map<string, FleetNode> {
  interface Acc {
    t: number;
    cpu: number | null;
    mem: number | null;
    disks: Array<{ mount: string; usedPct: number }>;
    gpus: Map<string, GpuReading>;
  }
  const byNode = new Map<string, Acc>();
  for (const value of values) {
    let acc = byNode.get(value.nodeId);
    if (!acc) byNode.set(value.nodeId, (acc = { t: 0, cpu: null, mem: null, disks: [], gpus: new Map() }));
    acc.t = Math.max(acc.t, value.t);
    const gpu = () => {
      let reading = acc.gpus.get(value.device);
      if (!reading) {
        reading = {
          key: value.device,
          index: null,
          name: null,
          uuid: value.device.startsWith('GPU-') ? value.device : null,
          utilPct: null,
          tempC: null,
          memUsedMib: null,
          memTotalMib: null,
          powerW: null,
        };
        acc.gpus.set(value.device, reading);
      }
      return reading;
    };
    switch (value.metric) {
      case 'cpu.util_pct':
        acc.cpu = value.v;
        break;
      case 'memory.used_pct':
        acc.mem = value.v;
        break;
      case 'fs.used_pct':
        acc.disks.push({ mount: value.device, usedPct: value.v });
        break;
      case 'gpu.util_pct':
        gpu().utilPct = value.v;
        break;
      case 'gpu.temperature_c':
        gpu().tempC = value.v;
        break;
      case 'gpu.memory_used_mib':
        gpu().memUsedMib = value.v;
        break;
      case 'gpu.power_w':
        gpu().powerW = value.v;
        break;
      default:
        break;
    }
  }
  const out = new Map<string, FleetNode>();
  for (const [id, acc] of byNode) {
    const gpus = [...acc.gpus.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    out.set(id, {
      id,
      hostname: summaries.get(id)?.hostname ?? id,
      collectedAt: acc.t,
      cpuPct: acc.cpu,
      memPct: acc.mem,
      worstDisk: worstDisk(acc.disks),
      gpus,
      gpuUtilMean: meanOf(gpus.map((g) => g.utilPct)),
      gpuState: summaries.get(id)?.gpuStatus?.state ?? null,
      gpusUnread: false,
      source: 'latest',
    });
  }
  return out;
}
