import { z } from 'zod';
import { NODE_LIMITS } from './limits';

/** Text a node reports about a GPU, bounded (the node is not trusted). */
const gpuText = () => z.string().max(NODE_LIMITS.text);

/** Corrected/uncorrected ECC error counts for one side (volatile or aggregate). */
export const EccCountsSchema = z.object({
  corrected: z.number().nullable(),
  uncorrected: z.number().nullable(),
});

/** ECC error counters: since the last driver load (volatile) and over the GPU's life (aggregate). */
export const EccErrorsSchema = z.object({
  volatile: EccCountsSchema.nullable(),
  aggregate: EccCountsSchema.nullable(),
});

/** Page retirement (pre-Ampere): pages retired for single/double bit errors and a pending flag. */
export const RetiredPagesSchema = z.object({
  singleBit: z.number().nullable(),
  doubleBit: z.number().nullable(),
  pending: gpuText().nullable(),
});

/** Row remapping (Ampere and later). */
export const RemappedRowsSchema = z.object({
  correctable: z.number().nullable(),
  uncorrectable: z.number().nullable(),
  pending: gpuText().nullable(),
  failure: gpuText().nullable(),
});

/**
 * A process using a GPU: nvidia-smi's compute apps (and the XML's processes), with its owner and
 * command line read from /proc over the same connection. Null where the driver or /proc did not
 * say (a process of another user without permission, a container's PID namespace).
 */
export const GpuProcessSchema = z.object({
  pid: z.number().int().nonnegative(),
  /** C (compute), G (graphics), C+G, or null when not reported. */
  type: gpuText().nullable(),
  /** The process name as nvidia-smi gives it (often the executable path). */
  name: gpuText().nullable(),
  /** The full command line from /proc/PID/cmdline, arguments joined by spaces, bounded. */
  command: gpuText().nullable(),
  user: gpuText().nullable(),
  usedMemoryMib: z.number().nullable(),
  /** When the process started (from /proc/PID/stat and the node's boot time), epoch ms. */
  startedAtMs: z.number().nullable(),
  /** The MIG GPU instance it runs in, when MIG is on. */
  gpuInstanceId: z.number().int().nullable(),
  computeInstanceId: z.number().int().nullable(),
});
export type GpuProcess = z.infer<typeof GpuProcessSchema>;

/** A MIG device of a GPU (nvidia-smi -q -x mig_devices). */
export const MigDeviceSchema = z.object({
  index: z.number().int().nullable(),
  gpuInstanceId: z.number().int().nullable(),
  computeInstanceId: z.number().int().nullable(),
  /** The profile, e.g. "1g.10gb", when the driver names it. */
  profile: gpuText().nullable(),
  smCount: z.number().nullable(),
  fbMemoryTotalMib: z.number().nullable(),
  fbMemoryUsedMib: z.number().nullable(),
});
export type MigDevice = z.infer<typeof MigDeviceSchema>;

/**
 * One GPU as read from `nvidia-smi -q -x`. Null means the driver reported N/A, Not Supported,
 * deprecated or the element was missing. Units are in the names.
 */
export const GpuSchema = z.object({
  index: z.number().int(),
  minorNumber: z.number().nullable(),
  productName: gpuText().nullable(),
  uuid: gpuText().nullable(),
  pciBusId: gpuText().nullable(),
  driverVersion: gpuText().nullable(),
  cudaVersion: gpuText().nullable(),
  fanSpeedPct: z.number().nullable(),
  gpuUtilPct: z.number().nullable(),
  memoryUtilPct: z.number().nullable(),
  fbMemoryTotalMib: z.number().nullable(),
  fbMemoryUsedMib: z.number().nullable(),
  temperatureC: z.number().nullable(),
  powerDrawW: z.number().nullable(),
  powerDrawAverageW: z.number().nullable(),
  powerDrawInstantW: z.number().nullable(),
  powerLimitW: z.number().nullable(),
  enforcedPowerLimitW: z.number().nullable(),
  smClockMhz: z.number().nullable(),
  eccModeCurrent: gpuText().nullable(),
  eccErrors: EccErrorsSchema.nullable(),
  retiredPages: RetiredPagesSchema.nullable(),
  remappedRows: RemappedRowsSchema.nullable(),
  migModeCurrent: gpuText().nullable(),
  migDeviceCount: z.number().nullable(),
  processCount: z.number().nullable(),
  /** Who is on this GPU; left out where the collection does not read processes (a Prometheus source). */
  processes: z.array(GpuProcessSchema).max(NODE_LIMITS.processesPerGpu).optional(),
  /** MIG devices; left out where MIG is off or unknown. */
  migDevices: z.array(MigDeviceSchema).max(64).optional(),
  clockEventReasonsActive: z.array(gpuText()).max(64).nullable(),
});
export type Gpu = z.infer<typeof GpuSchema>;

/**
 * What a node's GPU collection came to. `no-gpu` is not an error: the node simply has no
 * nvidia-smi. Every other state but `ok` carries a message meant for an administrator.
 */
export const GpuStatusStateSchema = z.enum([
  'ok',
  'no-gpu',
  'driver-not-loaded',
  'no-devices',
  'version-mismatch',
  'nvml-error',
  'timeout',
  'invalid-output',
  'failed',
]);
export type GpuStatusState = z.infer<typeof GpuStatusStateSchema>;

/** The GPU status of one node at one collection. */
export const GpuStatusSchema = z.object({
  state: GpuStatusStateSchema,
  message: z.string().max(4096),
  driverVersion: gpuText().nullable(),
  cudaVersion: gpuText().nullable(),
});
export type GpuStatus = z.infer<typeof GpuStatusSchema>;
