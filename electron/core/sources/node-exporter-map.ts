/**
 * node_exporter series onto the node model, the way the SSH collector reads /proc (see
 * collectors/linux/node-builder.ts): CPU utilisation from counter deltas (busy is all but idle and
 * iowait; steal counts as busy), memory used = total - available, filesystems as df shows them
 * (pseudo filesystems left out), network and disk rates from two readings of the same boot.
 *
 * Two readings: now and the previous one (null on the first: no rates, no CPU utilisation). The
 * interval is the node's own clock (node_time_seconds) where both readings carry it, else the
 * caller's `intervalMs`. A reboot between them (node_boot_time_seconds moved) gives no rates.
 * What the exporter does not provide is null or left out, never 0.
 *
 * CPU comes per core (a scrape: node_cpu_seconds_total{cpu,mode}) or, from a Prometheus source,
 * already summed over the cores by mode (CPU_SECONDS_SUM) with the core count (CPU_COUNT): a
 * 128-core node is 1,024 series a tick otherwise. Summed, there is no per-core utilisation.
 */
import { clip, NODE_LIMITS } from '../../../shared/model/limits';
import type { CollectorError, CpuStats, DiskIoStats, FilesystemStats, MemoryStats, NetworkStats, NodeSnapshot, OsInfo } from '../../../shared/model/node';
import { cpuShares } from '../collectors/linux/cpu-utilisation';
import { isPseudoFilesystem } from '../collectors/linux/df';
import { keepInterface } from '../collectors/linux/node-builder';
import { round2 } from '../collectors/linux/parse-support';
import { NON_DISK_DEVICE } from '../collectors/linux/proc-diskstats';
import type { CpuTimes } from '../collectors/linux/proc-stat';
import { toNodeArch, toNodePlatform } from '../collectors/linux/uname';
import type { PromSample } from './dcgm-map';

export interface NodeExporterContext {
  nodeId: string;
  /** The node's name; node_uname_info's nodename, then nodeId, where not given. */
  hostname?: string | null;
  collectedAt: number;
  /** Time between the two readings, used where the node's clock is not exported. */
  intervalMs: number | null;
}

/** node_cpu_seconds_total summed over the CPUs, by mode: what a source asks Prometheus for. */
export const CPU_SECONDS_SUM = 'node_cpu_seconds_total:sum';
/** The number of CPUs (node_cpu_seconds_total{mode="idle"} series), beside CPU_SECONDS_SUM. */
export const CPU_COUNT = 'node_cpus:count';

/** A boot time that moved more than this between readings is a reboot (NTP steps it a little). */
const BOOT_TIME_SLACK_SEC = 5;
/** Rates above this are implausible and dropped, as CounterRates does (8 Tbit/s). */
const MAX_RATE_PER_SEC = 1e12;

/** Samples indexed by name, then by one label's value. */
class Index {
  private readonly byName = new Map<string, PromSample[]>();

  constructor(samples: readonly PromSample[]) {
    for (const s of samples) {
      if (!s.name.startsWith('node_')) continue;
      const list = this.byName.get(s.name);
      if (list === undefined) this.byName.set(s.name, [s]);
      else list.push(s);
    }
  }

  all(name: string): readonly PromSample[] {
    return this.byName.get(name) ?? [];
  }

  /** The value of a series without labels (or the first), if finite. */
  scalar(name: string): number | null {
    const value = this.all(name)[0]?.value;
    return value === undefined || !Number.isFinite(value) ? null : value;
  }

  /** Values by one label (the first series of each value wins). */
  by(name: string, label: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const s of this.all(name)) {
      const key = s.labels[label];
      if (key !== undefined && !out.has(key) && Number.isFinite(s.value)) out.set(key, s.value);
    }
    return out;
  }
}

interface Interval {
  /** Seconds between the readings; null when they are not comparable. */
  seconds: number | null;
}

