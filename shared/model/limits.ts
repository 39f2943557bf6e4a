/**
 * What one node may put in a snapshot. A node is not trusted to be sane: one that printed 2,000
 * new mount points a tick took the store from 35 to 8,035 series in four ticks, and sent every
 * client a 360 KB snapshot each time. Real nodes stay far below these (a Kubernetes GPU node: a
 * few hundred mounts and veths; a DGX: 8 GPUs, 10-20 disks). What is cut is reported as a node
 * note, never dropped silently.
 */
export const NODE_LIMITS = {
  filesystems: 512,
  interfaces: 256,
  disks: 256,
  gpus: 64,
  /** Cores listed one by one (the total is kept whatever the count). */
  cores: 4096,
  /** Processes listed per GPU (the count is kept whatever the number). */
  processesPerGpu: 32,
  /** Collector errors kept per snapshot. */
  errors: 64,
  /** Device names, hostnames, model names, messages. */
  text: 512,
  /** Mount points and other paths (PATH_MAX is 4096; no real mount point comes near 1024). */
  path: 1024,
} as const;

/** New series a node may add to the store in one hour; past it, new devices are not recorded. */
export const MAX_NEW_SERIES_PER_NODE_PER_HOUR = 2_000;

/** A string from a node, cut to `max` characters (with a marker, so a cut is visible). */
export function clip(text: string, max: number = NODE_LIMITS.text): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
