import { describe, expect, it } from 'vitest';
import { toCpuStats } from '../../../electron/core/collectors/local/cpu';
import { toFilesystemStats } from '../../../electron/core/collectors/local/filesystems';
import { toMemoryStats } from '../../../electron/core/collectors/local/memory';
import { toNetworkStats } from '../../../electron/core/collectors/local/network';
import { toOsInfo } from '../../../electron/core/collectors/local/os-info';

describe('local collectors map systeminformation output to the model', () => {
  it('CPU: total and per-core utilisation, load averages, model name', () => {
    const stats = toCpuStats(
      { manufacturer: 'AMD', brand: 'EPYC 7763 64-Core Processor', cores: 2 },
      { currentLoad: 41.447368, cpus: [{ load: 30.123 }, { load: Number.NaN }] as never },
      [1.5, 0.75, 0.25],
    );
    expect(stats).toEqual({
      model: 'AMD EPYC 7763 64-Core Processor',
      cores: 2,
      utilPct: 41.45,
      perCoreUtilPct: [30.12, null],
      load1: 1.5,
      load5: 0.75,
      load15: 0.25,
    });
  });

  it('memory: used is total minus available, so page cache is not "used"', () => {
    const stats = toMemoryStats({ total: 16 * 2 ** 30, available: 12 * 2 ** 30, swaptotal: 2 ** 30, swapused: 2 ** 20 });
    expect(stats).toEqual({
      totalBytes: 16 * 2 ** 30,
      usedBytes: 4 * 2 ** 30,
      availableBytes: 12 * 2 ** 30,
      usedPct: 25,
      swapTotalBytes: 2 ** 30,
      swapUsedBytes: 2 ** 20,
    });
    expect(toMemoryStats({ total: 0, available: 0, swaptotal: 0, swapused: 0 }).usedPct).toBeNull();
  });

  it('filesystems: inodes where the filesystem has them, duplicates and empty mounts dropped', () => {
    const sizes = [
      { fs: '/dev/vda', type: 'ext4', size: 1000, used: 250, available: 750, use: 25, mount: '/' },
      { fs: '/dev/vda', type: 'ext4', size: 1000, used: 250, available: 750, use: 25, mount: '/' },
      { fs: '/dev/vdb1', type: 'btrfs', size: 2000, used: 1000, available: 1000, use: 50, mount: '/data with space' },
      { fs: 'none', type: 'tmpfs', size: 0, used: 0, available: 0, use: Number.NaN, mount: '/empty' },
    ];
    const inodes = new Map([
      ['/', { total: 100, free: 40 }],
      ['/data with space', { total: 0, free: 0 }],
    ]);
    expect(toFilesystemStats(sizes, inodes)).toEqual([
      { mount: '/', device: '/dev/vda', fsType: 'ext4', sizeBytes: 1000, usedBytes: 250, availableBytes: 750, usedPct: 25, inodesTotal: 100, inodesUsed: 60 },
      {
        mount: '/data with space',
        device: '/dev/vdb1',
        fsType: 'btrfs',
        sizeBytes: 2000,
        usedBytes: 1000,
        availableBytes: 1000,
        usedPct: 50,
        inodesTotal: null,
        inodesUsed: null,
      },
    ]);
  });

  it('network: loopback left out, unknown first rates are null, not zero', () => {
    const stats = toNetworkStats([
      { iface: 'lo', rx_bytes: 1, tx_bytes: 1, rx_sec: 0, tx_sec: 0 },
      { iface: 'eth0', rx_bytes: 1000, tx_bytes: 2000, rx_sec: null as unknown as number, tx_sec: -1 },
      { iface: 'ib0', rx_bytes: 5, tx_bytes: 6, rx_sec: 1234.6, tx_sec: 0 },
    ]);
    expect(stats).toEqual([
      { iface: 'eth0', rxBytesTotal: 1000, txBytesTotal: 2000, rxBytesPerSec: null, txBytesPerSec: null },
      { iface: 'ib0', rxBytesTotal: 5, txBytesTotal: 6, rxBytesPerSec: 1235, txBytesPerSec: 0 },
    ]);
  });

  it('OS: empty strings become null', () => {
    expect(toOsInfo({ platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.1.0', arch: '' })).toEqual({
      platform: 'linux',
      distro: 'Debian GNU/Linux',
      release: '12',
      kernel: '6.1.0',
      arch: null,
    });
  });
});