function interval(now: Index, previous: Index | null, intervalMs: number | null): Interval {
  if (previous === null) return { seconds: null };
  const bootNow = now.scalar('node_boot_time_seconds');
  const bootBefore = previous.scalar('node_boot_time_seconds');
  if (bootNow !== null && bootBefore !== null && Math.abs(bootNow - bootBefore) > BOOT_TIME_SLACK_SEC) return { seconds: null };
  const timeNow = now.scalar('node_time_seconds');
  const timeBefore = previous.scalar('node_time_seconds');
  const seconds = timeNow !== null && timeBefore !== null ? timeNow - timeBefore : intervalMs === null ? null : intervalMs / 1000;
  return { seconds: seconds !== null && seconds > 0 ? seconds : null };
}

/** Per-second rate of a counter, or null (no previous value, reset, implausible). */
function rate(now: number | undefined, before: number | undefined, seconds: number | null): number | null {
  if (now === undefined || before === undefined || seconds === null || now < before) return null;
  const perSec = (now - before) / seconds;
  return perSec <= MAX_RATE_PER_SEC ? perSec : null;
}

const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** node_cpu_seconds_total as /proc/stat times per CPU (seconds instead of ticks: shares are the same). */
function cpuTimes(index: Index): Map<string, CpuTimes> {
  const out = new Map<string, CpuTimes>();
  for (const s of index.all('node_cpu_seconds_total')) {
    const cpu = s.labels.cpu;
    const mode = s.labels.mode as (typeof CPU_MODES)[number] | undefined;
    if (cpu === undefined || mode === undefined || !CPU_MODES.includes(mode) || !Number.isFinite(s.value)) continue;
    let times = out.get(cpu);
    if (times === undefined) {
      if (out.size >= NODE_LIMITS.cores * 4) continue;
      times = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
      out.set(cpu, times);
    }
    times[mode] = s.value;
  }
  return out;
}

function sumTimes(all: Iterable<CpuTimes>): CpuTimes {
  const total: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
  for (const t of all) for (const mode of CPU_MODES) total[mode] += t[mode];
  return total;
}

const byCpuNumber = (a: string, b: string) => Number(a) - Number(b) || a.localeCompare(b);

/** The per-core reading of a node, or its summed one (a source's), with the core count. */
interface CpuReading {
  /** Per core (empty where summed). */
  perCore: Map<string, CpuTimes>;
  /** All cores together; null where the node exports neither. */
  total: CpuTimes | null;
  cores: number;
}

/** CPU_SECONDS_SUM as one set of times (the first series of each mode wins). */
function summedTimes(index: Index): CpuTimes | null {
  const samples = index.all(CPU_SECONDS_SUM);
  if (samples.length === 0) return null;
  const times: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
  const seen = new Set<string>();
  for (const s of samples) {
    const mode = s.labels.mode as (typeof CPU_MODES)[number] | undefined;
    if (mode === undefined || !CPU_MODES.includes(mode) || seen.has(mode) || !Number.isFinite(s.value)) continue;
    seen.add(mode);
    times[mode] = s.value;
  }
  return seen.size > 0 ? times : null;
}

function cpuReading(index: Index): CpuReading {
  const perCore = cpuTimes(index);
  if (perCore.size > 0) return { perCore, total: sumTimes(perCore.values()), cores: perCore.size };
  const total = summedTimes(index);
  const count = index.scalar(CPU_COUNT);
  return { perCore, total, cores: count !== null && Number.isSafeInteger(count) && count > 0 ? count : 0 };
}

function cpu(now: Index, previous: Index | null, span: Interval): CpuStats | null {
  const reading = cpuReading(now);
  const load1 = now.scalar('node_load1');
  const load5 = now.scalar('node_load5');
  const load15 = now.scalar('node_load15');
  if (reading.total === null && load1 === null && load5 === null && load15 === null) return null;
  const before = previous !== null && span.seconds !== null ? cpuReading(previous) : null;
  const times = reading.perCore;
  const ids = [...times.keys()].sort(byCpuNumber);
  let total: ReturnType<typeof cpuShares> = null;
  if (before !== null && reading.total !== null && before.total !== null) {
    if (times.size > 0) {
      // The total is over the CPUs of both readings, so a CPU going offline does not look like idle time.
      const common = ids.filter((id) => before.perCore.has(id));
      if (common.length > 0 && common.length === ids.length)
        total = cpuShares(sumTimes(common.map((id) => before.perCore.get(id)!)), sumTimes(common.map((id) => times.get(id)!)));
    } else if (before.perCore.size === 0 && reading.cores > 0 && before.cores === reading.cores) {
      // Summed: the same number of cores in both readings, else a core going offline would skew it.
      total = cpuShares(before.total, reading.total);
    }
  }
  const models = now.all('node_cpu_info').map((s) => s.labels.model_name);
  return {
    model: models[0] ? clip(models[0]) : null,
    cores: reading.cores,
    utilPct: total?.utilPct ?? null,
    perCoreUtilPct: ids.slice(0, NODE_LIMITS.cores).map((id) => {
      const prior = before?.perCore.get(id);
      return prior === undefined ? null : (cpuShares(prior, times.get(id)!)?.utilPct ?? null);
    }),
    load1,
    load5,
    load15,
  };
}

