import { describe, expect, it } from 'vitest';
import { parseProcStat, type CpuTimes } from '../../../../electron/core/collectors/linux/proc-stat';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const times = (...v: number[]): CpuTimes => {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0, guest = 0, guestNice = 0] = v;
  return { user, nice, system, idle, iowait, irq, softirq, steal, guest, guestNice };
};

/** Values read off each capture by hand; every stat fixture is listed. */
const EXPECTED: Record<
  string,
  { total: CpuTimes; cpus: Array<[number, CpuTimes]>; columns: number; btime: number; ctxt: number; running: number; blocked: number; warnings: RegExp[] }
> = {
  'proc-stat.gopsutil-424.txt': {
    total: times(23644, 6695, 4764, 134931750, 22115, 0, 473, 5892, 0, 0),
    cpus: [
      [0, times(6418, 888, 1230, 33730755, 5043, 0, 4, 1046, 0, 0)],
      [1, times(6858, 4870, 1632, 33716510, 12327, 0, 235, 1765, 0, 0)],
      [2, times(4859, 622, 915, 33742072, 2312, 0, 25, 1546, 0, 0)],
      [3, times(5507, 314, 986, 33742411, 2432, 0, 208, 1534, 0, 0)],
    ],
    columns: 10,
    btime: 1505515383,
    ctxt: 41317767,
    running: 1,
    blocked: 0,
    warnings: [],
  },
  'proc-stat.jc.txt': {
    total: times(6002, 152, 8398, 3444436, 448, 0, 1174, 0, 0, 0),
    cpus: [
      [0, times(2784, 137, 4367, 1732802, 225, 0, 221, 0, 0, 0)],
      [1, times(3218, 15, 4031, 1711634, 223, 0, 953, 0, 0, 0)],
    ],
    columns: 10,
    btime: 1662154781,
    ctxt: 4622716,
    running: 1,
    blocked: 0,
    warnings: [],
  },
  'proc-stat.node-exporter.txt': {
    total: times(301854, 612, 111922, 8979004, 3552, 2, 3944, 0, 44, 36),
    cpus: [
      [0, times(44490, 19, 21045, 1087069, 220, 1, 3410, 0, 2, 1)],
      [1, times(47869, 23, 16474, 1110787, 591, 0, 46, 0, 3, 2)],
      [2, times(46504, 36, 15916, 1112321, 441, 0, 326, 0, 4, 3)],
      [3, times(47054, 102, 15683, 1113230, 533, 0, 60, 0, 5, 4)],
      [4, times(28413, 25, 10776, 1140321, 217, 0, 8, 0, 6, 5)],
      [5, times(29271, 101, 11586, 1136270, 672, 0, 30, 0, 7, 6)],
      [6, times(29152, 36, 10276, 1139721, 319, 0, 29, 0, 8, 7)],
      [7, times(29098, 268, 10164, 1139282, 555, 0, 31, 0, 9, 8)],
    ],
    columns: 10,
    btime: 1418183276,
    ctxt: 38014093,
    running: 2,
    blocked: 0,
    warnings: [],
  },
  // The ~132 KB intr line is skipped without being split.
  'proc-stat.procfs.txt': {
    total: times(301854, 612, 111922, 8979004, 3552, 2, 3944, 0, 0, 0),
    cpus: [
      [0, times(44490, 19, 21045, 1087069, 220, 1, 3410)],
      [1, times(47869, 23, 16474, 1110787, 591, 0, 46)],
      [2, times(46504, 36, 15916, 1112321, 441, 0, 326)],
      [3, times(47054, 102, 15683, 1113230, 533, 0, 60)],
      [4, times(28413, 25, 10776, 1140321, 217, 0, 8)],
      [5, times(29271, 101, 11586, 1136270, 672, 0, 30)],
      [6, times(29152, 36, 10276, 1139721, 319, 0, 29)],
      [7, times(29098, 268, 10164, 1139282, 555, 0, 31)],
    ],
    columns: 10,
    btime: 1418183276,
    ctxt: 38014093,
    running: 2,
    blocked: 1,
    warnings: [],
  },
  // A 2.6 kernel (7 columns, no steal or guest); the capture holds a second /proc/stat after the
  // first, which is not mixed in.
  'proc-stat2.jc.txt': {
    total: times(259246, 7001, 60190, 34250993, 137517, 772, 0),
    cpus: [[0, times(259246, 7001, 60190, 34250993, 137517, 772, 0)]],
    columns: 7,
    btime: 1093631447,
    ctxt: 12547729,
    running: 1,
    blocked: 0,
    warnings: [/line 10: a second "cpu" line/],
  },
};

