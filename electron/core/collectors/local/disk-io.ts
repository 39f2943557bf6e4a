/**
 * Disk throughput of this machine from /proc/diskstats (Linux), with the same parser and counter
 * rules as SSH nodes. Elsewhere: no disks listed, not an error.
 */
import type { DiskIoStats } from '../../../../shared/model/node';
import { readLocalFile } from '../../hosts/local';
import { CounterRates } from '../linux/counter-rates';
import { round2 } from '../linux/parse-support';
import { DISKSTATS_SECTOR_BYTES, NON_DISK_DEVICE, parseProcDiskstats } from '../linux/proc-diskstats';

export class LocalDiskIo {
  private readonly rates = new CounterRates();

  /** Pure step: one /proc/diskstats reading at `atMs` (a monotonic clock) to the model. */
  fromText(text: string, atMs: number): DiskIoStats[] {
    const parsed = parseProcDiskstats(text);
    const out: DiskIoStats[] = [];
    for (const disk of parsed.devices.values()) {
      if (NON_DISK_DEVICE.test(disk.device)) continue;
      const rate = (kind: string, value: number | null) => (value === null ? null : this.rates.update(`${disk.device}\u0000${kind}`, value, atMs, 'local'));
      const read = rate('read', disk.sectorsRead);
      const written = rate('write', disk.sectorsWritten);
      const busy = rate('busy', disk.ioTimeMs);
      out.push({
        device: disk.device,
        readBytesTotal: disk.sectorsRead * DISKSTATS_SECTOR_BYTES,
        writeBytesTotal: disk.sectorsWritten * DISKSTATS_SECTOR_BYTES,
        readBytesPerSec: read === null ? null : Math.round(read * DISKSTATS_SECTOR_BYTES),
        writeBytesPerSec: written === null ? null : Math.round(written * DISKSTATS_SECTOR_BYTES),
        busyPct: busy === null ? null : Math.min(100, round2(busy / 10)),
      });
    }
    return out;
  }

  async collect(): Promise<DiskIoStats[]> {
    if (process.platform !== 'linux') return [];
    return this.fromText(await readLocalFile('/proc/diskstats'), performance.now());
  }
}
