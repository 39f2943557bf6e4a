import { statfs } from 'node:fs/promises';
import si from 'systeminformation';
import type { FilesystemStats } from '../../../../shared/model/node';

export interface InodeCounts {
  total: number;
  free: number;
}

/**
 * Pure: systeminformation's fsSize() plus inode counts per mount point to the model. A
 * filesystem that reports zero inodes (btrfs, vfat) gets null, not "0 of 0 used".
 */
export function toFilesystemStats(
  sizes: Array<Pick<si.Systeminformation.FsSizeData, 'fs' | 'type' | 'size' | 'used' | 'available' | 'use' | 'mount'>>,
  inodes: ReadonlyMap<string, InodeCounts | null>,
): FilesystemStats[] {
  const seen = new Set<string>();
  const out: FilesystemStats[] = [];
  for (const f of sizes) {
    if (!f.mount || seen.has(f.mount) || !(f.size > 0)) continue;
    seen.add(f.mount);
    const inode = inodes.get(f.mount) ?? null;
    const hasInodes = inode !== null && inode.total > 0;
    out.push({
      mount: f.mount,
      device: f.fs,
      fsType: f.type || null,
      sizeBytes: f.size,
      usedBytes: f.used,
      availableBytes: f.available,
      usedPct: Number.isFinite(f.use) ? f.use : null,
      inodesTotal: hasInodes ? inode.total : null,
      inodesUsed: hasInodes ? inode.total - inode.free : null,
    });
  }
  return out;
}

async function inodeCounts(mount: string): Promise<InodeCounts | null> {
  try {
    const s = await statfs(mount);
    return { total: s.files, free: s.ffree };
  } catch {
    return null;
  }
}

export async function collectFilesystems(): Promise<FilesystemStats[]> {
  const sizes = await si.fsSize();
  const inodes = new Map(await Promise.all(sizes.map(async (f) => [f.mount, await inodeCounts(f.mount)] as const)));
  return toFilesystemStats(sizes, inodes);
}
