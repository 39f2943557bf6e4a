/**
 * The local machine as a node: systeminformation for CPU, memory, disks, network and OS, and
 * the Host's nvidia-smi for GPUs. Each collector may fail alone; the snapshot records which.
 */
import { hostname } from 'node:os';
import type { CollectorError, NodeSnapshot, OsInfo } from '../../../shared/model/node';
import { statusSince, type NodeState } from '../../../shared/model/inventory';
import type { Host } from '../hosts/host';
import { NvidiaSmiXmlReader } from './gpu';
import { sharedNvidiaSmiXmlParser, type NvidiaSmiXmlParser } from './nvidia-smi-xml-parser';
import { collectCpu } from './local/cpu';
import { withLocalProcFacts } from './local/gpu-process-facts';
import { LocalDiskIo } from './local/disk-io';
import { collectFilesystems } from './local/filesystems';
import { collectMemory } from './local/memory';
import { collectNetwork } from './local/network';
import { collectOsInfo } from './local/os-info';
import { snapshotProblem, type NodeCollector } from './node-collector';

export type { NodeCollector };

const UNKNOWN_OS: OsInfo = { platform: process.platform, distro: null, release: null, kernel: null, arch: process.arch };

export class LocalNodeCollector implements NodeCollector {
  readonly nodeId: string;
  constructor(
    /** This machine as a Host, for features other than collection (hosts/registry.ts). */
    readonly host: Host,
    options: { nvidiaSmiTimeoutMs: number; xmlParser?: NvidiaSmiXmlParser },
  ) {
    this.nodeId = host.id;
    this.gpus = new NvidiaSmiXmlReader(host, options.nvidiaSmiTimeoutMs, options.xmlParser ?? sharedNvidiaSmiXmlParser());
    this.diskIo = new LocalDiskIo(host);
    this.current = {
      id: this.nodeId,
      kind: 'local',
      status: 'up',
      since: null,
      lastError: null,
      address: null,
      labels: [],
      missing: [],
      hostKey: null,
      passphraseFor: null,
    };
  }

  private current: NodeState;

  state(): NodeState {
    return this.current;
  }

  close(): void {}

  private readonly diskIo: LocalDiskIo;
  private readonly gpus: NvidiaSmiXmlReader;

  async prime(): Promise<void> {
    await Promise.allSettled([collectCpu(), collectNetwork(), this.diskIo.collect()]);
  }

  async collect(collectedAt: number): Promise<NodeSnapshot> {
    const errors: CollectorError[] = [];
    const settle = async <T>(collector: string, run: () => Promise<T>, fallback: T): Promise<T> => {
      try {
        return await run();
      } catch (error) {
        errors.push({ collector, message: error instanceof Error ? error.message : String(error) });
        return fallback;
      }
    };
    const [os, cpu, memory, filesystems, network, diskIo, gpu] = await Promise.all([
      settle('os', collectOsInfo, UNKNOWN_OS),
      settle('cpu', collectCpu, null),
      settle('memory', collectMemory, null),
      settle('filesystems', collectFilesystems, []),
      settle('network', collectNetwork, []),
      settle('disk-io', () => this.diskIo.collect(), []),
      this.gpus.read(),
    ]);
    // Who runs each GPU process, from this machine's /proc (null where it cannot be read).
    const gpus = await settle('gpu-processes', () => withLocalProcFacts(gpu.gpus, collectedAt), gpu.gpus);
    const snapshot: NodeSnapshot = {
      id: this.nodeId,
      hostname: hostname(),
      collectedAt,
      os,
      cpu,
      memory,
      filesystems,
      network,
      diskIo,
      gpuStatus: gpu.status,
      gpus,
      errors: errors.sort((a, b) => a.collector.localeCompare(b.collector)),
    };
    const problem = snapshotProblem(snapshot);
    const status = problem ? 'degraded' : 'up';
    this.current = { ...this.current, status, since: statusSince(this.current, status, collectedAt), lastError: problem };
    return snapshot;
  }
}
