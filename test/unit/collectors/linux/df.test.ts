import { describe, expect, it } from 'vitest';
import { isPseudoFilesystem, parseDf, toFilesystemStats, type DfRow } from '../../../../electron/core/collectors/linux/df';
import { FilesystemStatsSchema, type FilesystemStats } from '../../../../shared/model/node';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const KiB = 1024;
const fs = (mount: string, device: string, fsType: string | null, kib: [number, number, number], usedPct: number): FilesystemStats => ({
  mount,
  device,
  fsType,
  sizeBytes: kib[0] * KiB,
  usedBytes: kib[1] * KiB,
  availableBytes: kib[2] * KiB,
  usedPct,
  inodesTotal: null,
  inodesUsed: null,
});

/**
 * Per capture: the header kind, how many rows it has, and the filesystems a monitor should show
 * (used% = used / (used + available), as df's Capacity before its rounding up).
 */
const EXPECTED: Record<string, { hasType: boolean; rows: number; filesystems: FilesystemStats[] }> = {
  // df -PT: proc and sysfs with '-' capacity are pseudo filesystems.
  'df-PT.long-filesystem.jc.txt': {
    hasType: true,
    rows: 3,
    filesystems: [fs('/', '/dev/mapper/VolGroup00-LogVol00', 'ext3', [6030784, 1147932, 4571556], 20.07)],
  },
  // df -alP: systemd-1 is '-' in every column; a mount point with spaces.
  'df-alP.rhel.insights-core.txt': {
    hasType: false,
    rows: 20,
    filesystems: [
      fs('/', '/dev/sda2', null, [17813504, 2127172, 15686332], 11.94),
      fs('/V M T o o l s', '/dev/sdb1', null, [52402180, 1088148, 51314032], 2.08),
      fs('/boot', '/dev/sda1', null, [1038336, 185676, 852660], 17.88),
    ],
  },
  // Plain df: "1K-blocks ... Use%".
  'df.centos-7.7.jc.txt': {
    hasType: false,
    rows: 7,
    filesystems: [
      fs('/', '/dev/mapper/centos-root', null, [17811456, 1805580, 16005876], 10.14),
      fs('/boot', '/dev/sda1', null, [1038336, 237600, 800736], 22.88),
    ],
  },
  // Plain df with a dozen snap squashfs loops mounted under /snap.
  'df.ubuntu-18.04.jc.txt': {
    hasType: false,
    rows: 18,
    filesystems: [fs('/', '/dev/sda2', null, [20508240, 5748028, 13695408], 29.56)],
  },
};

