import type { GpuStatus, GpuStatusState } from '../../../shared/model/gpu';

export type Tone = 'ok' | 'neutral' | 'warn' | 'error';

const STATE_LABELS: Record<GpuStatusState, string> = {
  ok: 'GPUs OK',
  'no-gpu': 'No GPU',
  'driver-not-loaded': 'Driver not loaded',
  'no-devices': 'No devices found',
  'version-mismatch': 'Driver/library mismatch',
  'nvml-error': 'NVML error',
  timeout: 'nvidia-smi timed out',
  'invalid-output': 'Unreadable nvidia-smi output',
  failed: 'nvidia-smi failed',
};

/** 'no-gpu' is a fact about the node, not a fault; a timeout may clear on its own, the rest need an admin. */
export function gpuStatusTone(state: GpuStatusState): Tone {
  if (state === 'ok') return 'ok';
  if (state === 'no-gpu') return 'neutral';
  if (state === 'timeout') return 'warn';
  return 'error';
}

export function gpuStatusLabel(state: GpuStatusState): string {
  return STATE_LABELS[state];
}

export function GpuStatusBadge({ status }: { status: GpuStatus | null }) {
  if (!status) {
    return (
      <div className="gpu-status" data-testid="gpu-status" data-state="unknown">
        <span className="pill pill--neutral">GPU status unknown</span>
      </div>
    );
  }
  const tone = gpuStatusTone(status.state);
  return (
    <div className="gpu-status" data-testid="gpu-status" data-state={status.state} role={tone === 'error' ? 'alert' : undefined}>
      <span className={`pill pill--${tone}`}>{gpuStatusLabel(status.state)}</span>
      <span className={`gpu-status__message gpu-status__message--${tone}`}>{status.message}</span>
    </div>
  );
}
