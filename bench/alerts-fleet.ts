/**
 * The alert benchmark's synthetic fleet: one NodeSnapshot and NodeState per node per tick, as the
 * collectors would hand them to the failure detectors. Deterministic (seeded), streaming (one
 * tick at a time). The model, per node:
 * - jobs: busy or idle segments of 10-90 min; a segment is busy with the fleet's diurnal demand
 *   (low at night, high in the afternoon), busy GPUs run at 85-99 % with jitter;
 * - each GPU: temperature following its load with a thermal lag (peaks in the high 70s), power
 *   following load, framebuffer use by job, the power-cap and idle clock reasons of normal work;
 * - host: load per core and memory by job, / and /scratch creeping up over the day.
 * The scenario's effects (alerts-scenario.ts) override these while they last.
 */
import type { Gpu } from '../shared/model/gpu';
import type { NodeState } from '../shared/model/inventory';
import type { FilesystemStats, NodeSnapshot } from '../shared/model/node';
import type { Effect } from './alerts-scenario';
import { Rng } from './telemetry-generator';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const GIB = 2 ** 30;
const TIB = 2 ** 40;
const CORES = 96;
const MEMORY_BYTES = 2 * TIB;
const FB_TOTAL_MIB = 81_559;
const POWER_LIMIT_W = 700;
const THERMAL_TAU_MS = 90_000;
/** HGX H100 board slots: PCI buses of GPUs 0-7 as nvidia-smi prints them. */
const PCI_BUSES = ['18', '2A', '3A', '5D', '9A', 'AB', 'BA', 'DB'];
const DRIVER = '550.127.05';
const CUDA = '12.4';

export interface FleetOptions {
  nodes: number;
  gpusPerNode: number;
  startMs: number;
  intervalMs: number;
  seed: string;
}

export function fleetNodeIds(nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `gpu-${String(i + 1).padStart(3, '0')}`);
}

/** The GPU's PCI bus id as nvidia-smi prints it. */
export function fleetPciId(gpu: number): string {
  const bus = gpu < PCI_BUSES.length ? PCI_BUSES[gpu]! : (0x40 + gpu).toString(16).toUpperCase().padStart(2, '0');
  return `00000000:${bus}:00.0`;
}

/** The UUID of GPU `gpu` of the fleet's node `nodeId`. */
export function fleetGpuUuid(nodeId: string, gpu: number): string {
  return uuidOf(Number(nodeId.slice(4)) - 1, gpu);
}

function uuidOf(node: number, gpu: number): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0').slice(-w);
  return `GPU-${h(0x5eed0000 + node, 8)}-${h(gpu, 4)}-4${h(node, 3)}-8${h(gpu * 7, 3)}-${h(node * 1000 + gpu, 12)}`;
}

/** 0.15 at night to 0.9 in the afternoon (UTC clock; the fleet is one site). */
export function diurnalDemand(atMs: number): number {
  const hour = (atMs % DAY_MS) / 3_600_000;
  return 0.525 - 0.375 * Math.cos((2 * Math.PI * (hour - 3)) / 24);
}

interface GpuModel {
  uuid: string;
  pci: string;
  offsetC: number;
  temperatureC: number;
  corrected: number;
}

interface NodeModel {
  id: string;
  rng: Rng;
  gpus: GpuModel[];
  busy: boolean;
  segmentEndMs: number;
  rootBasePct: number;
  scratchBasePct: number;
  /** Percent per day. */
  scratchGrowth: number;
  effects: Effect[];
  since: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function filesystem(mount: string, device: string, sizeBytes: number, usedPct: number): FilesystemStats {
  const usedBytes = Math.round((sizeBytes * usedPct) / 100 / 4096) * 4096;
  return {
    mount,
    device,
    fsType: 'ext4',
    sizeBytes,
    usedBytes,
    availableBytes: sizeBytes - usedBytes,
    usedPct: round1((usedBytes / sizeBytes) * 100),
    inodesTotal: 60_000_000,
    inodesUsed: 4_000_000,
  };
}

export class SyntheticFleet {
  readonly nodeIds: string[];
  private readonly nodes: NodeModel[];
  private readonly options: FleetOptions;

