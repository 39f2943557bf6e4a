/**
 * gpu-fallen-off-bus: a GPU the node is known to have (its baseline, kept across restarts) is not
 * in a listing that otherwise worked, or the kernel said the GPU fell off the bus (Xid 79 or the
 * message without a number) and nvidia-smi has not listed that GPU since. Both kinds of evidence
 * for one GPU are one signal with one subject, the GPU's PCI bus id as nvidia-smi writes it, so
 * the kernel's lines and the missing GPU raise one alert.
 */
import type { Signal, StoredKernelEvent } from '../../alerts/types';
import type { Gpu, GpuStatusState } from '../../../../shared/model/gpu';
import type { NodeSnapshot } from '../../../../shared/model/node';
import { gpuDeviceKey } from '../../../../shared/model/metrics';
import { MAX_EVENT_RAW_LINES } from '../xid';
import { gpuPciId, type DetectorResult } from './gpu-listing';
import { kernelEventTime } from './xid-signal';

/** A GPU the node is known to have: a row of gpu_baseline. */
export interface BaselineGpu {
  nodeId: string;
  /** gpuDeviceKey: the UUID, else the PCI bus id, else `gpu-index-N`. */
  key: string;
  /** nvidia-smi's form, `00000000:9B:00.0`, or null. */
  pciBusId: string | null;
  index: number | null;
  name: string | null;
  firstSeenMs: number;
  lastSeenMs: number;
}

/** The kernel's word that the GPU at `pciId` fell off the bus, until nvidia-smi lists it again. */
export interface FallenOffEvidence {
  pciId: string;
  /** When it happened (kernelEventTime): a listing collected after this one with the GPU clears it. */
  sinceMs: number;
  event: StoredKernelEvent;
}

export interface PresenceInput {
  nodeId: string;
  atMs: number;
  snapshot: NodeSnapshot | null;
  baseline: readonly BaselineGpu[];
  fallenOff: ReadonlyMap<string, FallenOffEvidence>;
}

export interface PresenceResult extends DetectorResult {
  /** The GPUs listed now (to add to the baseline or mark seen); empty where the listing did not work. */
  seen: Gpu[];
  /** Baseline keys whose PCI slot now holds another GPU: the GPU was replaced, not lost. */
  replaced: string[];
  /** PCI ids whose kernel evidence is over: the GPU was listed after the event. */
  cleared: string[];
}

/**
 * Listings that say which GPUs are there: `ok`, and `no-devices` (the driver is loaded and finds
 * none: every GPU the node had is gone). A timeout, unreadable output or a driver that is not
 * loaded says nothing about the GPUs.
 */
const LISTING: ReadonlySet<GpuStatusState> = new Set(['ok', 'no-devices']);

function listingOf(snapshot: NodeSnapshot | null): Gpu[] | null {
  if (snapshot === null || !LISTING.has(snapshot.gpuStatus.state)) return null;
  return snapshot.gpuStatus.state === 'ok' ? snapshot.gpus : [];
}

interface Finding {
  subject: string;
  missing: BaselineGpu | null;
  known: BaselineGpu | null;
  evidence: FallenOffEvidence | null;
}

function describe(finding: Finding, listed: number | null, expected: number): string {
  const gpu = finding.missing ?? finding.known;
  const who =
    gpu === null ? `The GPU at ${finding.subject}` : `GPU ${gpu.index ?? '?'}${gpu.name ? ` (${gpu.name}, ${finding.subject})` : ` (${finding.subject})`}`;
  const parts: string[] = [];
  if (finding.evidence !== null) {
    const { event } = finding.evidence;
    parts.push(`${who}: the kernel reports ${event.xid === null ? '' : `Xid ${event.xid}: `}${event.name}.`);
    if (event.detail) parts.push(event.detail);
  }
  if (finding.missing !== null) {
    const count = listed === null ? '' : ` (${listed} of the ${expected} GPUs this node had are listed)`;
    parts.push(`${finding.evidence === null ? who : 'It'} is no longer listed by nvidia-smi${count}.`);
    if (finding.evidence === null) parts.push('It may have fallen off the bus: check the kernel log (Xid 79), then reset the GPU or reboot the node.');
  }
  return parts.join('\n');
}

