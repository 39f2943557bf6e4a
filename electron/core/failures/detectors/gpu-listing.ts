/**
 * What every GPU detector needs to know about one node's GPU collection: whether it could look at
 * the GPUs at all, and the labels that name a GPU on a signal.
 */
import type { DetectorId, Signal } from '../../alerts/types';
import type { Gpu, GpuStatusState } from '../../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../../shared/model/node';
import { normalisePciId } from '../xid';

/**
 * Collections after which the per-GPU detectors looked: `ok` lists the GPUs, `no-gpu` says there
 * are none. Any other state (timeout, unreadable output, a driver failure) says nothing about each
 * GPU, so their alerts keep their state rather than resolve.
 */
const GPUS_SEEN: ReadonlySet<GpuStatusState> = new Set(['ok', 'no-gpu']);

export function gpusSeen(snapshot: NodeSnapshot | null): snapshot is NodeSnapshot {
  return snapshot !== null && GPUS_SEEN.has(snapshot.gpuStatus.state);
}

/** The GPU's PCI bus id in nvidia-smi's form (`00000000:9B:00.0`), or null. */
export function gpuPciId(gpu: Pick<Gpu, 'pciBusId'>): string | null {
  return gpu.pciBusId === null ? null : normalisePciId(gpu.pciBusId);
}

/** The labels that name a GPU on every GPU signal. */
export function gpuLabels(gpu: Pick<Gpu, 'index' | 'pciBusId' | 'productName'>): Record<string, string> {
  const labels: Record<string, string> = { gpu_index: String(gpu.index) };
  const pci = gpuPciId(gpu);
  if (pci !== null) labels.pci = pci;
  if (gpu.productName !== null) labels.gpu_name = gpu.productName;
  return labels;
}

/** "GPU 3 (NVIDIA H100 80GB HBM3, 00000000:9B:00.0)" for messages. */
export function gpuTitle(gpu: Pick<Gpu, 'index' | 'pciBusId' | 'productName'>): string {
  const parts = [gpu.productName, gpuPciId(gpu) ?? gpu.pciBusId].filter((p): p is string => p !== null);
  return parts.length === 0 ? `GPU ${gpu.index}` : `GPU ${gpu.index} (${parts.join(', ')})`;
}

/** What a detector returns for one node: its signals and the detectors that looked. */
export interface DetectorResult {
  signals: Signal[];
  evaluated: readonly DetectorId[];
}
