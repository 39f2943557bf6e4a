/**
 * /proc/diskstats: `major minor name` then counters. Their number tells the kernel: 11 (2.6 to
 * 4.17), 15 (4.18+, discards), 17 (5.5+, flushes). 2.6 kernels printed partitions with only 4
 * (reads, sectors read, writes, sectors written). Sectors are always 512 bytes here, whatever the
 * device's own sector size (Documentation/admin-guide/iostats.rst).
 */
import type { DiskIoStats } from '../../../../shared/model/node';
import { fields, parseCounter, quote, round2, sourceLines, Warnings } from './parse-support';

export const DISKSTATS_SECTOR_BYTES = 512;

export interface DiskCounters {
  major: number;
  minor: number;
  device: string;
  readsCompleted: number;
  sectorsRead: number;
  writesCompleted: number;
  sectorsWritten: number;
  /** Milliseconds the device had I/O in flight; null on the 4-counter partition format. */
  ioTimeMs: number | null;
}

export interface ProcDiskstats {
  devices: Map<string, DiskCounters>;
  warnings: string[];
}

/**
 * Partitions and devices that are not disks, the same default node_exporter's diskstats
 * collector leaves out: RAM disks, loop and floppy devices, and partitions of sd/hd/vd/xvd, NVMe
 * and MMC disks (their I/O is already in the whole disk's counters).
 */
export const NON_DISK_DEVICE = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p|mmcblk\d+p)\d+$/;

export function parseProcDiskstats(text: string): ProcDiskstats {
  const warnings = new Warnings();
  const devices = new Map<string, DiskCounters>();
  const out: ProcDiskstats = { devices, warnings: warnings.list };
  const lines = sourceLines(text, '/proc/diskstats', warnings);
  if (lines === null) return out;
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n]!;
    if (line.trim() === '') continue;
    const parts = line.length <= 1024 ? fields(line) : [];
    const counters = parts.length - 3;
    const major = parseCounter(parts[0]);
    const minor = parseCounter(parts[1]);
    const device = parts[2];
    if (major === null || minor === null || device === undefined || (counters !== 4 && counters < 11)) {
      warnings.add(`line ${n + 1}: not "major minor name" and 4 or 11+ counters: ${quote(line)}; skipped`);
      continue;
    }
    const values = parts.slice(3).map(parseCounter);
    if (values.some((v) => v === null)) {
      warnings.add(`line ${n + 1}: ${quote(device)} has a counter that is not one; skipped`);
      continue;
    }
    if (devices.has(device)) {
      warnings.add(`line ${n + 1}: ${quote(device)} repeated; the first is kept`);
      continue;
    }
    const v = values as number[];
    devices.set(
      device,
      counters === 4
        ? { major, minor, device, readsCompleted: v[0]!, sectorsRead: v[1]!, writesCompleted: v[2]!, sectorsWritten: v[3]!, ioTimeMs: null }
        : { major, minor, device, readsCompleted: v[0]!, sectorsRead: v[2]!, writesCompleted: v[4]!, sectorsWritten: v[6]!, ioTimeMs: v[9]! },
    );
  }
  return out;
}

/**
 * Whole disks' throughput from one reading, the same for the local node and SSH nodes. `rate`
 * turns a counter of a series into a per-second rate (null without a comparable previous
 * reading); rates are taken on the sector counters themselves, which are what wrap on 32-bit
 * kernels. Returns the series it used, so the caller can forget disks that went away.
 */
export function diskIoStats(disks: ProcDiskstats | null, rate: (series: string, value: number) => number | null): { stats: DiskIoStats[]; series: string[] } {
  const stats: DiskIoStats[] = [];
  const series: string[] = [];
  for (const disk of disks?.devices.values() ?? []) {
    if (NON_DISK_DEVICE.test(disk.device)) continue;
    const read = `disk\u0000${disk.device}\u0000read`;
    const written = `disk\u0000${disk.device}\u0000write`;
    const busy = `disk\u0000${disk.device}\u0000busy`;
    series.push(read, written, busy);
    const sectorsReadPerSec = rate(read, disk.sectorsRead);
    const sectorsWrittenPerSec = rate(written, disk.sectorsWritten);
    // Milliseconds busy per second of wall time, /10 for percent; a sampling edge can pass 100.
    const busyMsPerSec = disk.ioTimeMs === null ? null : rate(busy, disk.ioTimeMs);
    stats.push({
      device: disk.device,
      readBytesTotal: disk.sectorsRead * DISKSTATS_SECTOR_BYTES,
      writeBytesTotal: disk.sectorsWritten * DISKSTATS_SECTOR_BYTES,
      readBytesPerSec: sectorsReadPerSec === null ? null : Math.round(sectorsReadPerSec * DISKSTATS_SECTOR_BYTES),
      writeBytesPerSec: sectorsWrittenPerSec === null ? null : Math.round(sectorsWrittenPerSec * DISKSTATS_SECTOR_BYTES),
      busyPct: busyMsPerSec === null ? null : Math.min(100, round2(busyMsPerSec / 10)),
    });
  }
  return { stats, series };
}