describe('parseProcStat over every real /proc/stat', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('proc-stat'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to its values`, () => {
      const want = EXPECTED[file]!;
      const got = parseProcStat(readFixture('linux', file));
      expect(got.total).toEqual(want.total);
      expect(got.cpus).toEqual(want.cpus.map(([id, t]) => ({ id, times: t })));
      expect(got.columns).toBe(want.columns);
      expect([got.bootTimeSec, got.contextSwitches, got.processesRunning, got.processesBlocked]).toEqual([want.btime, want.ctxt, want.running, want.blocked]);
      expect(got.warnings).toHaveLength(want.warnings.length);
      want.warnings.forEach((pattern, i) => expect(got.warnings[i]).toMatch(pattern));
    });
  }
});

describe('parseProcStat column counts', () => {
  it('reads 4 (2.4) to 10 columns, missing ones as 0, and ignores columns past the tenth', () => {
    expect(parseProcStat('cpu 1 2 3 4\n').total).toEqual(times(1, 2, 3, 4));
    expect(parseProcStat('cpu 1 2 3 4 5 6 7 8\n').total).toEqual(times(1, 2, 3, 4, 5, 6, 7, 8));
    expect(parseProcStat('cpu 1 2 3 4 5 6 7 8 9\n').columns).toBe(9);
    const future = parseProcStat('cpu 1 2 3 4 5 6 7 8 9 10 11 12\n');
    expect(future.total).toEqual(times(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    expect(future.columns).toBe(10);
    expect(future.warnings).toEqual([]);
  });

  it('skips a cpu line with fewer than 4 columns', () => {
    const got = parseProcStat('cpu 1 2 3 4\ncpu0 1 2 3\ncpu1 1 2 3 4\n');
    expect(got.cpus.map((c) => c.id)).toEqual([1]);
    expect(got.warnings[0]).toMatch(/cpu0 has 3 columns/);
  });

  it('keeps CPU ids as numbered, so an offline CPU leaves a gap rather than shifting the rest', () => {
    expect(parseProcStat('cpu 2 0 0 2\ncpu0 1 0 0 1\ncpu2 1 0 0 1\n').cpus.map((c) => c.id)).toEqual([0, 2]);
  });
});

describe('parseProcStat on hostile input', () => {
  it('never throws, and says what it skipped', () => {
    for (const junk of ['', '\u0000\u0001\u0002', 'cpu', 'cpu x y z w', '\n\n\n', '\uFFFD'.repeat(1000), 'cpu -1 2 3 4']) {
      const got = parseProcStat(junk);
      expect(got.total).toBeNull();
      expect(got.warnings.length).toBeGreaterThan(0);
    }
  });

  it('refuses counters too large to hold exactly', () => {
    const got = parseProcStat('cpu 99999999999999999999 0 0 0\n');
    expect(got.total).toBeNull();
    expect(got.warnings[0]).toMatch(/not a counter/);
  });

  it('does not split a huge line it has no use for, and refuses a huge cpu line', () => {
    const intr = `intr ${'0 '.repeat(2_000_000)}`;
    const started = performance.now();
    const got = parseProcStat(`cpu 1 2 3 4\n${intr}\ncpu0 ${'1 '.repeat(5000)}\n`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(got.total).toEqual(times(1, 2, 3, 4));
    expect(got.cpus).toEqual([]);
    expect(got.warnings[0]).toMatch(/too long/);
  });

  it('refuses input far larger than any /proc/stat', () => {
    const got = parseProcStat(`cpu 1 2 3 4\n${'x'.repeat(9 * 1024 * 1024)}`);
    expect(got.total).toBeNull();
    expect(got.warnings[0]).toMatch(/more than the/);
  });

  it('skips repeated and absurd CPU numbers', () => {
    const got = parseProcStat('cpu 1 1 1 1\ncpu0 1 1 1 1\ncpu0 2 2 2 2\ncpu99999 1 1 1 1\n');
    expect(got.cpus).toEqual([{ id: 0, times: times(1, 1, 1, 1) }]);
    expect(got.warnings).toHaveLength(2);
  });

  it('caps the number of warnings kept', () => {
    const got = parseProcStat(`cpu 1 1 1 1\n${'cpu0 x\n'.repeat(10_000)}`);
    expect(got.warnings.length).toBeLessThanOrEqual(21);
    expect(got.warnings.at(-1)).toMatch(/and \d+ more warnings/);
  });
});
