/**
 * A node read over SSH, agentless: on connect, one exec of the constant facts script (OS,
 * hostname, CPU, what the node has); then one exec per tick of the constant sample script
 * (/proc, df and `nvidia-smi --query-gpu` CSV, in sections), and every few minutes the full
 * `nvidia-smi -q -x` through the same XML parser as the local node, for what the CSV lacks
 * (processes, MIG devices, throttle reasons on older drivers).
 *
 * Status follows the connection (unreachable, auth-failed, host-key-...) and the collection
 * (degraded when a source failed). A node whose nvidia-smi hangs is not asked again for a
 * while, so hung nvidia-smi processes do not pile up on it.
 */
import type { Duplex } from 'node:stream';
import type { Gpu } from '../../../shared/model/gpu';
import { statusSince, type HostKeyPrompt, type NodeState, type NodeStatus, type SshConnectionSpec, type SshNode } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import type { ExecPolicy } from '../hosts/exec-policy';
import type { Host } from '../hosts/host';
import type { HostKey } from '../hosts/ssh/known-hosts';
import { SshHost } from '../hosts/ssh/ssh-host';
import { Semaphore } from '../hosts/ssh/semaphore';
import { SshError, type SshConnection } from '../hosts/ssh/ssh-connection';
import type { SshPool, SshRoute } from '../hosts/ssh/ssh-pool';
import type { Logger } from '../log';
import { COLLECTOR_POLICY } from './command-specs';
import { NvidiaSmiXmlReader } from './gpu';
import { sharedNvidiaSmiXmlParser, type NvidiaSmiXmlParser } from './nvidia-smi-xml-parser';
import { mergeXmlProcessDetails } from './linux/gpu-processes';
import { LinuxNodeBuilder } from './linux/node-builder';
import { MINIMAL_SAMPLE_TOOLS, sampleArgv, STATIC_ARGV, type SampleTools } from './linux/scripts';
import { parseStaticFacts } from './linux/static-facts';
import { snapshotProblem, type HostKeyGated, type NodeCollector, type Reconnecting, type Relabelling } from './node-collector';

export interface SshNodeOptions {
  nvidiaSmiTimeoutMs: number;
  /** How long one tick's sample may take before its sources are cut off. */
  sampleTimeoutMs?: number;
  /** Full `nvidia-smi -q -x` every this many ms (the CSV covers the rest). */
  fullGpuEveryMs?: number;
  /** Where `nvidia-smi -q -x` is parsed (default: the process's shared worker thread). */
  xmlParser?: NvidiaSmiXmlParser;
  /** What the node's Host may run and read (default: the collectors' own declarations). */
  execPolicy?: ExecPolicy;
  /**
   * Reads the node's exporters (node.exporters) each tick for the parts they cover:
   * sources/node-exporters.ts, given by the engine (sources sit above collectors). Left out,
   * exporters are not read and the commands give everything.
   */
  exporters?: ExporterOverlayFactory;
  log: Logger;
}

/** A node's exporters as its collector uses them. */
export interface ExporterOverlay {
  /** The exporters give the GPUs: nvidia-smi is not run on the node. */
  readonly coversGpus: boolean;
  /** Scrapes them all; the answer lays their parts over the commands' snapshot. Never rejects. */
  read(collectedAt: number): Promise<(snapshot: NodeSnapshot) => void>;
}

/** The node's own SSH connection, for exporters read through it (direct-tcpip to its loopback). */
export interface ForwardingChannel {
  readonly label: string;
  forward(host: string, port: number): Promise<Duplex>;
}

export type ExporterOverlayFactory = (node: SshNode, connection: ForwardingChannel, timeoutMs: number) => ExporterOverlay | null;

const FACTS_REFRESH_MS = 3_600_000;
/**
 * Nodes reading their every-few-minutes XML at once, process-wide; the others read it on a later
 * tick. One parser thread takes them one by one: 500 nodes asking on the same tick kept 300+
 * documents (110 MB) waiting for it, most of the engine's peak memory.
 */
export const MAX_XML_DETAIL_READS = 16;
const xmlDetailReads = new Semaphore(MAX_XML_DETAIL_READS);
const GPU_PAUSE_AFTER_TIMEOUT_MS = 60_000;
/** A real sample is 20-200 KB; more is a flood, cut here before the engine parses it. */
const MAX_SAMPLE_BYTES = 2 * 1024 * 1024;

