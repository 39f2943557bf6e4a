/**
 * Every snapshot a collector hands the engine, cut to NODE_LIMITS (shared/model/limits.ts):
 * devices beyond the bound are dropped, strings clipped. Pure; says what it cut so the engine can
 * report it as a node note once, never silently.
 */
import { clip, NODE_LIMITS } from '../../../shared/model/limits';
import type { NodeSnapshot } from '../../../shared/model/node';

export interface BoundedSnapshot {
  snapshot: NodeSnapshot;
  /** One line per kind of cut, stable across ticks ("filesystems: more than 512 listed; ..."). */
  cuts: string[];
}

function take<T>(items: T[], max: number, what: string, cuts: string[]): T[] {
  if (items.length <= max) return items;
  cuts.push(`${what}: more than ${max} listed; only the first ${max} are kept`);
  return items.slice(0, max);
}

export function boundSnapshot(input: NodeSnapshot): BoundedSnapshot {
  const cuts: string[] = [];
  const text = (value: string) => clip(value, NODE_LIMITS.text);
  const orNull = (value: string | null) => (value === null ? null : text(value));
  const path = (value: string) => clip(value, NODE_LIMITS.path);
  const snapshot: NodeSnapshot = {
    ...input,
    hostname: text(input.hostname),
    os: {
      platform: text(input.os.platform),
      distro: orNull(input.os.distro),
      release: orNull(input.os.release),
      kernel: orNull(input.os.kernel),
      arch: orNull(input.os.arch),
    },
    cpu: input.cpu && {
      ...input.cpu,
      model: orNull(input.cpu.model),
      perCoreUtilPct: input.cpu.perCoreUtilPct.length > NODE_LIMITS.cores ? input.cpu.perCoreUtilPct.slice(0, NODE_LIMITS.cores) : input.cpu.perCoreUtilPct,
    },
    filesystems: take(input.filesystems, NODE_LIMITS.filesystems, 'filesystems', cuts).map((fs) => ({
      ...fs,
      mount: path(fs.mount),
      device: path(fs.device),
      fsType: orNull(fs.fsType),
    })),
    network: take(input.network, NODE_LIMITS.interfaces, 'network interfaces', cuts).map((net) => ({ ...net, iface: text(net.iface) })),
    diskIo: take(input.diskIo, NODE_LIMITS.disks, 'disks', cuts).map((disk) => ({ ...disk, device: text(disk.device) })),
    gpuStatus: {
      ...input.gpuStatus,
      message: clip(input.gpuStatus.message, 4096),
      driverVersion: orNull(input.gpuStatus.driverVersion),
      cudaVersion: orNull(input.gpuStatus.cudaVersion),
    },
    gpus: take(input.gpus, NODE_LIMITS.gpus, 'GPUs', cuts).map(boundGpuText),
    errors: take(input.errors, NODE_LIMITS.errors, 'collector errors', cuts).map((e) => ({ collector: text(e.collector), message: clip(e.message, 4096) })),
  };
  if (input.cpu && input.cpu.perCoreUtilPct.length > NODE_LIMITS.cores)
    cuts.push(`cores: ${input.cpu.perCoreUtilPct.length} listed, the first ${NODE_LIMITS.cores} are shown one by one`);
  return { snapshot, cuts };
}

/**
 * Every string of a GPU record clipped (names, UUIDs, modes, throttle reasons), every list cut to
 * 64. A record with nothing over its bounds is returned as it is: no copy of every GPU every tick.
 */
function boundGpuText(gpu: NodeSnapshot['gpus'][number]): NodeSnapshot['gpus'][number] {
  return clipDeep(gpu) as NodeSnapshot['gpus'][number];
}

/** `value` bounded; the same value (not a copy) when nothing in it is over. */
function clipDeep(value: unknown): unknown {
  if (typeof value === 'string') return clip(value, NODE_LIMITS.text);
  if (Array.isArray(value)) {
    let out: unknown[] | null = value.length > 64 ? value.slice(0, 64) : null;
    const length = Math.min(value.length, 64);
    for (let i = 0; i < length; i += 1) {
      const inner: unknown = value[i];
      const bounded = clipDeep(inner);
      if (bounded === inner) continue;
      out ??= value.slice(0, 64);
      out[i] = bounded;
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | null = null;
    for (const key of Object.keys(record)) {
      const inner = record[key];
      const bounded = clipDeep(inner);
      if (bounded === inner) continue;
      out ??= { ...record };
      out[key] = bounded;
    }
    return out ?? value;
  }
  return value;
}
