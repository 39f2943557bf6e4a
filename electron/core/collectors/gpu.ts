/**
 * NVIDIA GPUs of one node: runs `nvidia-smi -q -x` on the node's Host and turns what came back
 * into a status plus the GPU model. Nothing here throws: every failure is a status.
 */
import type { Gpu, GpuStatus } from '../../../shared/model/gpu';
import type { ExecResult, Host } from '../hosts/host';
import { NVIDIA_SMI_XML_LIMITS, parseNvidiaSmiXml, type NvidiaSmiReport } from './nvidia-smi-xml';
import type { NvidiaSmiXmlParser } from './nvidia-smi-xml-parser';

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
  timeout: (timeoutMs: number) =>
    `nvidia-smi did not answer within ${Math.round(timeoutMs / 1000)} s; a GPU may have fallen off the bus or the driver is hung.`,
  unreadable: (why: string) => `nvidia-smi output could not be read: ${why}`,
  count: (n: number) => `${n} GPU${n === 1 ? '' : 's'}`,
};

/** What a failed run came to, or null when its output is a document to parse. */
function failedRun(result: ExecResult, timeoutMs: number): GpuCollection | null {
  if (result.notFound) return { status: gpuStatus('no-gpu', GPU_MESSAGES.notInstalled), gpus: [] };
  if (result.timedOut) return { status: gpuStatus('timeout', GPU_MESSAGES.timeout(timeoutMs)), gpus: [] };
  // A run cut at the output cap (and killed for it) is that, whatever its exit status.
  if (result.truncated) return { status: gpuStatus('invalid-output', 'nvidia-smi output exceeded the size cap and was cut off.'), gpus: [] };
  if (result.exitCode !== 0) {
    const output = scannedOutput(result);
    for (const known of KNOWN_FAILURES) {
      if (known.pattern.test(output)) return { status: gpuStatus(known.state, known.message(output)), gpus: [] };
    }
    const detail = firstLine(output) || 'no output';
    return { status: gpuStatus('failed', `nvidia-smi failed (exit ${result.exitCode ?? 'killed'}): ${detail}`), gpus: [] };
  }
  return null;
}

function scannedOutput(result: ExecResult): string {
  return `${result.stdout.slice(0, MESSAGE_SCAN_CHARS)}\n${result.stderr.slice(0, MESSAGE_SCAN_CHARS)}`;
}

function fromReport(report: NvidiaSmiReport): GpuCollection {
  const { driverVersion, cudaVersion } = report;
  if (report.gpus.length === 0) return { status: gpuStatus('no-devices', 'nvidia-smi reported no GPUs.', driverVersion, cudaVersion), gpus: [] };
  return { status: gpuStatus('ok', GPU_MESSAGES.count(report.gpus.length), driverVersion, cudaVersion), gpus: report.gpus };
}

function fromUnreadable(result: ExecResult, error: unknown): GpuCollection {
  // Exit 0 with a known failure text still counts as that failure (some builds exit 0).
  const output = scannedOutput(result);
  for (const known of KNOWN_FAILURES) {
    if (known.pattern.test(output)) return { status: gpuStatus(known.state, known.message(output)), gpus: [] };
  }
  return { status: gpuStatus('invalid-output', GPU_MESSAGES.unreadable((error as Error).message)), gpus: [] };
}

/** Pure: what one run of `nvidia-smi -q -x` came to, parsed on the calling thread. */
export function interpretNvidiaSmi(result: ExecResult, timeoutMs: number): GpuCollection {
  const failed = failedRun(result, timeoutMs);
  if (failed) return failed;
  try {
    return fromReport(parseNvidiaSmiXml(result.stdout));
  } catch (error) {
    return fromUnreadable(result, error);
  }
}

/** The same, with the document parsed by `parser` (a worker thread in the app). */
export async function interpretNvidiaSmiWith(parser: NvidiaSmiXmlParser, result: ExecResult, timeoutMs: number): Promise<GpuCollection> {
  const failed = failedRun(result, timeoutMs);
  if (failed) return failed;
  try {
    return fromReport(await parser.parse(result.stdout));
  } catch (error) {
    return fromUnreadable(result, error);
  }
}

/**
 * `nvidia-smi -q -x` of 8 GPUs is about 380 KB (a real capture: 376,924 bytes); the cap is the
 * parser's own bound (NVIDIA_SMI_XML_LIMITS), so more is never read off a node.
 */
export const NVIDIA_SMI_XML_MAX_BYTES = NVIDIA_SMI_XML_LIMITS.maxChars;

export async function collectGpus(host: Host, timeoutMs: number, parser: NvidiaSmiXmlParser): Promise<GpuCollection> {
  const result = await host.exec('nvidia-smi', ['-q', '-x'], { timeoutMs, maxOutputBytes: NVIDIA_SMI_XML_MAX_BYTES });
  return interpretNvidiaSmiWith(parser, result, timeoutMs);
}

/** After unreadable XML, the node's XML is not read again for this long, doubling to the cap. */
export const XML_BACKOFF_FIRST_MS = 60_000;
export const XML_BACKOFF_MAX_MS = 30 * 60_000;

/**
 * One node's `nvidia-smi -q -x` reads, with back-off: a node whose output is not readable XML
 * (broken, hostile, over a bound) is asked again after a minute, then two, ... up to 30, not
 * every tick; meanwhile the last verdict stands, saying when it is asked again.
 */
export class NvidiaSmiXmlReader {
  private pausedUntil = 0;
  private backoffMs = 0;
  private lastUnreadable: GpuCollection | null = null;

  constructor(
    private readonly host: Host,
    private readonly timeoutMs: number,
    private readonly parser: NvidiaSmiXmlParser,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while an earlier unreadable answer keeps this node from being asked. */
  backingOff(): boolean {
    return this.now() < this.pausedUntil;
  }

  async read(): Promise<GpuCollection> {
    const now = this.now();
    if (now < this.pausedUntil && this.lastUnreadable) {
      const seconds = Math.ceil((this.pausedUntil - now) / 1000);
      const { status } = this.lastUnreadable;
      return { status: { ...status, message: `${status.message} (asked again in ${seconds} s)` }, gpus: [] };
    }
    const collection = await collectGpus(this.host, this.timeoutMs, this.parser);
    if (collection.status.state === 'invalid-output') {
      this.backoffMs = Math.min(XML_BACKOFF_MAX_MS, this.backoffMs === 0 ? XML_BACKOFF_FIRST_MS : this.backoffMs * 2);
      this.pausedUntil = this.now() + this.backoffMs;
      this.lastUnreadable = collection;
    } else {
      this.backoffMs = 0;
      this.pausedUntil = 0;
      this.lastUnreadable = null;
    }
    return collection;
  }
}