function routeOf(node: Pick<SshNode, 'host' | 'port' | 'user' | 'identityFiles' | 'useAgent'>): SshRoute {
  return { endpoint: { host: node.host, port: node.port, user: node.user }, identityFiles: node.identityFiles, useAgent: node.useAgent };
}

/** Fields only the XML has, laid over the CSV's GPUs (matched by UUID). */
function mergeXmlDetails(gpus: Gpu[], xml: Gpu[]): Gpu[] {
  const byUuid = new Map(xml.filter((g) => g.uuid).map((g) => [g.uuid!, g]));
  return gpus.map((gpu) => {
    const detail = gpu.uuid ? byUuid.get(gpu.uuid) : undefined;
    if (!detail) return gpu;
    return {
      ...gpu,
      cudaVersion: gpu.cudaVersion ?? detail.cudaVersion,
      minorNumber: gpu.minorNumber ?? detail.minorNumber,
      // The per-tick processes (with the XML's MIG ids), else the XML's; its MIG devices.
      ...mergeXmlProcessDetails(gpu, detail),
      migDeviceCount: detail.migDeviceCount ?? gpu.migDeviceCount,
      migModeCurrent: gpu.migModeCurrent ?? detail.migModeCurrent,
      remappedRows: gpu.remappedRows ?? detail.remappedRows,
      retiredPages: gpu.retiredPages ?? detail.retiredPages,
      clockEventReasonsActive: gpu.clockEventReasonsActive ?? detail.clockEventReasonsActive,
    };
  });
}

export class SshNodeCollector implements NodeCollector, Reconnecting, HostKeyGated, Relabelling {
  readonly nodeId: string;
  private readonly connection: SshConnection;
  /** The node's connection as a Host, for features other than collection (hosts/registry.ts). */
  readonly host: Host;
  private builder: LinuxNodeBuilder | null = null;
  private factsAt = 0;
  /** The connection the facts were read on: a new one reads them (and probes the tools) again. */
  private factsConnection = 0;
  /** Which per-tick script variant the node's df and timeout allow (probed with the facts). */
  private sampleTools: SampleTools = MINIMAL_SAMPLE_TOOLS;
  private gpuPausedUntil = 0;
  private lastFullGpuAt = 0;
  /** The CSV query does not work on this node (old or odd nvidia-smi): every tick reads the XML. */
  private xmlOnly = false;
  private xmlGpus: Gpu[] = [];
  private readonly xmlReader: NvidiaSmiXmlReader;
  private cudaVersion: string | null = null;
  private labels: string[];
  private current: NodeState;
  /** The node's exporters (node.exporters), scraped each tick for the parts they cover. */
  private readonly exporters: ExporterOverlay | null;

  constructor(
    private readonly node: SshNode,
    private readonly pool: SshPool,
    private readonly options: SshNodeOptions,
  ) {
    this.nodeId = node.id;
    this.labels = [...node.labels];
    this.connection = pool.connection(routeOf(node), this.jumps());
    this.host = new SshHost(node.id, this.connection, options.execPolicy ?? COLLECTOR_POLICY);
    this.xmlReader = new NvidiaSmiXmlReader(this.host, options.nvidiaSmiTimeoutMs, options.xmlParser ?? sharedNvidiaSmiXmlParser());
    this.exporters = options.exporters?.(node, this.connection, this.sampleTimeoutMs()) ?? null;
    this.current = this.stateWith('connecting', null, null);
  }

  private jumps(): SshRoute[] {
    return this.node.proxyJump.map((hop) => routeOf({ ...hop, useAgent: this.node.useAgent }));
  }

