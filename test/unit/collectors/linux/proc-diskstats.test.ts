import { describe, expect, it } from 'vitest';
import { NON_DISK_DEVICE, parseProcDiskstats } from '../../../../electron/core/collectors/linux/proc-diskstats';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const EXPECTED: Record<string, { count: number; devices: Record<string, [number, number, number, number, number | null]> }> = {
  // 17 counters per line (5.5+: discards and flushes).
  'proc-diskstats.jc.txt': {
    count: 15,
    devices: {
      sda: [14200, 892828, 18736, 715384, 24940],
      'dm-0': [10298, 873914, 31994, 715168, 18220],
      loop8: [250, 4496, 0, 0, 180],
    },
  },
  // 11, 15 and 17 counters mixed.
  'proc-diskstats.node-exporter.txt': {
    count: 51,
    devices: {
      sda: [25354637, 1003346126, 28444756, 505697032, 9653880],
      nvme0n1: [47114, 4643973, 1078320, 39451633, 222766],
      sdb: [326552, 9657779, 41822, 1972905, 60730],
      sdc: [126552, 1657779, 11822, 172905, 10730],
      mmcblk0p2: [95, 760, 0, 0, 68],
    },
  },
  // As above, but sdb and sdc both claim 8:0 and 8:1; names are the key.
  'proc-diskstats.procfs.txt': {
    count: 52,
    devices: {
      vda: [1775784, 32670882, 6038856, 213637440, 41614592],
      sdc: [14202, 579164, 2995, 180500, 11628],
      sdc2: [13126, 561749, 2830, 176404, 10931],
    },
  },
};

describe('parseProcDiskstats over every real /proc/diskstats', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('proc-diskstats'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads every device`, () => {
      const want = EXPECTED[file]!;
      const got = parseProcDiskstats(readFixture('linux', file));
      expect(got.devices.size).toBe(want.count);
      for (const [name, [reads, sectorsRead, writes, sectorsWritten, ioTimeMs]] of Object.entries(want.devices)) {
        expect(got.devices.get(name)).toMatchObject({ device: name, readsCompleted: reads, sectorsRead, writesCompleted: writes, sectorsWritten, ioTimeMs });
      }
      expect(got.warnings).toEqual([]);
    });
  }
});

describe('parseProcDiskstats formats and hostile input', () => {
  it('reads the 2.6 partition format of four counters', () => {
    const got = parseProcDiskstats('   3    1 hda1 35486 38030 38030 4\n');
    expect(got.devices.get('hda1')).toEqual({
      major: 3,
      minor: 1,
      device: 'hda1',
      readsCompleted: 35486,
      sectorsRead: 38030,
      writesCompleted: 38030,
      sectorsWritten: 4,
      ioTimeMs: null,
    });
  });

  it('skips lines with a wrong column count, words or negatives', () => {
    const got = parseProcDiskstats(['8 0 sda 1 2 3', '8 0 sdb 1 2 3 4 5 6 7 8 9 x 11', 'a b sdc 1 2 3 4', '8 0 sdd -1 2 3 4', '\u0000'].join('\n'));
    expect(got.devices.size).toBe(0);
    expect(got.warnings).toHaveLength(5);
  });

  it('keeps __proto__ as a plain device name', () => {
    const got = parseProcDiskstats('8 0 __proto__ 1 2 3 4 5 6 7 8 9 10 11\n');
    expect(got.devices.get('__proto__')!.sectorsRead).toBe(3);
  });

  it('tells whole disks from partitions, loop and RAM devices as node_exporter does', () => {
    const partsOrPseudo = ['sda1', 'vda2', 'xvda1', 'nvme0n1p2', 'mmcblk0p1', 'loop0', 'ram15', 'zram0', 'fd0'];
    const disks = ['sda', 'vda', 'xvdb', 'nvme0n1', 'mmcblk0', 'dm-0', 'md127', 'sr0'];
    expect(partsOrPseudo.filter((d) => !NON_DISK_DEVICE.test(d))).toEqual([]);
    expect(disks.filter((d) => NON_DISK_DEVICE.test(d))).toEqual([]);
  });
});