function memory(index: Index): MemoryStats | null {
  const total = index.scalar('node_memory_MemTotal_bytes');
  const availableRaw = index.scalar('node_memory_MemAvailable_bytes');
  if (total === null || availableRaw === null || total < 0) return null;
  const available = Math.max(0, Math.min(availableRaw, total));
  const used = total - available;
  const swapTotal = Math.max(0, index.scalar('node_memory_SwapTotal_bytes') ?? 0);
  const swapFree = index.scalar('node_memory_SwapFree_bytes') ?? swapTotal;
  return {
    totalBytes: total,
    usedBytes: used,
    availableBytes: available,
    usedPct: total > 0 ? round2((used / total) * 100) : null,
    swapTotalBytes: swapTotal,
    swapUsedBytes: Math.max(0, swapTotal - swapFree),
  };
}

function filesystems(index: Index): FilesystemStats[] {
  const key = (s: PromSample) => `${s.labels.mountpoint}\u0000${s.labels.device}`;
  const values = (name: string) => new Map(index.all(name).map((s) => [key(s), s.value] as const));
  const avail = values('node_filesystem_avail_bytes');
  const free = values('node_filesystem_free_bytes');
  const files = values('node_filesystem_files');
  const filesFree = values('node_filesystem_files_free');
  const seen = new Set<string>();
  const out: FilesystemStats[] = [];
  for (const s of index.all('node_filesystem_size_bytes')) {
    const { mountpoint: mount, device = '', fstype = null } = s.labels;
    if (mount === undefined || seen.has(mount) || !(s.value > 0) || !Number.isFinite(s.value)) continue;
    if (isPseudoFilesystem({ device, fsType: fstype, mount })) continue;
    const available = avail.get(key(s));
    if (available === undefined || !Number.isFinite(available)) continue;
    seen.add(mount);
    // df's used is size - free; root's reserved blocks (free - avail) are neither used nor available.
    const freeBytes = free.get(key(s));
    const used = freeBytes === undefined || !Number.isFinite(freeBytes) ? Math.max(0, s.value - available) : Math.max(0, s.value - freeBytes);
    const inodes = files.get(key(s));
    const inodesFree = filesFree.get(key(s));
    const hasInodes = inodes !== undefined && inodes > 0 && inodesFree !== undefined;
    out.push({
      mount: clip(mount, NODE_LIMITS.path),
      device: clip(device, NODE_LIMITS.path),
      fsType: fstype === null ? null : clip(fstype),
      sizeBytes: s.value,
      usedBytes: used,
      availableBytes: Math.max(0, available),
      usedPct: used + available > 0 ? round2((used / (used + Math.max(0, available))) * 100) : null,
      inodesTotal: hasInodes ? inodes : null,
      inodesUsed: hasInodes ? Math.max(0, inodes - inodesFree) : null,
    });
    if (out.length > NODE_LIMITS.filesystems) break; // one past the bound, so the cut shows
  }
  return out;
}

function network(now: Index, previous: Index | null, span: Interval): NetworkStats[] {
  const rx = now.by('node_network_receive_bytes_total', 'device');
  const tx = now.by('node_network_transmit_bytes_total', 'device');
  const rxBefore = previous?.by('node_network_receive_bytes_total', 'device');
  const txBefore = previous?.by('node_network_transmit_bytes_total', 'device');
  const out: NetworkStats[] = [];
  for (const [iface, rxBytes] of rx) {
    const txBytes = tx.get(iface);
    if (!keepInterface(iface) || txBytes === undefined || rxBytes < 0 || txBytes < 0) continue;
    const rxRate = rate(rxBytes, rxBefore?.get(iface), span.seconds);
    const txRate = rate(txBytes, txBefore?.get(iface), span.seconds);
    out.push({
      iface: clip(iface),
      rxBytesTotal: rxBytes,
      txBytesTotal: txBytes,
      rxBytesPerSec: rxRate === null ? null : Math.round(rxRate),
      txBytesPerSec: txRate === null ? null : Math.round(txRate),
    });
    if (out.length > NODE_LIMITS.interfaces) break;
  }
  return out;
}