describe('parseDf and toFilesystemStats over every real df listing', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('df'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to its filesystems`, () => {
      const want = EXPECTED[file]!;
      const listing = parseDf(readFixture('linux', file));
      expect(listing.kind).toBe('size');
      expect(listing.hasType).toBe(want.hasType);
      expect(listing.rows).toHaveLength(want.rows);
      expect(listing.warnings).toEqual([]);
      const filesystems = toFilesystemStats(listing, null);
      expect(filesystems).toEqual(want.filesystems);
      for (const f of filesystems) expect(FilesystemStatsSchema.parse(f)).toEqual(f);
    });
  }

  it('reads the systemd-1 autofs row as all-unknown rather than skipping it', () => {
    const rows = parseDf(readFixture('linux', 'df-alP.rhel.insights-core.txt')).rows;
    expect(rows.find((r) => r.device === 'systemd-1')).toEqual({
      device: 'systemd-1',
      fsType: null,
      mount: '/proc/sys/fs/binfmt_misc',
      total: null,
      used: null,
      available: null,
    });
  });
});

// `df -P -k -l -T` and `df -P -i -l -T` as GNU coreutils 9.1 prints them (the collector's own
// commands), with a btrfs volume (no inode counts) and a mount point with spaces added.
const SIZES = `Filesystem     Type     1024-blocks     Used Available Capacity Mounted on
/dev/vda       ext4       264212084 28645300  77745612      27% /
tmpfs          tmpfs       24683620        0  24683620       0% /dev/shm
/dev/nvme0n1p1 xfs       3750000000 1000000000 2750000000   27% /scratch
/dev/sdb1      btrfs        1048576   524288    524288      50% /data/my disk 2
`;
const INODES = `Filesystem     Type       Inodes  IUsed    IFree IUse% Mounted on
/dev/vda       ext4     16777216 448409 16328807    3% /
tmpfs          tmpfs     3085452      1  3085451    1% /dev/shm
/dev/nvme0n1p1 xfs     375000000   1000 374999000    1% /scratch
/dev/sdb1      btrfs           0      0        0     - /data/my disk 2
`;

describe('toFilesystemStats with inode counts', () => {
  it('joins sizes and inodes by mount point; null inodes where the filesystem has none', () => {
    const got = toFilesystemStats(parseDf(SIZES), parseDf(INODES));
    expect(got.map((f) => [f.mount, f.fsType, f.inodesTotal, f.inodesUsed])).toEqual([
      ['/', 'ext4', 16777216, 448409],
      ['/scratch', 'xfs', 375000000, 1000],
      ['/data/my disk 2', 'btrfs', null, null],
    ]);
    expect(got[1]!.sizeBytes).toBe(3750000000 * KiB);
  });

  it('ignores an inode row of another device at the same mount (an over-mount between the two runs)', () => {
    const moved = INODES.replace('/dev/vda       ext4', '/dev/vdb       ext4');
    expect(toFilesystemStats(parseDf(SIZES), parseDf(moved))[0]!.inodesTotal).toBeNull();
  });

  it('does not take an inode listing for sizes', () => {
    expect(toFilesystemStats(parseDf(INODES), null)).toEqual([]);
  });
});

describe('parseDf on odd and hostile input', () => {
  it('joins a device name wrapped onto its own line by non-POSIX df', () => {
    const got = parseDf(
      'Filesystem           1K-blocks      Used Available Use% Mounted on\n/dev/mapper/VolGroup00-LogVol00\n                       6030784   1147932   4571556  21% /\n',
    );
    expect(got.rows).toEqual([
      { device: '/dev/mapper/VolGroup00-LogVol00', fsType: null, mount: '/', total: 6030784 * KiB, used: 1147932 * KiB, available: 4571556 * KiB },
    ]);
    expect(got.warnings).toEqual([]);
  });

  it('reads a device with spaces and a mount point that looks like columns', () => {
    const got = parseDf('Filesystem Type 1024-blocks Used Available Capacity Mounted on\nmy server:/x y fuse.sshfs 100 50 50 50% /mnt/a 1 2 3 4% /b\n');
    expect(got.rows[0]).toMatchObject({ device: 'my server:/x y', fsType: 'fuse.sshfs', mount: '/mnt/a 1 2 3 4% /b', total: 100 * KiB });
  });

  it('reads 512-byte blocks (df -P without -k)', () => {
    const got = parseDf('Filesystem 512-blocks Used Available Capacity Mounted on\n/dev/sda1 2000 1000 1000 50% /\n');
    expect(got.rows[0]!.total).toBe(2000 * 512);
  });

  it('refuses human-readable sizes and unknown headers rather than guessing', () => {
    expect(parseDf('Filesystem Size Used Avail Use% Mounted on\n/dev/sda1 20G 5G 15G 25% /\n')).toMatchObject({ kind: null, rows: [] });
    expect(parseDf('no header at all\n').warnings[0]).toMatch(/no "Filesystem/);
  });

  it('skips rows that are not rows: missing columns, negatives, junk, absurd sizes', () => {
    const got = parseDf(
      [
        'Filesystem 1024-blocks Used Available Capacity Mounted on',
        '/dev/sda1 100 50 50 50% /ok',
        '/dev/sda2 100 50 /missing',
        '/dev/sda3 -100 50 50 50% /negative',
        '/dev/sda4 100 50 50 50% relative/mount',
        '\u0000\u0001\u0002',
        '/dev/sda5 99999999999999999 1 1 1% /absurd',
      ].join('\n'),
    );
    expect(got.rows.map((r) => r.mount)).toEqual(['/ok']);
    expect(got.warnings).toHaveLength(5);
  });

  it('keeps mount points named like prototype keys as plain strings', () => {
    const got = toFilesystemStats(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 50 50 50% /__proto__\n'), null);
    expect(got[0]!.mount).toBe('/__proto__');
  });

  it('keeps the first of a repeated mount point (stacked mounts)', () => {
    const got = toFilesystemStats(
      parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/a 100 50 50 50% /x\n/dev/b 200 50 150 25% /x\n'),
      null,
    );
    expect(got.map((f) => f.device)).toEqual(['/dev/a']);
  });
});

describe('isPseudoFilesystem', () => {
  const row = (device: string, fsType: string | null, mount: string): DfRow => ({ device, fsType, mount, total: 1, used: 0, available: 1 });

  it('leaves out kernel, RAM-backed, container and image filesystems by type', () => {
    for (const type of ['tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'proc', 'sysfs', 'cgroup2', 'autofs', 'fuse.lxcfs', 'erofs']) {
      expect(isPseudoFilesystem(row('x', type, '/somewhere'))).toBe(true);
    }
    for (const type of ['ext4', 'xfs', 'btrfs', 'zfs', 'vfat', 'lustre', 'nfs4']) expect(isPseudoFilesystem(row('/dev/x', type, '/data'))).toBe(false);
  });

  it('leaves out container and pod internals by mount point', () => {
    expect(isPseudoFilesystem(row('/dev/sda1', 'ext4', '/var/lib/kubelet/pods/1234/volumes/x'))).toBe(true);
    expect(isPseudoFilesystem(row('/dev/sda1', 'ext4', '/var/lib/docker/overlay2/abc'))).toBe(true);
    expect(isPseudoFilesystem(row('/dev/sda1', 'ext4', '/var/lib/docker'))).toBe(false);
  });

  it('falls back to the source name when df printed no type', () => {
    expect(isPseudoFilesystem(row('tmpfs', null, '/run'))).toBe(true);
    expect(isPseudoFilesystem(row('udev', null, '/dev'))).toBe(true);
    expect(isPseudoFilesystem(row('/dev/loop3', null, '/snap/core/7396'))).toBe(true);
    expect(isPseudoFilesystem(row('/dev/sda2', null, '/'))).toBe(false);
  });
});
