import { describe, expect, it } from 'vitest';
import { cpuShares, cpuUtilisation } from '../../../../electron/core/collectors/linux/cpu-utilisation';
import { parseProcStat, type CpuTimes } from '../../../../electron/core/collectors/linux/proc-stat';
import { readFixture } from '../../../helpers/fixtures';

const t = (p: Partial<CpuTimes>): CpuTimes => ({ user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0, ...p });

describe('cpuShares', () => {
  it('is busy time over all time of the interval', () => {
    expect(cpuShares(t({}), t({ user: 30, system: 10, idle: 60 }))).toEqual({ utilPct: 40, iowaitPct: 0, stealPct: 0 });
  });

  it('counts iowait as idle, and reports it alone', () => {
    expect(cpuShares(t({}), t({ user: 25, idle: 50, iowait: 25 }))).toEqual({ utilPct: 25, iowaitPct: 25, stealPct: 0 });
  });

  it('does not count guest time twice (the kernel already has it in user and nice)', () => {
    expect(cpuShares(t({}), t({ user: 50, nice: 10, guest: 40, guestNice: 10, idle: 40 }))).toEqual({ utilPct: 60, iowaitPct: 0, stealPct: 0 });
  });

  it('counts steal, irq and softirq as busy, and steal alone too', () => {
    expect(cpuShares(t({}), t({ user: 10, irq: 5, softirq: 5, steal: 20, idle: 60 }))).toEqual({ utilPct: 40, iowaitPct: 0, stealPct: 20 });
  });

  it('treats a column that stepped back as 0, as top does (NO_HZ idle and iowait)', () => {
    expect(cpuShares(t({ user: 100, iowait: 50, idle: 100 }), t({ user: 150, iowait: 45, idle: 150 }))).toEqual({ utilPct: 50, iowaitPct: 0, stealPct: 0 });
  });

  it('has nothing to say about an interval without ticks', () => {
    expect(cpuShares(t({ user: 5 }), t({ user: 5 }))).toBeNull();
  });
});

describe('cpuUtilisation between two real readings', () => {
  // The node_exporter capture, and the same machine 10 s later (1000 ticks per CPU at USER_HZ
  // 100): CPU0 fully busy in user, CPU1 fully idle, the other six half and half.
  const before = parseProcStat(readFixture('linux', 'proc-stat.node-exporter.txt'));
  const after = structuredClone(before);
  after.cpus.forEach((c, i) => {
    const busy = i === 0 ? 1000 : i === 1 ? 0 : 500;
    c.times.user += busy;
    c.times.idle += 1000 - busy;
  });
  after.total!.user += 1000 + 6 * 500;
  after.total!.idle += 1000 + 6 * 500;

  it('gives the total and each core', () => {
    const got = cpuUtilisation(before, after);
    expect(got.total).toEqual({ utilPct: 50, iowaitPct: 0, stealPct: 0 });
    expect(got.perCpu.map((c) => c.utilPct)).toEqual([100, 0, 50, 50, 50, 50, 50, 50]);
  });

  it('gives nothing without a previous reading, and null for a CPU that just came online', () => {
    expect(cpuUtilisation(null, after)).toEqual({ total: null, perCpu: after.cpus.map((c) => ({ id: c.id, utilPct: null })) });
    const fewer = structuredClone(before);
    fewer.cpus = fewer.cpus.filter((c) => c.id !== 3);
    expect(cpuUtilisation(fewer, after).perCpu[3]).toEqual({ id: 3, utilPct: null });
  });
});
