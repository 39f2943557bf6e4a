/**
 * Disk throughput of this machine from /proc/diskstats (Linux), read through the Host (and its
 * allowlist), with the same parser, counter rules and model as SSH nodes. Elsewhere: no disks
 * listed, not an error.
 */
import type { DiskIoStats } from '../../../../shared/model/node';
import type { Host } from '../../hosts/host';
import { CounterRates } from '../linux/counter-rates';
import { diskIoStats, parseProcDiskstats } from '../linux/proc-diskstats';

export class LocalDiskIo {
  private readonly rates = new CounterRates();

  constructor(
    private readonly host: Pick<Host, 'readFile'>,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  /** Pure step: one /proc/diskstats reading at `atMs` (a monotonic clock) to the model. */
  fromText(text: string, atMs: number): DiskIoStats[] {
    return diskIoStats(parseProcDiskstats(text), (series, value) => this.rates.update(series, value, atMs, 'local')).stats;
  }

  async collect(): Promise<DiskIoStats[]> {
    if (this.platform !== 'linux') return [];
    return this.fromText(await this.host.readFile('/proc/diskstats'), performance.now());
  }
}
