/**
 * What a Prometheus source asks each tick: one instant query per metric family for the whole
 * fleet, and each GPU's identity labels once a minute. prometheus-source.ts reads the answers.
 */
import { DCGM_IDENTITY_LABELS, DCGM_MAPPED_FIELDS, DCGM_SERIES_LABELS } from './dcgm-map';
import { CPU_COUNT, CPU_SECONDS_SUM } from './node-exporter-map';

/**
 * One metric family: its name in messages, and its instant query. An aggregation answers
 * without __name__: its samples are named `sampleName`.
 */
export interface Family {
  name: string;
  expr: string;
  sampleName?: string;
}

const DCGM_SELECTOR = `{__name__=~"DCGM_FI_DEV_(${DCGM_MAPPED_FIELDS.join('|')})"}`;
/** Fields every dcgm-exporter version exports by default: enough to find each GPU's identity. */
const DCGM_COMMON_SELECTOR = '{__name__=~"DCGM_FI_DEV_(GPU_TEMP|POWER_USAGE|FB_USED|GPU_UTIL)"}';
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function byLabels(nodeLabel: string, labels: readonly string[]): string {
  if (!LABEL_NAME.test(nodeLabel)) throw new Error(`not a label name: ${JSON.stringify(nodeLabel.slice(0, 64))}`);
  return [...new Set([nodeLabel, ...labels])].join(', ');
}

/**
 * Every query of one tick, whatever the number of nodes. DCGM is first: it reads the most series
 * by far (6 of every 10 samples at 8 GPUs a node) and the client sends at most 4 queries at once,
 * so sent last it waited for the short ones before Prometheus began it. The answers are kept
 * small, since Prometheus's encoding and our JSON.parse of them are most of a tick: CPU summed
 * over the cores (a 128-core node is 1,024 series otherwise), node_cpu_info once per model,
 * and DCGM only the fields dcgm-map reads, each GPU's series named by the labels that tell them
 * apart (its identity labels, the same on every sample, come from dcgmIdentityQuery).
 */
export function sourceFamilies(nodeLabel: string): readonly Family[] {
  return [
    { name: 'dcgm', expr: `max by (__name__, ${byLabels(nodeLabel, DCGM_SERIES_LABELS)}) (${DCGM_SELECTOR})` },
    { name: 'up', expr: 'up' },
    { name: 'cpu', expr: 'sum without (cpu) (node_cpu_seconds_total)', sampleName: CPU_SECONDS_SUM },
    { name: 'cpu count', expr: 'count without (cpu, mode) (node_cpu_seconds_total{mode="idle"})', sampleName: CPU_COUNT },
    { name: 'cpu model', expr: 'count without (cpu, core, package) (node_cpu_info)', sampleName: 'node_cpu_info' },
    { name: 'memory', expr: '{__name__=~"node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes"}' },
    { name: 'filesystems', expr: '{__name__=~"node_filesystem_(size|avail|free)_bytes|node_filesystem_files|node_filesystem_files_free"}' },
    { name: 'network', expr: '{__name__=~"node_network_(receive|transmit)_bytes_total"}' },
    { name: 'disk', expr: '{__name__=~"node_disk_(read_bytes|written_bytes|io_time_seconds)_total"}' },
    { name: 'os', expr: '{__name__=~"node_load1|node_load5|node_load15|node_uname_info|node_os_info|node_boot_time_seconds|node_time_seconds"}' },
  ];
}

/**
 * Each GPU's identity labels, one sample per GPU (and MIG instance): asked every
 * IDENTITY_REFRESH_MS over the fields every exporter has (a fraction of the series), and over
 * every mapped field where a GPU was not found that way.
 */
export function dcgmIdentityQuery(nodeLabel: string, everyField = false): string {
  return `count by (${byLabels(nodeLabel, [...DCGM_SERIES_LABELS, ...DCGM_IDENTITY_LABELS])}) (${everyField ? DCGM_SELECTOR : DCGM_COMMON_SELECTOR})`;
}

/** The families with the default node label (`instance`). */
export const FAMILIES: readonly Family[] = sourceFamilies('instance');
export const FAMILY_QUERIES: readonly string[] = FAMILIES.map((f) => f.expr);
