/**
 * CPU utilisation between two /proc/stat readings of the same boot. Busy is everything but idle
 * and iowait (a CPU waiting on I/O could run other work); guest and guest_nice are left out of
 * the sum because the kernel already counts them in user and nice. Steal - time the hypervisor
 * gave to someone else - counts as busy, as top and htop show it, and is also reported alone.
 * A column that went backwards counts as 0, as top does: idle and iowait of NO_HZ kernels are
 * known to step back a little. Reboots are the caller's to catch (boot id).
 */
import { round2 } from './parse-support';
import type { CpuTimes, ProcStat } from './proc-stat';

export interface CpuShares {
  utilPct: number;
  iowaitPct: number;
  stealPct: number;
}

const SUMMED = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** Shares of the interval between two readings of one CPU (or the aggregate), or null if no time passed. */
export function cpuShares(previous: CpuTimes, current: CpuTimes): CpuShares | null {
  const delta = (key: (typeof SUMMED)[number]) => Math.max(0, current[key] - previous[key]);
  const total = SUMMED.reduce((sum, key) => sum + delta(key), 0);
  if (!(total > 0)) return null;
  const idle = delta('idle') + delta('iowait');
  return {
    utilPct: round2(((total - idle) / total) * 100),
    iowaitPct: round2((delta('iowait') / total) * 100),
    stealPct: round2((delta('steal') / total) * 100),
  };
}

export interface CpuUtilisation {
  total: CpuShares | null;
  /** One entry per CPU of the current reading, in its order; null for a CPU new since the last one. */
  perCpu: Array<{ id: number; utilPct: number | null }>;
}

export function cpuUtilisation(previous: ProcStat | null, current: ProcStat): CpuUtilisation {
  const before = new Map(previous?.cpus.map((c) => [c.id, c.times] as const) ?? []);
  return {
    total: previous?.total && current.total ? cpuShares(previous.total, current.total) : null,
    perCpu: current.cpus.map(({ id, times }) => {
      const prior = before.get(id);
      return { id, utilPct: prior ? (cpuShares(prior, times)?.utilPct ?? null) : null };
    }),
  };
}
