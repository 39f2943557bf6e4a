import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';

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
 * Why a node that answered is degraded: a collector failed, or its GPUs cannot be read (driver
 * not loaded, NVML mismatch, a hung nvidia-smi...). Null when all is well; no GPU is not a problem.
 */
export function snapshotProblem(snapshot: NodeSnapshot): string | null {
  const failed = snapshot.errors[0];
  if (failed) return `${failed.collector}: ${failed.message}`;
  const gpu = snapshot.gpuStatus;
  return gpu.state === 'ok' || gpu.state === 'no-gpu' ? null : `GPU: ${gpu.message}`;
}
