/**
 * xid: each decoded Xid the kernel log watcher recorded (79 excepted: a GPU off the bus is
 * gpu-fallen-off-bus) as one event signal. Repeats of one Xid on one GPU share a subject, so they
 * are one alert that stays firing, not one alert each.
 */
import type { Signal, StoredKernelEvent } from '../../alerts/types';
import { XID_CATALOG } from '../xid-catalog';
import { MAX_EVENT_RAW_LINES } from '../xid';

export const FALLEN_OFF_BUS_XID = 79;

const MNEMONICS = new Map<number, string>(XID_CATALOG.map((entry) => [entry.xid, entry.mnemonic]));

/** Whether a kernel event means the GPU fell off the bus (Xid 79, or the message without a number). */
export function isFallenOffBus(event: Pick<StoredKernelEvent, 'kind' | 'xid'>): boolean {
  return event.kind === 'fallen-off-bus' || event.xid === FALLEN_OFF_BUS_XID;
}

/** When a kernel event happened: the line's time, or when it was read where the line has none. */
export function kernelEventTime(event: Pick<StoredKernelEvent, 'atMs' | 'recordedMs'>): number {
  // A line cannot be read before it was written: a node clock ahead of ours is capped at the read.
  return event.atMs === null ? event.recordedMs : Math.min(event.atMs, event.recordedMs);
}

/** The GPU an event names, as the baseline knows it (UUID and index), if it does. */
export interface KnownGpu {
  key: string;
  index: number | null;
}

export function xidSignal(event: StoredKernelEvent, known: KnownGpu | null): Signal {
  const xid = event.xid ?? 0;
  const labels: Record<string, string> = { xid: String(xid), name: event.name, pci: event.pciId };
  const mnemonic = MNEMONICS.get(xid);
  if (mnemonic !== undefined) labels.mnemonic = mnemonic;
  if (known?.index !== null && known?.index !== undefined) labels.gpu_index = String(known.index);
  return {
    detector: 'xid',
    nodeId: event.nodeId,
    subject: `${event.pciId}:xid:${xid}`,
    gpu: known?.key ?? event.pciId,
    atMs: kernelEventTime(event),
    value: xid,
    text: `Xid ${xid}: ${event.name}. ${event.detail}`.trim(),
    severity: event.severity,
    labels,
    raw: event.raw.slice(0, MAX_EVENT_RAW_LINES),
  };
}
