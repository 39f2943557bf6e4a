import type { HostKeyPrompt, NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import type { HostKey } from '../hosts/ssh/known-hosts';

/** One node's collection: the engine runs collect() once per tick for each node. */
export interface NodeCollector {
  readonly nodeId: string;
  /** Takes the first reading of counters (CPU time, network bytes) that rates are computed from. */
  prime(): Promise<void>;
  /** The node's snapshot at this tick, or null when the node could not be read (see state()). */
  collect(collectedAt: number): Promise<NodeSnapshot | null>;
  /** Status, last error and since when; updated by collect(). */
  state(): NodeState;
  /** Releases connections. */
  close(): void;
}

/**
 * What some collectors can do besides collecting, asked for by capability rather than by class:
 * a Prometheus-discovered node, say, has no connection to retry and no host key.
 */
export interface Reconnecting {
  /** Connect on the next tick instead of after the back-off. */
  retryNow(): void;
}

export interface HostKeyGated {
  /** The host key decision the node waits for, if any. */
  hostKeyPrompt(): HostKeyPrompt | null;
  /** The key its connection last met. */
  presentedKey(): HostKey | null;
}

export interface Relabelling {
  setLabels(labels: string[]): void;
}

export function canReconnect(collector: NodeCollector | undefined): collector is NodeCollector & Reconnecting {
  return typeof (collector as Partial<Reconnecting> | undefined)?.retryNow === 'function';
}

export function hasHostKey(collector: NodeCollector | undefined): collector is NodeCollector & HostKeyGated {
  const candidate = collector as Partial<HostKeyGated> | undefined;
  return typeof candidate?.hostKeyPrompt === 'function' && typeof candidate.presentedKey === 'function';
}

export function canRelabel(collector: NodeCollector | undefined): collector is NodeCollector & Relabelling {
  return typeof (collector as Partial<Relabelling> | undefined)?.setLabels === 'function';
}

/**
 * Why a node that answered is degraded: a collector failed, or its GPUs cannot be read (driver
 * not loaded, NVML mismatch, a hung nvidia-smi...). Null when all is well; no GPU is not a problem.
 */
export function snapshotProblem(snapshot: NodeSnapshot): string | null {
  const failed = snapshot.errors[0];
  if (failed) return `${failed.collector}: ${failed.message}`;
  const gpu = snapshot.gpuStatus;
  return gpu.state === 'ok' || gpu.state === 'no-gpu' ? null : `GPU: ${gpu.message}`;
}
