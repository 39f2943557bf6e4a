import si from 'systeminformation';
import type { MemoryStats } from '../../../../shared/model/node';

/** Pure: "used" is total minus available, so page cache that the kernel can drop is not counted. */
export function toMemoryStats(mem: Pick<si.Systeminformation.MemData, 'total' | 'available' | 'swaptotal' | 'swapused'>): MemoryStats {
  const usedBytes = Math.max(0, mem.total - mem.available);
  return {
    totalBytes: mem.total,
    usedBytes,
    availableBytes: mem.available,
    usedPct: mem.total > 0 ? Math.round((usedBytes / mem.total) * 10_000) / 100 : null,
    swapTotalBytes: mem.swaptotal,
    swapUsedBytes: mem.swapused,
  };
}

export async function collectMemory(): Promise<MemoryStats> {
  return toMemoryStats(await si.mem());
}