  private stateWith(status: NodeStatus, lastError: string | null, since: number | null): NodeState {
    const problem = this.connection?.problem;
    const hostKey: HostKeyPrompt | null =
      problem?.presentedKey && (status === 'host-key-unknown' || status === 'host-key-mismatch')
        ? {
            nodeId: this.nodeId,
            // A bastion's key keeps the node from connecting too: the prompt names the bastion.
            host: problem.keyEndpoint?.host ?? this.connection.endpoint.host,
            port: problem.keyEndpoint?.port ?? this.connection.endpoint.port,
            keyType: problem.presentedKey.type,
            fingerprint: problem.presentedKey.fingerprint,
            knownFingerprints: problem.knownFingerprints ?? [],
          }
        : null;
    return {
      id: this.nodeId,
      kind: 'ssh',
      status,
      since,
      lastError,
      address: `${this.node.user}@${this.node.host}:${this.node.port}${this.node.proxyJump.length ? ` via ${this.node.proxyJump.map((h) => h.host).join(' > ')}` : ''}`,
      labels: this.labels,
      missing: this.builder
        ? Object.entries(this.builder.currentCapabilities().sources)
            .filter(([, present]) => !present)
            .map(([name]) => name)
        : [],
      hostKey,
      passphraseFor: status === 'auth-failed' ? (problem?.keyPath ?? null) : null,
      ssh: this.connectionSpec(),
    };
  }

  /** How the node is reached, for the Edit dialog. */
  private connectionSpec(): SshConnectionSpec {
    const { id: _id, labels: _labels, ...spec } = this.node;
    return spec;
  }

  private setState(status: NodeStatus, lastError: string | null, at: number): void {
    this.current = this.stateWith(status, lastError, statusSince(this.current, status, at));
  }

  state(): NodeState {
    return this.current;
  }

  setLabels(labels: string[]): void {
    this.labels = [...labels];
    this.current = { ...this.current, labels: this.labels };
  }

  /** The host key prompt of a node waiting for the user's decision, if any. */
  hostKeyPrompt(): HostKeyPrompt | null {
    return this.current.hostKey;
  }

  presentedKey(): HostKey | null {
    const key = this.connection.problem?.presentedKey;
    return key ? { type: key.type, blob: Buffer.from(key.blob, 'base64') } : null;
  }

  /** Connect on the next tick instead of after the back-off. */
  retryNow(): void {
    this.connection.resetBackoff();
    this.current = this.stateWith('connecting', this.current.lastError, this.current.since);
  }

  async prime(): Promise<void> {
    // Connecting and a first counter reading, so the first tick has rates.
    const builder = await this.ensureFacts(Date.now());
    const [run] = await Promise.all([
      this.host.exec('sh', sampleArgv(this.exporters?.coversGpus ? 'none' : builder.gpuProfile, this.sampleTools).slice(1), {
        timeoutMs: this.sampleTimeoutMs(),
        maxOutputBytes: MAX_SAMPLE_BYTES,
      }),
      this.exporters?.read(Date.now()),
    ]);
    builder.build(run, Date.now());
  }

  private sampleTimeoutMs(): number {
    return this.options.sampleTimeoutMs ?? Math.max(2000, this.options.nvidiaSmiTimeoutMs);
  }

  private async ensureFacts(now: number): Promise<LinuxNodeBuilder> {
    await this.connection.ready();
    const connection = this.connection.connects;
    if (this.builder && now - this.factsAt < FACTS_REFRESH_MS && connection === this.factsConnection) return this.builder;
    const run = await this.host.exec('sh', STATIC_ARGV.slice(1), { timeoutMs: 15_000, maxOutputBytes: 2 * 1024 * 1024 });
    if (run.timedOut || (run.exitCode !== 0 && run.stdout === '')) {
      throw new Error(`the facts script did not complete (${run.timedOut ? 'timed out' : `exit ${run.exitCode}`}): ${run.stderr.trim().slice(0, 200)}`);
    }
    const facts = parseStaticFacts(run.stdout);
    for (const warning of facts.warnings) this.options.log.warn(`${this.nodeId}: ${warning}`);
    // Refreshed facts go to the same builder: a new one would drop the counters rates need.
    if (this.builder) this.builder.setFacts(facts);
    else this.builder = new LinuxNodeBuilder(this.nodeId, facts);
    this.sampleTools = facts.sampleTools;
    this.factsAt = now;
    this.factsConnection = connection;
    this.xmlOnly = false;
    return this.builder;
  }

