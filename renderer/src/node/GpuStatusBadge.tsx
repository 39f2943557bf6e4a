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

/**
 * The GPUs' state. `lastSeen` (e.g. "last seen 40 s ago") marks a state that is not current: it
 * is then drawn grey whatever it was, with its age, since a dead node's last "OK" means nothing now.
 */
export function GpuStatusBadge({ status, lastSeen = null }: { status: GpuStatus | null; lastSeen?: string | null }) {
  if (!status) {
    return (
      <div className="gpu-status" data-testid="gpu-status" data-state="unknown">
        <span className="pill pill--neutral">GPU status unknown</span>
      </div>
    );
  }
  if (lastSeen !== null) {
    return (
      <div className="gpu-status" data-testid="gpu-status" data-state={status.state} data-stale="true">
        <span className="pill pill--stale">{gpuStatusLabel(status.state)}</span>
        <span className="gpu-status__message gpu-status__message--stale">
          Not current, {lastSeen}: {status.message}
        </span>
      </div>
    );
  }
  const tone = gpuStatusTone(status.state);
  return (
    <div className="gpu-status" data-testid="gpu-status" data-state={status.state} data-stale="false" role={tone === 'error' ? 'alert' : undefined}>
      <span className={`pill pill--${tone}`}>{gpuStatusLabel(status.state)}</span>
      <span className={`gpu-status__message gpu-status__message--${tone}`}>{status.message}</span>
    </div>
  );
}