function diskIo(now: Index, previous: Index | null, span: Interval): DiskIoStats[] {
  const read = now.by('node_disk_read_bytes_total', 'device');
  const written = now.by('node_disk_written_bytes_total', 'device');
  const busy = now.by('node_disk_io_time_seconds_total', 'device');
  const readBefore = previous?.by('node_disk_read_bytes_total', 'device');
  const writtenBefore = previous?.by('node_disk_written_bytes_total', 'device');
  const busyBefore = previous?.by('node_disk_io_time_seconds_total', 'device');
  const out: DiskIoStats[] = [];
  for (const [device, readBytes] of read) {
    const writeBytes = written.get(device);
    if (NON_DISK_DEVICE.test(device) || writeBytes === undefined || readBytes < 0 || writeBytes < 0) continue;
    const readRate = rate(readBytes, readBefore?.get(device), span.seconds);
    const writeRate = rate(writeBytes, writtenBefore?.get(device), span.seconds);
    // Seconds busy per second of wall time is the busy share; a sampling edge can pass 100 %.
    const busyShare = rate(busy.get(device), busyBefore?.get(device), span.seconds);
    out.push({
      device: clip(device),
      readBytesTotal: readBytes,
      writeBytesTotal: writeBytes,
      readBytesPerSec: readRate === null ? null : Math.round(readRate),
      writeBytesPerSec: writeRate === null ? null : Math.round(writeRate),
      busyPct: busyShare === null ? null : Math.min(100, round2(busyShare * 100)),
    });
    if (out.length > NODE_LIMITS.disks) break;
  }
  return out;
}

function os(index: Index): OsInfo {
  const uname = index.all('node_uname_info')[0]?.labels ?? {};
  const release = index.all('node_os_info')[0]?.labels ?? {};
  const orNull = (v: string | undefined) => (v === undefined || v === '' ? null : clip(v));
  return {
    platform: uname.sysname ? clip(toNodePlatform(uname.sysname)) : 'linux',
    distro: orNull(release.name ?? release.id),
    release: orNull(release.version_id),
    kernel: orNull(uname.release),
    arch: uname.machine ? clip(toNodeArch(uname.machine)) : null,
  };
}

/**
 * One node's snapshot from its node_exporter samples now and at the previous reading. GPUs are
 * not node_exporter's: the snapshot says no-gpu until a GPU source (dcgm-map) fills them in.
 */
export function nodeExporterSnapshot(now: readonly PromSample[], previous: readonly PromSample[] | null, context: NodeExporterContext): NodeSnapshot {
  const index = new Index(now);
  const before = previous === null ? null : new Index(previous);
  const span = interval(index, before, context.intervalMs);
  const errors: CollectorError[] = [];
  const cpuStats = cpu(index, before, span);
  const memoryStats = memory(index);
  if (cpuStats === null) errors.push({ collector: 'cpu', message: 'node_exporter exports no node_cpu_seconds_total or node_load1 for this node' });
  if (memoryStats === null)
    errors.push({ collector: 'memory', message: 'node_exporter exports no node_memory_MemTotal_bytes and MemAvailable_bytes for this node' });
  const nodename = index.all('node_uname_info')[0]?.labels.nodename;
  return {
    id: context.nodeId,
    hostname: clip(context.hostname ?? (nodename || context.nodeId)),
    collectedAt: context.collectedAt,
    os: os(index),
    cpu: cpuStats,
    memory: memoryStats,
    filesystems: filesystems(index),
    network: network(index, before, span),
    diskIo: diskIo(index, before, span),
    gpuStatus: { state: 'no-gpu', message: '', driverVersion: null, cudaVersion: null },
    gpus: [],
    errors,
  };
}
