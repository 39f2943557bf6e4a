/**
 * One remote Linux node's snapshot per tick, from the per-tick script's output (SAMPLE_SCRIPT)
 * and the connect-time facts. The builder is the per-node state that rates need: the previous
 * /proc/stat reading and the byte counters, all tied to the node's boot id and uptime so a
 * reboot or a clock that did not move yields no rate instead of a wrong one.
 *
 * The result is the same normalized model as the local collectors (memory used = total -
 * available, loopback left out, usedPct of filesystems as df computes it, arch as process.arch),
 * plus extras the model has no place for yet (disk I/O, CPU steal/iowait).
 */
import type { CollectorError, CpuStats, DiskIoStats, MemoryStats, NetworkStats, NodeSnapshot } from '../../../../shared/model/node';
import { NODE_LIMITS } from '../../../../shared/model/limits';
import { parseBootId } from './boot-id';
import { type Capabilities } from './capabilities';
import { CounterRates } from './counter-rates';
import { cpuUtilisation } from './cpu-utilisation';
import { parseDf, toFilesystemStats } from './df';
import { processesFromSections } from './gpu-processes';
import { interpretGpuSection } from './gpu-sample';
import { round2 } from './parse-support';
import { diskIoStats, parseProcDiskstats, type ProcDiskstats } from './proc-diskstats';
import { parseProcLoadavg } from './proc-loadavg';
import { parseProcMeminfo } from './proc-meminfo';
import { parseProcNetDev, type ProcNetDev } from './proc-net-dev';
import { parseProcStat, type ProcStat } from './proc-stat';
import { parseProcUptime } from './proc-uptime';
import { fallbackProfile, SAMPLE_SECTIONS, sampleArgv, type GpuQueryProfile, type SampleSection } from './scripts';
import { sectionText, splitSections, type Section } from '../../hosts/sections';
import type { StaticFacts } from './static-facts';

/** What the model has no field for yet; see the proposed shared/model additions. */
export interface LinuxNodeExtras {
  diskIo: DiskIoStats[];
  cpuIowaitPct: number | null;
  cpuStealPct: number | null;
  uptimeSec: number | null;
  bootId: string | null;
}

export interface LinuxTick {
  snapshot: NodeSnapshot;
  extras: LinuxNodeExtras;
  /** Skipped lines and other oddities worth a debug log, never shown as errors. */
  warnings: string[];
}

/** What one run of the per-tick script returned (a Host ExecResult has all of it). */
export interface SampleRun {
  stdout: string;
  exitCode: number | null;
  timedOut: boolean;
  truncated: boolean;
}

/**
 * Container-side ends of veth pairs and CNI interfaces: one per pod or container, created and
 * destroyed all day, and their traffic is already counted on the bridge or the physical NIC.
 */
const CONTAINER_INTERFACE = /^(veth|cali|lxc|flannel\.|cni|tunl|vxlan\.calico)/;

/** Whether a node's interface counts (the SSH collector and the Prometheus mapping alike). */
export function keepInterface(iface: string): boolean {
  return iface !== 'lo' && !CONTAINER_INTERFACE.test(iface);
}

interface Clock {
  atMs: number;
  epoch: string;
}

/** The parse result with at most `max` entries in its map `key`. */
function bounded<K extends string, T extends Record<K, Map<string, unknown>>>(result: T | null, key: K, max: number): T | null {
  if (result === null || result[key].size <= max) return result;
  return { ...result, [key]: new Map([...result[key]].slice(0, max)) };
}

export class LinuxNodeBuilder {
  private readonly rates = new CounterRates();
  private previousStat: { stat: ProcStat; clock: Clock } | null = null;
  private profile: GpuQueryProfile;
  private reportedNotLinux = false;
  private readonly capabilities: Capabilities;

  constructor(
    readonly nodeId: string,
    private facts: StaticFacts,
  ) {
    this.profile = facts.gpuProfile;
    this.capabilities = structuredClone(facts.capabilities);
  }

  /**
   * Newly read facts (the hourly refresh): hostname, OS and the GPU field list are taken anew,
   * while the counter history, the previous /proc/stat reading and what the ticks learned about
   * the node's sources are kept, so the next tick still has rates. A reboot needs nothing here:
   * its new boot id already keeps readings of the two boots apart.
   */
  setFacts(facts: StaticFacts): void {
    this.facts = facts;
    this.profile = facts.gpuProfile;
    this.capabilities.linux = facts.capabilities.linux;
    this.capabilities.timeout = facts.capabilities.timeout;
  }

  /** The argv to run for the next tick (its GPU field list follows what the driver accepted). */
  nextArgv(): readonly string[] {
    return sampleArgv(this.profile);
  }

  get gpuProfile(): GpuQueryProfile {
    return this.profile;
  }

  /** Sources the node has, as learned so far. */
  currentCapabilities(): Capabilities {
    return structuredClone(this.capabilities);
  }