  constructor(options: FleetOptions, effects: readonly Effect[]) {
    this.options = options;
    this.nodeIds = fleetNodeIds(options.nodes);
    this.nodes = this.nodeIds.map((id, n) => {
      const rng = new Rng(`${options.seed}/${id}`);
      return {
        id,
        rng,
        gpus: Array.from({ length: options.gpusPerNode }, (_, g) => ({
          uuid: uuidOf(n, g),
          pci: fleetPciId(g),
          offsetC: rng.uniform(-3, 3),
          temperatureC: 33,
          corrected: rng.int(0, 40),
        })),
        busy: false,
        segmentEndMs: options.startMs,
        rootBasePct: rng.uniform(35, 60),
        scratchBasePct: rng.uniform(50, 78),
        scratchGrowth: rng.uniform(0.5, 6),
        effects: effects.filter((e) => e.nodeId === id),
        since: options.startMs,
      };
    });
  }

  /** The snapshots (nodes that answered) and the states of every node at atMs. */
  tick(atMs: number): { snapshots: NodeSnapshot[]; states: NodeState[] } {
    const snapshots: NodeSnapshot[] = [];
    const states: NodeState[] = [];
    for (const node of this.nodes) {
      const active = node.effects.filter((e) => e.startMs <= atMs && atMs < e.endMs);
      const unreachable = active.find((e) => e.type === 'unreachable');
      states.push({
        id: node.id,
        kind: 'ssh',
        status: unreachable ? 'unreachable' : 'up',
        since: node.since,
        lastError: unreachable?.type === 'unreachable' ? unreachable.error : null,
        address: `10.0.${Math.floor(this.nodeIds.indexOf(node.id) / 250)}.${(this.nodeIds.indexOf(node.id) % 250) + 1}`,
        labels: ['rack-a'],
        missing: [],
        hostKey: null,
        passphraseFor: null,
      });
      this.advance(node, atMs);
      if (!unreachable) snapshots.push(this.snapshot(node, atMs, active));
    }
    return { snapshots, states };
  }

  /** Jobs and thermal state move on every tick, answered or not. */
  private advance(node: NodeModel, atMs: number): void {
    if (atMs >= node.segmentEndMs) {
      node.busy = node.rng.chance(diurnalDemand(atMs));
      node.segmentEndMs = atMs + Math.round(node.rng.uniform(10, 90)) * MINUTE_MS;
    }
    const lag = 1 - Math.exp(-this.options.intervalMs / THERMAL_TAU_MS);
    for (const gpu of node.gpus) {
      const load = node.busy ? 0.92 : 0.02;
      const target = 33 + gpu.offsetC + 42 * load;
      gpu.temperatureC += (target - gpu.temperatureC) * lag + node.rng.uniform(-0.4, 0.4);
      if (node.rng.chance(0.0005)) gpu.corrected += 1;
    }
  }

  private snapshot(node: NodeModel, atMs: number, active: readonly Effect[]): NodeSnapshot {
    const rng = node.rng;
    const elapsedDays = (atMs - this.options.startMs) / DAY_MS;
    const driver = active.find((e) => e.type === 'driver-error');
    const gpus: Gpu[] = [];
    if (!driver) {
      node.gpus.forEach((model, index) => {
        const mine = active.filter((e) => 'gpu' in e && e.gpu === index);
        if (mine.some((e) => e.type === 'gpu-missing')) return;
        gpus.push(this.gpu(node, model, index, mine, atMs));
      });
    }
    const load = active.find((e) => e.type === 'load');
    const perCore = load?.type === 'load' ? load.perCore : node.busy ? rng.uniform(0.2, 0.45) : rng.uniform(0.01, 0.05);
    const memory = active.find((e) => e.type === 'memory');
    const availablePct = memory?.type === 'memory' ? memory.availablePct : node.busy ? rng.uniform(35, 50) : rng.uniform(70, 85);
    const availableBytes = Math.round((MEMORY_BYTES * availablePct) / 100);
    const fs = active.find((e) => e.type === 'filesystem');
    const scratchNormal = node.scratchBasePct + node.scratchGrowth * elapsedDays;
    let scratchPct = scratchNormal;
    if (fs?.type === 'filesystem') {
      const ramp = fs.rampEndMs <= fs.startMs ? 1 : clamp((atMs - fs.startMs) / (fs.rampEndMs - fs.startMs), 0, 1);
      scratchPct = scratchNormal + (fs.peakPct - scratchNormal) * ramp;
    }
    return {
      id: node.id,
      hostname: node.id,
      collectedAt: atMs,
      os: { platform: 'linux', distro: 'Ubuntu 22.04.4 LTS', release: '22.04', kernel: '5.15.0-119-generic', arch: 'x86_64' },
      cpu: {
        model: 'Intel(R) Xeon(R) Platinum 8480+',
        cores: CORES,
        utilPct: round1(clamp(perCore * 100, 0, 100)),
        perCoreUtilPct: [],
        load1: Math.round(perCore * CORES * 100) / 100,
        load5: Math.round(perCore * CORES * 90) / 100,
        load15: Math.round(perCore * CORES * 80) / 100,
      },
      memory: {
        totalBytes: MEMORY_BYTES,
        usedBytes: MEMORY_BYTES - availableBytes,
        availableBytes,
        usedPct: round1(100 - availablePct),
        swapTotalBytes: 0,
        swapUsedBytes: 0,
      },
      filesystems: [
        filesystem('/', '/dev/nvme0n1p2', 1.8 * TIB, node.rootBasePct + 0.3 * elapsedDays),
        filesystem('/scratch', '/dev/md0', 28 * TIB, scratchPct),
        filesystem('/boot/efi', '/dev/nvme0n1p1', 0.5 * GIB, 1.2),
      ],
      network: [],
      diskIo: [],
      gpuStatus:
        driver?.type === 'driver-error'
          ? { state: 'driver-not-loaded', message: driver.message, driverVersion: null, cudaVersion: null }
          : { state: 'ok', message: '', driverVersion: DRIVER, cudaVersion: CUDA },
      gpus,
      errors: [],
    };
  }

