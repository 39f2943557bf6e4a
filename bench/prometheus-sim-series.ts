/**
 * The series of one simulated node for `bench prometheus`: real captures (a Debian 12 node
 * exporter, test/fixtures/prometheus/node-exporter; an L40S dcgm-exporter,
 * test/fixtures/prometheus/dcgm-exporter) kept to the families the Prometheus source reads
 * (source-families.ts FAMILY_QUERIES), with the node's own host name, its GPUs widened to N (each its own index,
 * UUID and bus id), and counters that grow with time so that rates are real.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_ROOT } from '../electron/core/app-root';

const FIXTURES = join(APP_ROOT, 'test', 'fixtures', 'prometheus');
export const NODE_CAPTURE = join(FIXTURES, 'node-exporter', 'debian12-1.5.0-a.prom');
export const DCGM_CAPTURE = join(FIXTURES, 'dcgm-exporter', 'l40s-drv595.58.03.upcloud-conformance.prom');

/** The node_exporter families the source queries (source-families.ts FAMILY_QUERIES). */
const NODE_FAMILIES =
  /^(node_cpu_seconds_total|node_cpu_info|node_load1|node_load5|node_load15|node_memory_(MemTotal|MemAvailable|SwapTotal|SwapFree)_bytes|node_filesystem_(size|avail|free)_bytes|node_filesystem_files|node_filesystem_files_free|node_network_(receive|transmit)_bytes_total|node_disk_(read_bytes|written_bytes|io_time_seconds)_total|node_uname_info|node_os_info|node_boot_time_seconds|node_time_seconds)(\{| )/;

/** One sample line: `prefix` is the name and labels and a space; the value is base + rate x seconds. */
interface Line {
  prefix: string;
  base: number;
  ratePerS: number;
}

/** How fast a counter grows here: CPU seconds by mode (of one core), bytes, energy. */
function rateOf(name: string, labels: string): number {
  if (name === 'node_cpu_seconds_total') {
    const mode = /mode="([^"]+)"/.exec(labels)?.[1];
    return mode === 'idle' ? 0.55 : mode === 'user' ? 0.3 : mode === 'system' ? 0.1 : mode === 'iowait' ? 0.05 : 0;
  }
  if (name === 'node_disk_io_time_seconds_total') return 0.02;
  if (name.endsWith('_bytes_total')) return 250_000;
  if (name === 'DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION') return 300_000; // mJ at 300 W
  return 0;
}

function sampleLines(text: string, keep: (line: string) => boolean): Line[] {
  const lines: Line[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || !keep(line)) continue;
    const cut = line.lastIndexOf(' ');
    const prefix = line.slice(0, cut + 1);
    const name = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)![0];
    lines.push({ prefix, base: Number(line.slice(cut + 1)), ratePerS: rateOf(name, prefix) });
  }
  return lines;
}

const gpuUuid = (node: number, gpu: number) => `GPU-${node.toString(16).padStart(8, '0')}-0000-4000-8000-${gpu.toString(16).padStart(12, '0')}`;
const gpuBus = (gpu: number) => `00000000:${(0x18 + gpu * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0`;

export interface NodeSeries {
  /** node_exporter's /metrics of this node at `nowMs`. */
  nodeExporter(nowMs: number): string;
  /** dcgm-exporter's /metrics of this node at `nowMs` (empty without GPUs). */
  dcgm(nowMs: number): string;
  /** Series of each exporter (for the report). */
  counts: { node: number; dcgm: number };
}

function render(lines: readonly Line[], seconds: number): string {
  let out = '';
  for (const l of lines) out += `${l.prefix}${l.ratePerS === 0 ? l.base : Math.round((l.base + l.ratePerS * seconds) * 100) / 100}\n`;
  return out;
}

/** The templates, read once and shared by every node (each then takes its own names). */
export function seriesTemplates(): { node: string; dcgm: string } {
  return { node: readFileSync(NODE_CAPTURE, 'utf8'), dcgm: readFileSync(DCGM_CAPTURE, 'utf8') };
}

/** Node `index` (0-based) named `name`, with `gpus` GPUs. */
export function nodeSeries(templates: { node: string; dcgm: string }, index: number, name: string, gpus: number, startMs: number): NodeSeries {
  const node = sampleLines(templates.node.replace(/nodename="[^"]*"/, `nodename="${name}"`), (l) => NODE_FAMILIES.test(l));
  // node_time_seconds: the node's clock, now.
  const time = node.find((l) => l.prefix.startsWith('node_time_seconds '));
  if (time) {
    time.base = startMs / 1000;
    time.ratePerS = 1;
  }
  const oneGpu = sampleLines(templates.dcgm.replace(/Hostname="[^"]*"/g, `Hostname="${name}"`), (l) => l.startsWith('DCGM_FI_'));
  const dcgm: Line[] = [];
  for (let g = 0; g < gpus; g += 1) {
    for (const l of oneGpu) {
      const prefix = l.prefix
        .replace(/gpu="\d+"/, `gpu="${g}"`)
        .replace(/UUID="[^"]*"/, `UUID="${gpuUuid(index, g)}"`)
        .replace(/pci_bus_id="[^"]*"/, `pci_bus_id="${gpuBus(g)}"`)
        .replace(/device="nvidia\d+"/, `device="nvidia${g}"`);
      dcgm.push({ ...l, prefix });
    }
  }
  const since = (nowMs: number) => (nowMs - startMs) / 1000;
  return {
    nodeExporter: (nowMs) => render(node, since(nowMs)),
    dcgm: (nowMs) => render(dcgm, since(nowMs)),
    counts: { node: node.length, dcgm: dcgm.length },
  };
}
