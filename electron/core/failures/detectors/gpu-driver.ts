/**
 * gpu-driver-error: nvidia-smi ran but the driver or NVML failed (not loaded, no devices, a
 * driver/library version mismatch, NVML could not start). One condition per node, with the
 * collector's own message as the text.
 */
import type { Signal } from '../../alerts/types';
import type { GpuStatusState } from '../../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../../shared/model/node';
import type { DetectorResult } from './gpu-listing';

const DRIVER_FAILURES: ReadonlySet<GpuStatusState> = new Set(['driver-not-loaded', 'no-devices', 'version-mismatch', 'nvml-error']);
/** Where nvidia-smi answered something we can judge: a failure above, or a working listing. */
const JUDGED: ReadonlySet<GpuStatusState> = new Set([...DRIVER_FAILURES, 'ok', 'no-gpu']);

export function detectGpuDriver(nodeId: string, atMs: number, snapshot: NodeSnapshot | null): DetectorResult {
  // A timeout or unreadable output says nothing about the driver: the alert keeps its state.
  if (snapshot === null || !JUDGED.has(snapshot.gpuStatus.state)) return { signals: [], evaluated: [] };
  const { state, message, driverVersion } = snapshot.gpuStatus;
  if (!DRIVER_FAILURES.has(state)) return { signals: [], evaluated: ['gpu-driver-error'] };
  const labels: Record<string, string> = { state };
  if (driverVersion !== null) labels.driver_version = driverVersion;
  const signal: Signal = {
    detector: 'gpu-driver-error',
    nodeId,
    subject: '',
    gpu: null,
    atMs,
    value: null,
    text: message,
    severity: 'critical',
    labels,
  };
  return { signals: [signal], evaluated: ['gpu-driver-error'] };
}
