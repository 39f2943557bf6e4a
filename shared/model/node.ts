import { z } from 'zod';
import { GpuSchema, GpuStatusSchema } from './gpu';
import { NODE_LIMITS } from './limits';

const text = () => z.string().max(NODE_LIMITS.text);

/** Operating system and kernel of a node. */
export const OsInfoSchema = z.object({
  platform: text(),
  distro: text().nullable(),
  release: text().nullable(),
  kernel: text().nullable(),
  arch: text().nullable(),
});
export type OsInfo = z.infer<typeof OsInfoSchema>;

/** CPU utilisation over the last interval, in percent of all cores, plus load averages. */
export const CpuStatsSchema = z.object({
  model: text().nullable(),
  cores: z.number().int().nonnegative(),
  utilPct: z.number().nullable(),
  perCoreUtilPct: z.array(z.number().nullable()).max(NODE_LIMITS.cores),
  load1: z.number().nullable(),
  load5: z.number().nullable(),
  load15: z.number().nullable(),
});
export type CpuStats = z.infer<typeof CpuStatsSchema>;

/** Memory and swap in bytes; `usedBytes` excludes reclaimable caches (total - available). */
export const MemoryStatsSchema = z.object({
  totalBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  availableBytes: z.number().nonnegative(),
  usedPct: z.number().nullable(),
  swapTotalBytes: z.number().nonnegative(),
  swapUsedBytes: z.number().nonnegative(),
});
export type MemoryStats = z.infer<typeof MemoryStatsSchema>;

/** One mounted filesystem. Inode counts are null where the filesystem has none (btrfs, vfat). */
export const FilesystemStatsSchema = z.object({
  mount: z.string().max(NODE_LIMITS.path),
  device: z.string().max(NODE_LIMITS.path),
  fsType: text().nullable(),
  sizeBytes: z.number().nonnegative(),
  usedBytes: z.number().nonnegative(),
  availableBytes: z.number().nonnegative(),
  usedPct: z.number().nullable(),
  inodesTotal: z.number().nullable(),
  inodesUsed: z.number().nullable(),
});
export type FilesystemStats = z.infer<typeof FilesystemStatsSchema>;

/** One network interface: byte counters and rates over the last interval (null on the first). */
export const NetworkStatsSchema = z.object({
  iface: text(),
  rxBytesTotal: z.number().nonnegative(),
  txBytesTotal: z.number().nonnegative(),
  rxBytesPerSec: z.number().nullable(),
  txBytesPerSec: z.number().nullable(),
});
export type NetworkStats = z.infer<typeof NetworkStatsSchema>;

/** Throughput of one whole disk over the last interval (rates null on the first reading). */
export const DiskIoStatsSchema = z.object({
  device: text(),
  readBytesTotal: z.number().nonnegative(),
  writeBytesTotal: z.number().nonnegative(),
  readBytesPerSec: z.number().nullable(),
  writeBytesPerSec: z.number().nullable(),
  /** Share of the interval the disk had I/O in flight (iostat's %util). */
  busyPct: z.number().nullable(),
});
export type DiskIoStats = z.infer<typeof DiskIoStatsSchema>;

/** A collector that failed during one collection; the rest of the snapshot still stands. */
export const CollectorErrorSchema = z.object({
  collector: text(),
  message: z.string().max(4096),
});
export type CollectorError = z.infer<typeof CollectorErrorSchema>;

/** Everything collected from one node at one tick. */
export const NodeSnapshotSchema = z.object({
  id: z.string(),
  hostname: text(),
  collectedAt: z.number().int(),
  os: OsInfoSchema,
  cpu: CpuStatsSchema.nullable(),
  memory: MemoryStatsSchema.nullable(),
  filesystems: z.array(FilesystemStatsSchema).max(NODE_LIMITS.filesystems),
  network: z.array(NetworkStatsSchema).max(NODE_LIMITS.interfaces),
  /** Whole disks (partitions, loop and RAM devices left out); empty where not available. */
  diskIo: z.array(DiskIoStatsSchema).max(NODE_LIMITS.disks).default([]),
  gpuStatus: GpuStatusSchema,
  gpus: z.array(GpuSchema).max(NODE_LIMITS.gpus),
  errors: z.array(CollectorErrorSchema).max(NODE_LIMITS.errors),
});
export type NodeSnapshot = z.infer<typeof NodeSnapshotSchema>;

/** A node as listed in the UI. */
export const NodeSummarySchema = z.object({
  id: z.string(),
  hostname: z.string(),
  lastSeenAt: z.number().int().nullable(),
  gpuCount: z.number().int().nonnegative(),
  gpuStatus: GpuStatusSchema.nullable(),
});
export type NodeSummary = z.infer<typeof NodeSummarySchema>;
