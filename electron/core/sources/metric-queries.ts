/**
 * Our metric names as PromQL over node_exporter and dcgm-exporter series, for a chart's history
 * (query_range). Every expression is a fixed template: the only data spliced in is the node's
 * label matcher, built by nodeMatcher (label name checked, value regex- and string-escaped), and
 * the rate window, a whole number of seconds. Each answer series is then named by the same
 * device key the live mapping stores (mount, interface, disk, GPU UUID), and the series the live
 * mapping leaves out (pseudo filesystems, lo and container interfaces, partitions) are left out.
 */
import { isPseudoFilesystem } from '../collectors/linux/df';
import { keepInterface } from '../collectors/linux/node-builder';
import { NON_DISK_DEVICE } from '../collectors/linux/proc-diskstats';
import type { MetricName } from '../../../shared/model/metrics';
import { dcgmDeviceKey, dcgmValue } from './dcgm-map';
import type { Labels } from './prometheus-api';

/** RE2 metacharacters, escaped so that a node id matches itself only. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** A PromQL double-quoted string: JSON's escapes (\" \\ \n \uXXXX) are PromQL's too. */
export function promString(text: string): string {
  return JSON.stringify(text);
}

/**
 * The matcher for every label value that nodeIdFromLabel maps onto nodeId: the id itself,
 * `[id]` and `[id]:port`, and `id:port` where the id has no colon.
 */
export function nodeMatcher(nodeLabel: string, nodeId: string): string {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(nodeLabel)) throw new Error(`not a label name: ${JSON.stringify(nodeLabel.slice(0, 64))}`);
  const id = escapeRegex(nodeId);
  const alternatives = [id, `\\[${id}\\](?::[0-9]+)?`];
  if (!nodeId.includes(':')) alternatives.push(`${id}:[0-9]+`);
  return `${nodeLabel}=~${promString(alternatives.join('|'))}`;
}

export interface HistoryQuery {
  expr: string;
  /** The device key of one answer series, or null to leave the series out. */
  device: (labels: Labels) => string | null;
  /** Whether a value is one the live mapping would keep (DCGM blanks are not). */
  keep: (value: number) => boolean;
}

const CPU_MODES = 'user|nice|system|idle|iowait|irq|softirq|steal';
const finite = (v: number) => Number.isFinite(v);
const nodeWide = () => '';

/** The PromQL of a metric for one node; `sel` is nodeMatcher's output, `window` a range like `60s`. */
export function historyQuery(metric: MetricName, sel: string, window: string): HistoryQuery {
  const nodeQuery = (expr: string, device: HistoryQuery['device'] = nodeWide): HistoryQuery => ({ expr, device, keep: finite });
  const gpuQuery = (field: string): HistoryQuery => ({
    expr: `DCGM_FI_DEV_${field}{${sel}}`,
    device: (labels) => dcgmDeviceKey(labels),
    keep: (v) => dcgmValue(v) !== null,
  });
  const byDevice = (name: string, keepDevice: (d: string) => boolean) =>
    nodeQuery(`max by (device) (rate(${name}{${sel}}[${window}]))`, (l) => (l.device !== undefined && keepDevice(l.device) ? l.device : null));
  switch (metric) {
    case 'cpu.util_pct':
      // As cpuShares: busy is all but idle and iowait, over the eight summed modes.
      return nodeQuery(
        `100 * (1 - sum(rate(node_cpu_seconds_total{${sel},mode=~"idle|iowait"}[${window}])) / sum(rate(node_cpu_seconds_total{${sel},mode=~"${CPU_MODES}"}[${window}])))`,
      );
    case 'cpu.load1':
      return nodeQuery(`max(node_load1{${sel}})`);
    case 'memory.used_pct':
      return nodeQuery(`100 * (1 - max(node_memory_MemAvailable_bytes{${sel}}) / max(node_memory_MemTotal_bytes{${sel}}))`);
    case 'memory.used_bytes':
      return nodeQuery(`max(node_memory_MemTotal_bytes{${sel}}) - max(node_memory_MemAvailable_bytes{${sel}})`);
    case 'swap.used_bytes':
      return nodeQuery(`max(node_memory_SwapTotal_bytes{${sel}}) - max(node_memory_SwapFree_bytes{${sel}})`);
    case 'fs.used_pct':
      // As df: used = size - free, and the share is of used + avail (root's reserve is neither).
      return nodeQuery(
        `max by (mountpoint, device, fstype) (100 * (node_filesystem_size_bytes{${sel}} - node_filesystem_free_bytes{${sel}}) / (node_filesystem_size_bytes{${sel}} - node_filesystem_free_bytes{${sel}} + node_filesystem_avail_bytes{${sel}}))`,
        (l) =>
          l.mountpoint === undefined || isPseudoFilesystem({ device: l.device ?? '', fsType: l.fstype ?? null, mount: l.mountpoint }) ? null : l.mountpoint,
      );
    case 'net.rx_bytes_per_sec':
      return byDevice('node_network_receive_bytes_total', keepInterface);
    case 'net.tx_bytes_per_sec':
      return byDevice('node_network_transmit_bytes_total', keepInterface);
    case 'disk.read_bytes_per_sec':
      return byDevice('node_disk_read_bytes_total', (d) => !NON_DISK_DEVICE.test(d));
    case 'disk.write_bytes_per_sec':
      return byDevice('node_disk_written_bytes_total', (d) => !NON_DISK_DEVICE.test(d));
    case 'gpu.util_pct':
      return gpuQuery('GPU_UTIL');
    case 'gpu.memory_used_mib':
      return gpuQuery('FB_USED');
    case 'gpu.temperature_c':
      return gpuQuery('GPU_TEMP');
    case 'gpu.power_w':
      return gpuQuery('POWER_USAGE');
  }
}
