/**
 * GPU memory health: uncorrected ECC errors and double-bit retirements as they happen (events,
 * from the rise of a counter between two readings of the same GPU), and the states a GPU reset or
 * a replacement must clear (conditions: retired pages pending, remapped rows pending, row
 * remapping failure), from nvidia-smi's "Yes".
 */
import type { DetectorId, Signal } from '../../alerts/types';
import type { Gpu } from '../../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../../shared/model/node';
import { gpuDeviceKey } from '../../../../shared/model/metrics';
import { gpuLabels, gpuTitle, gpusSeen, type DetectorResult } from './gpu-listing';

/** The counters of one GPU at its last reading (null: never read, or not supported). */
export interface MemoryCounters {
  volatileUncorrected: number | null;
  doubleBitRetired: number | null;
}

export interface MemoryHealthResult extends DetectorResult {
  /** The counters to remember: one entry per GPU listed now (a GPU gone is forgotten). */
  next: Map<string, MemoryCounters>;
}

const MEMORY_DETECTORS: readonly DetectorId[] = [
  'gpu-ecc-uncorrected',
  'gpu-ecc-dbe',
  'gpu-retired-pages-pending',
  'gpu-row-remap-pending',
  'gpu-row-remap-failure',
];

// nvidia-smi writes "No" or "Yes" on nearly every reading: those need no trimming or lowering.
const isYes = (text: string | null | undefined): boolean =>
  text === 'No' || text === null || text === undefined ? false : text === 'Yes' || text.trim().toLowerCase() === 'yes';

function signal(nodeId: string, atMs: number, gpu: Gpu, detector: DetectorId, value: number | null, text: string): Signal {
  const key = gpuDeviceKey(gpu);
  return { detector, nodeId, subject: key, gpu: key, atMs, value, text: `${gpuTitle(gpu)}: ${text}`, severity: null, labels: gpuLabels(gpu) };
}

/** A counter that rose since the last reading; a drop (driver reload resets volatile counts) is not an event. */
function rise(previous: number | null | undefined, current: number | null): number | null {
  if (previous === null || previous === undefined || current === null) return null;
  return current > previous ? current - previous : null;
}

function counterEvents(out: Signal[], nodeId: string, atMs: number, gpu: Gpu, before: MemoryCounters | undefined, now: MemoryCounters): void {
  const uncorrected = rise(before?.volatileUncorrected, now.volatileUncorrected);
  if (uncorrected !== null) {
    out.push(
      signal(
        nodeId,
        atMs,
        gpu,
        'gpu-ecc-uncorrected',
        now.volatileUncorrected,
        `${uncorrected} new uncorrected ECC error${uncorrected === 1 ? '' : 's'} (${now.volatileUncorrected} since the driver loaded). Applications on this GPU may have crashed or read corrupt data; drain the GPU and reset it, and replace it if the errors return.`,
      ),
    );
  }
  const doubleBit = rise(before?.doubleBitRetired, now.doubleBitRetired);
  if (doubleBit !== null) {
    out.push(
      signal(
        nodeId,
        atMs,
        gpu,
        'gpu-ecc-dbe',
        now.doubleBitRetired,
        `${doubleBit} more page${doubleBit === 1 ? '' : 's'} retired for double-bit ECC errors (${now.doubleBitRetired} in all). Reset the GPU to retire them; a GPU that keeps retiring pages should be replaced.`,
      ),
    );
  }
}

function stateConditions(out: Signal[], nodeId: string, atMs: number, gpu: Gpu): void {
  if (isYes(gpu.retiredPages?.pending)) {
    out.push(
      signal(
        nodeId,
        atMs,
        gpu,
        'gpu-retired-pages-pending',
        gpu.retiredPages?.doubleBit ?? null,
        'pages are waiting to be retired: reset the GPU (or reboot) so the driver stops using them.',
      ),
    );
  }
  if (isYes(gpu.remappedRows?.pending)) {
    out.push(
      signal(
        nodeId,
        atMs,
        gpu,
        'gpu-row-remap-pending',
        gpu.remappedRows?.uncorrectable ?? null,
        'memory rows are waiting to be remapped: reset the GPU so the remapping takes effect.',
      ),
    );
  }
  if (isYes(gpu.remappedRows?.failure)) {
    out.push(
      signal(
        nodeId,
        atMs,
        gpu,
        'gpu-row-remap-failure',
        gpu.remappedRows?.uncorrectable ?? null,
        'row remapping failed: the GPU has no spare rows left for failing memory and should be replaced.',
      ),
    );
  }
}

export function detectGpuMemoryHealth(
  nodeId: string,
  atMs: number,
  snapshot: NodeSnapshot | null,
  previous: ReadonlyMap<string, MemoryCounters>,
): MemoryHealthResult {
  if (!gpusSeen(snapshot)) return { signals: [], evaluated: [], next: new Map(previous) };
  const signals: Signal[] = [];
  const next = new Map<string, MemoryCounters>();
  for (const gpu of snapshot.gpus) {
    const key = gpuDeviceKey(gpu);
    const before = previous.get(key);
    // A counter not read this tick (the CSV path between full readings) keeps its last value.
    const volatileUncorrected = gpu.eccErrors?.volatile?.uncorrected ?? before?.volatileUncorrected ?? null;
    const doubleBitRetired = gpu.retiredPages?.doubleBit ?? before?.doubleBitRetired ?? null;
    // Unchanged counters (most ticks): the last reading's entry serves again.
    const now: MemoryCounters =
      before !== undefined && before.volatileUncorrected === volatileUncorrected && before.doubleBitRetired === doubleBitRetired
        ? before
        : { volatileUncorrected, doubleBitRetired };
    counterEvents(signals, nodeId, atMs, gpu, before, now);
    stateConditions(signals, nodeId, atMs, gpu);
    next.set(key, now);
  }
  return { signals, evaluated: MEMORY_DETECTORS, next };
}