  /** Builds the snapshot of one tick. Never throws; what failed is in snapshot.errors. */
  build(run: SampleRun, collectedAt: number, profileUsed: GpuQueryProfile = this.profile): LinuxTick {
    const split = splitSections(run.stdout, SAMPLE_SECTIONS);
    const errors: CollectorError[] = [];
    const warnings = split.warnings.map((w) => `sample: ${w}`);
    const error = (collector: string, message: string) => errors.push({ collector, message });
    if (!split.done) {
      const why = run.timedOut ? 'timed out' : run.truncated ? 'was cut at the output cap' : `ended early (exit ${run.exitCode ?? 'killed'})`;
      error('sample', `the collection script ${why}; the sources after the last complete one are missing`);
    }
    if (!this.capabilities.linux && !this.reportedNotLinux) {
      error('sample', `not a Linux node (${this.facts.os.platform}): only what it answers of the Linux sources is collected`);
      this.reportedNotLinux = true;
    }

    /** A source's text, or null; reports a missing source once, then only when it comes back. */
    const take = (name: SampleSection, collector: string): string | null => {
      const section: Section | undefined = split.sections.get(name);
      const expected = this.capabilities.sources[name];
      if (section === undefined) {
        if (split.done && expected) error(collector, `${name}: not in the script's output`);
        return null;
      }
      switch (section.status.kind) {
        case 'ok':
          if (!expected) this.capabilities.sources[name] = true;
          return sectionText(section);
        case 'missing':
          if (expected) error(collector, `${name}: not available on this node; not reported again until it appears`);
          this.capabilities.sources[name] = false;
          return null;
        case 'read-error':
          error(collector, `${name}: read failed part-way`);
          return null;
        case 'incomplete':
          error(collector, `${name}: output ended inside this source`);
          return null;
        case 'failed': {
          const code = section.status.exitCode;
          // df exits 1 when one mount cannot be read and still lists the others.
          if (name.startsWith('df-') && code === 1 && section.lines.length > 1) {
            warnings.push(`${name}: df exited 1 (a mount it could not read); the rest is used`);
            return sectionText(section);
          }
          error(collector, code === 124 ? `${name}: did not finish within the node-side timeout` : `${name}: exited with status ${code}`);
          return null;
        }
      }
    };
    const parsed = <T extends { warnings: string[] }>(name: SampleSection, collector: string, parse: (text: string) => T): T | null => {
      const text = take(name, collector);
      if (text === null) return null;
      const result = parse(text);
      warnings.push(...result.warnings.map((w) => `${name}: ${w}`));
      return result;
    };

    const bootId = parsed('boot-id', 'clock', parseBootId)?.bootId ?? null;
    const uptime = parsed('proc-uptime', 'clock', parseProcUptime)?.uptimeSec ?? null;
    // The node's own uptime times the counters; our wall clock (collectedAt) is the fallback.
    const clock: Clock =
      uptime !== null ? { atMs: uptime * 1000, epoch: `${bootId ?? 'boot'}/uptime` } : { atMs: collectedAt, epoch: `${bootId ?? 'boot'}/wall` };

    const cpu = this.cpu(parsed('proc-stat', 'cpu', parseProcStat), parsed('proc-loadavg', 'cpu', parseProcLoadavg), clock, error);
    const memory = this.memory(parsed('proc-meminfo', 'memory', parseProcMeminfo), error);
    // Devices past the node bounds cost rates and series every tick: one more than the bound is
    // kept, so that the fleet sees and reports the cut (shared/model/limits.ts).
    const netDev = bounded(parsed('proc-net-dev', 'network', parseProcNetDev), 'interfaces', NODE_LIMITS.interfaces + 1);
    const diskstats = bounded(parsed('proc-diskstats', 'disk-io', parseProcDiskstats), 'devices', NODE_LIMITS.disks + 1);
    // Nothing read but something skipped: the source did not parse.
    if (netDev !== null && netDev.interfaces.size === 0 && netDev.warnings.length > 0) error('network', `proc-net-dev: ${netDev.warnings[0]}`);
    if (diskstats !== null && diskstats.devices.size === 0 && diskstats.warnings.length > 0) error('disk-io', `proc-diskstats: ${diskstats.warnings[0]}`);
    const network = this.network(netDev, clock);
    const diskIo = this.diskIo(diskstats, clock);
    // Forget interfaces and disks that went away, but only from a tick that read both lists.
    if (netDev !== null && diskstats !== null) this.rates.retain(new Set([...network.series, ...diskIo.series]));

    const sizes = parsed('df-size', 'filesystems', parseDf);
    const inodes = parsed('df-inodes', 'filesystems', parseDf);
    if (sizes !== null && sizes.kind !== 'size') error('filesystems', `df: ${sizes.warnings[0] ?? 'no size listing'}`);
    const filesystems = sizes === null ? [] : toFilesystemStats(sizes, inodes).slice(0, NODE_LIMITS.filesystems + 1);

    const gpu = interpretGpuSection(split.sections.get('nvidia-smi'), profileUsed, split.done);
    warnings.push(...gpu.warnings.map((w) => `nvidia-smi: ${w}`));
    if (gpu.refusedField && profileUsed === this.profile) {
      const next = fallbackProfile(this.profile);
      if (next !== null) {
        warnings.push(`nvidia-smi: ${this.profile} field list refused; trying ${next} from the next tick`);
        this.profile = next;
      }
    }
    // Who is on each GPU: the compute apps and their /proc facts (gpu-processes.ts).
    const processes = processesFromSections(gpu.gpus, split.sections.get('compute-apps'), split.sections.get('gpu-procs'), collectedAt);
    warnings.push(...processes.warnings);

    return {
      snapshot: {
        id: this.nodeId,
        hostname: this.facts.hostname ?? this.nodeId,
        collectedAt,
        os: this.facts.os,
        cpu: cpu.stats,
        memory,
        filesystems,
        network: network.stats,
        diskIo: diskIo.stats,
        gpuStatus: gpu.status,
        gpus: processes.gpus,
        errors: errors.sort((a, b) => a.collector.localeCompare(b.collector)),
      },
      extras: { diskIo: diskIo.stats, cpuIowaitPct: cpu.iowaitPct, cpuStealPct: cpu.stealPct, uptimeSec: uptime, bootId },
      warnings,
    };
  }

