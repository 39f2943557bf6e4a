/**
 * A node's own exporters, scraped by its SSH collector without Prometheus (issue #13): each tick
 * node_exporter gives CPU, memory, filesystems, network, disks and load, dcgm-exporter the GPUs,
 * in place of what the commands read. `via: 'ssh'` goes through the node's existing SSH
 * connection to its loopback (direct-tcpip, no port opened); `via: 'direct'` is plain HTTP to
 * the node's host. A failing exporter is a collector error on the snapshot (the node degraded,
 * the reason named), never a crash; the commands' values stay where the exporter gave nothing.
 */
import { NODE_LIMITS } from '../../../shared/model/limits';
import type { NodeExporterSpec } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import type { ExporterOverlay, ExporterOverlayFactory } from '../collectors/ssh-node';
import { dcgmGpus, dcgmGpuStatus, type PromSample } from './dcgm-map';
import { scrapeExporter, type ForwardingConnection, type ExporterTarget } from './exporter-scrape';
import { exposedSamples, parseExposition } from './exposition';
import { nodeExporterSnapshot } from './node-exporter-map';

/** A real node_exporter answers 50-300 KB, a dcgm-exporter less: 8 MiB is a flood. */
const MAX_EXPORTER_BYTES = 8 * 1024 * 1024;
const MAX_EXPORTER_SERIES = 50_000;

export interface NodeExportersOptions {
  /** The node's host, for `direct` exporters. */
  host: string;
  /** The node's SSH connection, for `ssh` exporters. */
  connection: ForwardingConnection;
  /** One scrape's deadline. */
  timeoutMs: number;
}

/** One tick's exporter readings, laid over the commands' snapshot by `apply`. */
export interface ExporterReadings {
  node: { snapshot: NodeSnapshot } | { error: string } | null;
  gpus: { samples: PromSample[] } | { error: string } | null;
}

/** `http://host:port/path`, an IPv6 address in brackets. */
export function directUrl(host: string, spec: Pick<NodeExporterSpec, 'port' | 'path'>): string {
  const bare = host.replace(/^\[|\]$/g, '');
  return `http://${bare.includes(':') ? `[${bare}]` : bare}:${spec.port}${spec.path}`;
}

/** The engine's factory for SshNodeCollector: a node without exporters gets none. */
export const nodeExporterOverlay: ExporterOverlayFactory = (node, connection, timeoutMs) =>
  node.exporters?.length ? new NodeExporters(node.id, node.exporters, { host: node.host, connection, timeoutMs }) : null;

export class NodeExporters implements ExporterOverlay {
  private readonly nodeSpec: NodeExporterSpec | undefined;
  private readonly gpuSpec: NodeExporterSpec | undefined;
  /** The previous node_exporter reading, for rates. */
  private previous: { samples: PromSample[]; at: number } | null = null;

  constructor(
    private readonly nodeId: string,
    specs: readonly NodeExporterSpec[],
    private readonly options: NodeExportersOptions,
  ) {
    this.nodeSpec = specs.find((s) => s.kind === 'node-exporter');
    this.gpuSpec = specs.find((s) => s.kind === 'dcgm-exporter');
  }

  /** dcgm-exporter gives the GPUs: nvidia-smi is not run. */
  get coversGpus(): boolean {
    return this.gpuSpec !== undefined;
  }

  private target(spec: NodeExporterSpec): ExporterTarget {
    return spec.via === 'ssh'
      ? { transport: 'ssh', connection: this.options.connection, port: spec.port, path: spec.path }
      : { transport: 'direct', url: directUrl(this.options.host, spec) };
  }

  private async scrape(spec: NodeExporterSpec): Promise<PromSample[]> {
    const { text } = await scrapeExporter(this.target(spec), { timeoutMs: this.options.timeoutMs, maxBytes: MAX_EXPORTER_BYTES });
    return exposedSamples(parseExposition(text, { maxSeries: MAX_EXPORTER_SERIES, maxBytes: MAX_EXPORTER_BYTES }));
  }

  /** Scrapes every exporter at once; the answer lays their parts over a snapshot. Never rejects. */
  async read(collectedAt: number): Promise<(snapshot: NodeSnapshot) => void> {
    const readings = await this.readings(collectedAt);
    return (snapshot) => applyExporterReadings(snapshot, readings);
  }

  /** Scrapes every exporter of the node at once; never rejects. */
  async readings(collectedAt: number): Promise<ExporterReadings> {
    const failure = (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) });
    const [node, gpus] = await Promise.all([
      this.nodeSpec ? this.scrape(this.nodeSpec).then((samples) => ({ snapshot: this.nodeSnapshot(samples, collectedAt) }), failure) : null,
      this.gpuSpec ? this.scrape(this.gpuSpec).then((samples) => ({ samples }), failure) : null,
    ]);
    return { node, gpus };
  }

  private nodeSnapshot(samples: PromSample[], collectedAt: number): NodeSnapshot {
    const kept = samples.filter((s) => s.name.startsWith('node_'));
    const before = this.previous;
    this.previous = { samples: kept, at: collectedAt };
    return nodeExporterSnapshot(kept, before?.samples ?? null, {
      nodeId: this.nodeId,
      collectedAt,
      intervalMs: before ? collectedAt - before.at : null,
    });
  }
}

/**
 * The exporters' parts in place of the commands': node_exporter's CPU, memory, filesystems,
 * network and disks where it gave them; dcgm-exporter's GPUs. A failed exporter is an error of
 * its own on the snapshot (first, so the node's state names it).
 */
export function applyExporterReadings(snapshot: NodeSnapshot, readings: ExporterReadings): void {
  const failures: Array<{ collector: string; message: string }> = [];
  if (readings.node && 'error' in readings.node) failures.push({ collector: 'node-exporter', message: readings.node.error });
  else if (readings.node) {
    const from = readings.node.snapshot;
    snapshot.cpu = from.cpu ?? snapshot.cpu;
    snapshot.memory = from.memory ?? snapshot.memory;
    if (from.filesystems.length > 0) snapshot.filesystems = from.filesystems;
    if (from.network.length > 0) snapshot.network = from.network;
    if (from.diskIo.length > 0) snapshot.diskIo = from.diskIo;
  }
  if (readings.gpus && 'error' in readings.gpus) {
    failures.push({ collector: 'dcgm-exporter', message: readings.gpus.error });
    snapshot.gpus = [];
    snapshot.gpuStatus = { state: 'failed', message: readings.gpus.error, driverVersion: null, cudaVersion: null };
  } else if (readings.gpus) {
    snapshot.gpus = dcgmGpus(readings.gpus.samples);
    snapshot.gpuStatus = dcgmGpuStatus(snapshot.gpus);
  }
  if (failures.length > 0) snapshot.errors = [...failures, ...snapshot.errors].slice(0, NODE_LIMITS.errors);
}