  private gpu(node: NodeModel, model: GpuModel, index: number, effects: readonly Effect[], atMs: number): Gpu {
    const rng = node.rng;
    const util = node.busy ? Math.round(rng.uniform(85, 99)) : rng.chance(0.9) ? 0 : Math.round(rng.uniform(1, 5));
    let temperatureC = Math.round(model.temperatureC);
    const reasons = new Set<string>(node.busy ? (rng.chance(0.3) ? ['sw_power_cap'] : []) : ['gpu_idle']);
    let uncorrected = 0;
    const retired = { singleBit: 0, doubleBit: 0, pending: 'No' };
    const remapped = { correctable: 0, uncorrectable: 0, pending: 'No', failure: 'No' };
    for (const effect of effects) {
      switch (effect.type) {
        case 'temperature':
          temperatureC = effect.temperatureC;
          break;
        case 'throttle':
          reasons.add(effect.reason);
          if (effect.temperatureC !== null) temperatureC = effect.temperatureC;
          break;
        case 'ecc-uncorrected':
          uncorrected += effect.count;
          break;
        case 'retired-pages-pending':
          retired.singleBit += 1;
          retired.pending = 'Yes';
          break;
        case 'row-remap-pending':
          remapped.correctable += 1;
          remapped.pending = 'Yes';
          break;
        case 'row-remap-failure':
          remapped.uncorrectable += 8;
          remapped.failure = 'Yes';
          break;
        default:
          break;
      }
    }
    const power = Math.round((70 + (560 * util) / 100 + rng.uniform(-8, 8)) * 100) / 100;
    return {
      index,
      minorNumber: index,
      productName: 'NVIDIA H100 80GB HBM3',
      uuid: model.uuid,
      pciBusId: model.pci,
      driverVersion: DRIVER,
      cudaVersion: CUDA,
      fanSpeedPct: null,
      gpuUtilPct: util,
      memoryUtilPct: Math.round(util * 0.6),
      fbMemoryTotalMib: FB_TOTAL_MIB,
      fbMemoryUsedMib: node.busy ? 62_000 + (atMs % 977) : 4,
      temperatureC,
      powerDrawW: power,
      powerDrawAverageW: power,
      powerDrawInstantW: power,
      powerLimitW: POWER_LIMIT_W,
      enforcedPowerLimitW: POWER_LIMIT_W,
      smClockMhz: util > 10 ? 1980 : 345,
      eccModeCurrent: 'Enabled',
      eccErrors: { volatile: { corrected: model.corrected, uncorrected }, aggregate: { corrected: model.corrected + 120, uncorrected } },
      retiredPages: retired,
      remappedRows: remapped,
      migModeCurrent: 'Disabled',
      migDeviceCount: null,
      processCount: node.busy ? 1 : 0,
      clockEventReasonsActive: [...reasons],
    };
  }
}