  async collect(collectedAt: number): Promise<NodeSnapshot | null> {
    const now = Date.now();
    try {
      const builder = await this.ensureFacts(now);
      // While nvidia-smi hangs on this node, ask only for the rest; a dcgm-exporter replaces it.
      const gpuPaused = now < this.gpuPausedUntil;
      const fromDcgm = this.exporters?.coversGpus ?? false;
      const skipCsv = gpuPaused || this.xmlOnly || fromDcgm;
      const argv = sampleArgv(skipCsv ? 'none' : builder.gpuProfile, this.sampleTools);
      const [run, overlay] = await Promise.all([
        this.host.exec('sh', argv.slice(1), { timeoutMs: this.sampleTimeoutMs(), maxOutputBytes: MAX_SAMPLE_BYTES }),
        this.exporters?.read(collectedAt),
      ]);
      const { snapshot } = skipCsv ? builder.build(run, collectedAt, 'none') : builder.build(run, collectedAt);
      overlay?.(snapshot);
      // A dcgm-exporter's GPUs are the node's: no nvidia-smi, CSV or XML, on it.
      if (!fromDcgm) await this.finishNvidiaSmiGpus(snapshot, gpuPaused, now);
      const problem = snapshotProblem(snapshot);
      this.setState(problem ? 'degraded' : 'up', problem, collectedAt);
      return snapshot;
    } catch (error) {
      if (error instanceof SshError) {
        this.setState(error.problem.state, error.problem.message, error.problem.since);
      } else {
        this.setState('degraded', (error as Error).message, collectedAt);
      }
      return null;
    }
  }

  /** The GPU part after the CSV: paused while nvidia-smi hangs, the XML where the CSV failed, the XML's extra fields. */
  private async finishNvidiaSmiGpus(snapshot: NodeSnapshot, gpuPaused: boolean, now: number): Promise<void> {
    if (snapshot.gpuStatus.state === 'timeout') this.gpuPausedUntil = now + GPU_PAUSE_AFTER_TIMEOUT_MS;
    if (gpuPaused) {
      snapshot.gpuStatus = {
        state: 'timeout',
        message: 'nvidia-smi hung on this node; it is asked again in a minute',
        driverVersion: null,
        cudaVersion: null,
      };
    } else if (this.xmlOnly || ['failed', 'invalid-output'].includes(snapshot.gpuStatus.state)) {
      await this.useXmlGpus(snapshot);
    }
    await this.addFullGpuDetails(snapshot, now);
  }

  /**
   * The GPU part from `nvidia-smi -q -x` when the CSV query failed: the node then stays on the
   * XML until its facts are read again (hourly), when the CSV is tried anew.
   */
  private async useXmlGpus(snapshot: NodeSnapshot): Promise<void> {
    const full = await this.xmlReader.read();
    if (full.status.state === 'timeout') this.gpuPausedUntil = Date.now() + GPU_PAUSE_AFTER_TIMEOUT_MS;
    // Always the XML's answer: on a node read through the XML, the sample ran without nvidia-smi
    // and its "not installed" says nothing about the GPUs.
    snapshot.gpuStatus = full.status;
    snapshot.gpus = full.gpus;
    if (full.status.state === 'ok') {
      this.xmlOnly = true;
      this.xmlGpus = full.gpus;
      this.lastFullGpuAt = Date.now();
    }
  }

  /** Every few minutes: the XML's extra fields (and CUDA version) for GPUs the CSV listed. */
  private async addFullGpuDetails(snapshot: NodeSnapshot, now: number): Promise<void> {
    if (snapshot.gpuStatus.state !== 'ok') return;
    const release = now - this.lastFullGpuAt >= (this.options.fullGpuEveryMs ?? 300_000) ? xmlDetailReads.tryAcquire() : null;
    if (release) {
      try {
        this.lastFullGpuAt = now;
        const full = await this.xmlReader.read();
        if (full.status.state === 'ok') {
          this.xmlGpus = full.gpus;
          this.cudaVersion = full.status.cudaVersion;
        }
      } finally {
        release();
      }
    }
    snapshot.gpus = mergeXmlDetails(snapshot.gpus, this.xmlGpus);
    if (snapshot.gpuStatus.cudaVersion === null) snapshot.gpuStatus = { ...snapshot.gpuStatus, cudaVersion: this.cudaVersion };
  }

  close(): void {
    // The pool closes the connection unless another node shares it (a bastion).
    this.pool.release(routeOf(this.node), this.jumps());
  }
}
