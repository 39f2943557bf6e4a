/**
 * NVIDIA GPUs of one node: runs `nvidia-smi -q -x` on the node's Host and turns what came back
 * into a status plus the GPU model. Nothing here throws: every failure is a status.
 */
import type { Gpu, GpuStatus } from '../../../shared/model/gpu';
import type { ExecResult, Host } from '../hosts/host';
import { parseNvidiaSmiXml } from './nvidia-smi-xml';

export interface GpuCollection {
  status: GpuStatus;
  gpus: Gpu[];
}

/** Known failure texts of nvidia-smi/NVML, checked in order against stdout + stderr. */
const KNOWN_FAILURES: Array<{ pattern: RegExp; state: GpuStatus['state']; message: (output: string) => string }> = [
  {
    pattern: /couldn't communicate with the NVIDIA driver/i,
    state: 'driver-not-loaded',
    message: () => 'The NVIDIA driver is not loaded: nvidia-smi could not communicate with it.',
  },
  {
    pattern: /Driver\/library version mismatch/i,
    state: 'version-mismatch',
    message: (output) => {
      const library = /NVML library version:\s*([\w.]+)/i.exec(output)?.[1];
      return `NVML driver/library version mismatch${library ? ` (NVML library ${library})` : ''}: the loaded kernel module differs from the user-space driver; reboot or reload the nvidia module.`;
    },
  },
  {
    pattern: /No devices were found/i,
    state: 'no-devices',
    message: () => 'nvidia-smi found no GPUs: the driver is loaded but no device initialised (check the kernel log for RmInitAdapter or "fallen off the bus").',
  },
  {
    pattern: /Failed to initialize NVML/i,
    state: 'nvml-error',
    message: (output) => `NVML failed to initialise: ${firstLine(output).replace(/^Failed to initialize NVML:\s*/i, '')}.`,
  },
];

/** Error messages are short: look only at the start of what a failing run printed. */
const MESSAGE_SCAN_CHARS = 64 * 1024;

function firstLine(text: string): string {
  return (
    text
      .slice(0, MESSAGE_SCAN_CHARS)
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? ''
  ).slice(0, 300);
}

export function gpuStatus(state: GpuStatus['state'], message: string, driverVersion: string | null = null, cudaVersion: string | null = null): GpuStatus {
  return { state, message, driverVersion, cudaVersion };
}

/** The messages both GPU paths (this XML one and the per-tick CSV one) give. */
export const GPU_MESSAGES = {
  notInstalled: 'No NVIDIA GPU: nvidia-smi is not installed on this node.',
  timeout: (timeoutMs: number) => `nvidia-smi did not answer within ${Math.round(timeoutMs / 1000)} s; a GPU may have fallen off the bus or the driver is hung.`,
  unreadable: (why: string) => `nvidia-smi output could not be read: ${why}`,
  count: (n: number) => `${n} GPU${n === 1 ? '' : 's'}`,
};

/** Pure: what one run of `nvidia-smi -q -x` came to. */
export function interpretNvidiaSmi(result: ExecResult, timeoutMs: number): GpuCollection {
  if (result.notFound) return { status: gpuStatus('no-gpu', GPU_MESSAGES.notInstalled), gpus: [] };
  if (result.timedOut) return { status: gpuStatus('timeout', GPU_MESSAGES.timeout(timeoutMs)), gpus: [] };
  // A run cut at the output cap (and killed for it) is that, whatever its exit status.
  if (result.truncated) return { status: gpuStatus('invalid-output', 'nvidia-smi output exceeded the size cap and was cut off.'), gpus: [] };
  const output = `${result.stdout.slice(0, MESSAGE_SCAN_CHARS)}\n${result.stderr.slice(0, MESSAGE_SCAN_CHARS)}`;
  if (result.exitCode !== 0) {
    for (const known of KNOWN_FAILURES) {
      if (known.pattern.test(output)) return { status: gpuStatus(known.state, known.message(output)), gpus: [] };
    }
    const detail = firstLine(output) || 'no output';
    return { status: gpuStatus('failed', `nvidia-smi failed (exit ${result.exitCode ?? 'killed'}): ${detail}`), gpus: [] };
  }
  try {
    const report = parseNvidiaSmiXml(result.stdout);
    const { driverVersion, cudaVersion } = report;
    if (report.gpus.length === 0) return { status: gpuStatus('no-devices', 'nvidia-smi reported no GPUs.', driverVersion, cudaVersion), gpus: [] };
    const n = report.gpus.length;
    return { status: gpuStatus('ok', GPU_MESSAGES.count(n), driverVersion, cudaVersion), gpus: report.gpus };
  } catch (error) {
    // Exit 0 with a known failure text still counts as that failure (some builds exit 0).
    for (const known of KNOWN_FAILURES) {
      if (known.pattern.test(output)) return { status: gpuStatus(known.state, known.message(output)), gpus: [] };
    }
    return { status: gpuStatus('invalid-output', GPU_MESSAGES.unreadable((error as Error).message)), gpus: [] };
  }
}

/**
 * `nvidia-smi -q -x` of 8 GPUs is about 380 KB (a real capture: 376,924 bytes); 8 MiB leaves room
 * for large machines with many processes, and bounds what a runaway or hostile nvidia-smi costs.
 */
export const NVIDIA_SMI_XML_MAX_BYTES = 8 * 1024 * 1024;

export async function collectGpus(host: Host, timeoutMs: number): Promise<GpuCollection> {
  const result = await host.exec('nvidia-smi', ['-q', '-x'], { timeoutMs, maxOutputBytes: NVIDIA_SMI_XML_MAX_BYTES });
  return interpretNvidiaSmi(result, timeoutMs);
}