function toSignal(input: PresenceInput, finding: Finding, listed: number | null, expected: number): Signal {
  const gpu = finding.missing ?? finding.known;
  const labels: Record<string, string> = { pci: finding.subject };
  if (gpu?.index !== null && gpu?.index !== undefined) labels.gpu_index = String(gpu.index);
  if (gpu?.name) labels.gpu_name = gpu.name;
  labels.evidence = finding.evidence !== null && finding.missing !== null ? 'kernel+missing' : finding.evidence !== null ? 'kernel' : 'missing';
  if (finding.evidence?.event.xid !== null && finding.evidence?.event.xid !== undefined) labels.xid = String(finding.evidence.event.xid);
  if (listed !== null) {
    labels.present = String(listed);
    labels.expected = String(expected);
  }
  const signal: Signal = {
    detector: 'gpu-fallen-off-bus',
    nodeId: input.nodeId,
    subject: finding.subject,
    gpu: gpu?.key ?? finding.subject,
    atMs: finding.evidence !== null ? finding.evidence.sinceMs : input.atMs,
    value: listed,
    text: describe(finding, listed, expected),
    severity: finding.evidence?.event.severity ?? 'critical',
    labels,
  };
  if (finding.evidence !== null) signal.raw = finding.evidence.event.raw.slice(0, MAX_EVENT_RAW_LINES);
  return signal;
}

/** Each listed GPU's PCI id, to its key. */
function listedPciIds(listing: readonly Gpu[]): Map<string, string> {
  const byPci = new Map<string, string>();
  for (const gpu of listing) {
    const pci = gpuPciId(gpu);
    if (pci !== null) byPci.set(pci, gpuDeviceKey(gpu));
  }
  return byPci;
}

function listedKeysOf(listing: readonly Gpu[]): Set<string> {
  const keys = new Set<string>();
  for (const gpu of listing) keys.add(gpuDeviceKey(gpu));
  return keys;
}

export function detectGpuPresence(input: PresenceInput): PresenceResult {
  const listing = listingOf(input.snapshot);
  const collectedAt = input.snapshot?.collectedAt ?? input.atMs;
  // Built only when asked (a baseline GPU not listed, kernel evidence to check): most ticks need neither.
  let listedPci: Map<string, string> | null = null;
  const listedPciOf = (gpus: readonly Gpu[]): Map<string, string> => (listedPci ??= listedPciIds(gpus));

  const replaced: string[] = [];
  const missing: BaselineGpu[] = [];
  if (listing !== null && input.baseline.length > 0) {
    const listedKeys = listedKeysOf(listing);
    for (const known of input.baseline) {
      if (listedKeys.has(known.key)) continue;
      const holder = known.pciBusId === null ? undefined : listedPciOf(listing).get(known.pciBusId);
      if (holder !== undefined) replaced.push(known.key);
      else missing.push(known);
    }
  }
  const expected = input.baseline.length - replaced.length;
  const listed = listing === null ? null : listing.length;
  const evaluated: PresenceResult['evaluated'] = listing === null ? [] : ['gpu-fallen-off-bus'];
  // Without a listing only the kernel's evidence is known: the missing-GPU side did not look.
  if (missing.length === 0 && input.fallenOff.size === 0) return { signals: [], evaluated, seen: listing ?? [], replaced, cleared: [] };

  const findings = new Map<string, Finding>();
  for (const gone of missing) {
    const subject = gone.pciBusId ?? gone.key;
    findings.set(subject, { subject, missing: gone, known: gone, evidence: null });
  }
  const cleared: string[] = [];
  let byPci: Map<string, BaselineGpu> | null = null;
  for (const evidence of input.fallenOff.values()) {
    // Listed in a reading taken after the event: the GPU is back (reset, or the node rebooted).
    if (listing !== null && listedPciOf(listing).has(evidence.pciId) && collectedAt > evidence.sinceMs) {
      cleared.push(evidence.pciId);
      continue;
    }
    const finding = findings.get(evidence.pciId);
    if (finding !== undefined) finding.evidence = evidence;
    else {
      byPci ??= new Map(input.baseline.filter((b) => b.pciBusId !== null).map((b) => [b.pciBusId!, b]));
      findings.set(evidence.pciId, { subject: evidence.pciId, missing: null, known: byPci.get(evidence.pciId) ?? null, evidence });
    }
  }

  const signals = [...findings.values()].map((finding) => toSignal(input, finding, listed, expected));
  return { signals, evaluated, seen: listing ?? [], replaced, cleared };
}

/** The evidence a kernel event gives, merged with what is already held for that GPU (the newest wins). */
export function fallenOffEvidence(event: StoredKernelEvent, held: FallenOffEvidence | undefined): FallenOffEvidence {
  const sinceMs = kernelEventTime(event);
  if (held !== undefined && held.sinceMs >= sinceMs) return held;
  return { pciId: event.pciId, sinceMs, event };
}

/** The baseline entry a listed GPU makes, keeping when it was first seen. */
export function baselineEntry(nodeId: string, gpu: Gpu, atMs: number, before: BaselineGpu | undefined): BaselineGpu {
  return {
    nodeId,
    key: gpuDeviceKey(gpu),
    pciBusId: gpuPciId(gpu),
    index: gpu.index,
    name: gpu.productName,
    firstSeenMs: before?.firstSeenMs ?? atMs,
    lastSeenMs: atMs,
  };
}