  private cpu(
    stat: ProcStat | null,
    load: ReturnType<typeof parseProcLoadavg> | null,
    clock: Clock,
    error: (collector: string, message: string) => void,
  ): { stats: CpuStats | null; iowaitPct: number | null; stealPct: number | null } {
    if (stat !== null && stat.total === null) error('cpu', `proc-stat: ${stat.warnings[0] ?? 'no cpu line'}`);
    const usable = stat !== null && stat.total !== null ? stat : null;
    const previous = this.previousStat;
    // Only a reading of the same boot, taken earlier on the same clock, is comparable.
    const comparable = previous !== null && previous.clock.epoch === clock.epoch && previous.clock.atMs < clock.atMs ? previous.stat : null;
    if (usable !== null) this.previousStat = { stat: usable, clock };
    if (usable === null && load === null) return { stats: null, iowaitPct: null, stealPct: null };
    const util = usable === null ? null : cpuUtilisation(comparable, usable);
    return {
      stats: {
        model: this.facts.cpuModel,
        cores: usable !== null && usable.cpus.length > 0 ? usable.cpus.length : (this.facts.processors ?? 0),
        utilPct: util?.total?.utilPct ?? null,
        perCoreUtilPct: util?.perCpu.map((c) => c.utilPct) ?? [],
        load1: load?.load1 ?? null,
        load5: load?.load5 ?? null,
        load15: load?.load15 ?? null,
      },
      iowaitPct: util?.total?.iowaitPct ?? null,
      stealPct: util?.total?.stealPct ?? null,
    };
  }

  private memory(info: ReturnType<typeof parseProcMeminfo> | null, error: (collector: string, message: string) => void): MemoryStats | null {
    if (info === null) return null;
    if (info.totalBytes === null || info.availableBytes === null) {
      error('memory', `proc-meminfo: ${info.warnings[0] ?? 'no MemTotal or MemFree'}`);
      return null;
    }
    const total = info.totalBytes;
    const available = Math.min(info.availableBytes, total);
    const used = total - available;
    const swapTotal = info.swapTotalBytes ?? 0;
    return {
      totalBytes: total,
      usedBytes: used,
      availableBytes: available,
      usedPct: total > 0 ? round2((used / total) * 100) : null,
      swapTotalBytes: swapTotal,
      swapUsedBytes: Math.max(0, swapTotal - (info.swapFreeBytes ?? swapTotal)),
    };
  }

  private rate(series: string, value: number, clock: Clock): number | null {
    const perSec = this.rates.update(series, value, clock.atMs, clock.epoch, this.facts.counterBits);
    return perSec === null ? null : Math.round(perSec);
  }

  private network(dev: ProcNetDev | null, clock: Clock): { stats: NetworkStats[]; series: string[] } {
    const stats: NetworkStats[] = [];
    const series: string[] = [];
    for (const counters of dev?.interfaces.values() ?? []) {
      if (!keepInterface(counters.iface)) continue;
      const rx = `net\u0000${counters.iface}\u0000rx`;
      const tx = `net\u0000${counters.iface}\u0000tx`;
      series.push(rx, tx);
      stats.push({
        iface: counters.iface,
        rxBytesTotal: counters.rxBytes,
        txBytesTotal: counters.txBytes,
        rxBytesPerSec: this.rate(rx, counters.rxBytes, clock),
        txBytesPerSec: this.rate(tx, counters.txBytes, clock),
      });
    }
    return { stats, series };
  }

  private diskIo(disks: ProcDiskstats | null, clock: Clock): { stats: DiskIoStats[]; series: string[] } {
    return diskIoStats(disks, (series, value) => this.rates.update(series, value, clock.atMs, clock.epoch, this.facts.counterBits));
  }
}
