import { describe, expect, it } from 'vitest';
import { LocalDiskIo } from '../../../electron/core/collectors/local/disk-io';
import { DiskIoStatsSchema } from '../../../shared/model/node';
import { readFixture } from '../../helpers/fixtures';

describe('LocalDiskIo', () => {
  it('reads /proc/diskstats through the Host (and its allowlist), never around it', async () => {
    const reads: string[] = [];
    const host = {
      readFile: async (path: string) => {
        reads.push(path);
        return readFixture('linux', 'proc-diskstats.jc.txt');
      },
    };
    const disks = await new LocalDiskIo(host, 'linux').collect();
    expect(reads).toEqual(['/proc/diskstats']);
    expect(disks.map((d) => d.device)).toEqual(['sda', 'sr0', 'dm-0']);
    for (const disk of disks) expect(DiskIoStatsSchema.parse(disk)).toEqual(disk);
  });

  it('gives rates from the second reading, with the same rules as SSH nodes', () => {
    const text = readFixture('linux', 'proc-diskstats.jc.txt');
    const io = new LocalDiskIo({ readFile: async () => text }, 'linux');
    expect(io.fromText(text, 1000).find((d) => d.device === 'sda')?.readBytesPerSec).toBeNull();
    const later = text.replace(
      'sda 14200 3361 892828 5058 18736 13416 715384 12604 0 24940',
      `sda 14300 3361 ${892828 + 2048} 5058 18836 13416 715384 12604 0 ${24940 + 500}`,
    );
    expect(io.fromText(later, 2000).find((d) => d.device === 'sda')).toMatchObject({ readBytesPerSec: 2048 * 512, writeBytesPerSec: 0, busyPct: 50 });
  });

  it('lists no disks off Linux, without reading anything', async () => {
    const io = new LocalDiskIo({ readFile: async () => Promise.reject(new Error('must not read')) }, 'darwin');
    expect(await io.collect()).toEqual([]);
  });
});
