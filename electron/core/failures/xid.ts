/**
 * NVIDIA Xid events from kernel log records (kernel-log.ts), decoded with the Xid catalog. One
 * failure is one event: the "GPU has fallen off the bus" lines the driver prints after Xid 79 join
 * that event, and such a line with no Xid before it is an event of its own. Pure, never throws.
 */
import { quote, Warnings } from '../collectors/linux/parse-support';
import type { KernelRecord } from './kernel-log';
import { XID_CATALOG, type XidCatalogEntry, type XidSeverity } from './xid-catalog';

/** Lines kept per event: a flood of repeats must not grow one event without bound. */
export const MAX_EVENT_RAW_LINES = 20;
/** Fallen-off-the-bus lines further apart than this (when both have a time) are separate failures. */
export const SAME_FAILURE_WINDOW_MS = 60_000;

const FALLEN_OFF_BUS_XID = 79;

export interface XidEvent {
  /** Wall-clock ms of the first line, or null (dmesg -T, unstamped); uptimeMs for plain dmesg. */
  timeMs: number | null;
  uptimeMs: number | null;
  /** The GPU in nvidia-smi's form, `00000000:9B:00.0` (function 0 when the kernel gives none). */
  pciId: string;
  /** The Xid number; null for a fallen-off-the-bus message that carries none. */
  xid: number | null;
  /** False for a number the catalog does not know; it is still an event. */
  known: boolean;
  name: string;
  mnemonic: string | null;
  description: string;
  severity: XidSeverity;
  action: string | null;
  pid: number | null;
  process: string | null;
  /** The driver's text after the number, pid and name. */
  detail: string;
  /** The kernel lines of this failure, first first, at most MAX_EVENT_RAW_LINES. */
  raw: string[];
}

export interface XidParse {
  events: XidEvent[];
  warnings: string[];
}

const CATALOG = new Map<number, XidCatalogEntry>(XID_CATALOG.map((entry) => [entry.xid, entry]));

// A PCI address as the driver or nvidia-smi prints it: [domain:]bus:device[.function].
const PCI_ID = /^(?:PCI:)?(?:([0-9a-f]{4}|[0-9a-f]{8}):)?([0-9a-f]{2}):([0-9a-f]{2})(?:\.([0-7]))?$/i;
// Inside text: the same, with a domain, not touching other hex digits or colons.
const PCI_IN_TEXT = /(?<![0-9a-f:])(?:PCI:)?(?:[0-9a-f]{4}|[0-9a-f]{8}):[0-9a-f]{2}:[0-9a-f]{2}(?:\.[0-7])?(?![0-9a-f])/i;
// NVRM: Xid (PCI:0000:9b:00): 79, pid=..., name=..., text  (older drivers: no pid/name, no "PCI:").
const XID_LINE = /^NVRM: Xid \(([^)]{0,64})\): (\d{1,9})(?:, ?(.*))?$/s;
const PID = /^pid=('<unknown>'|\d{1,10}),\s?/;
const PROCESS = /^name=([^,]{0,64}),\s?/;
const FALLEN_OFF = /fallen off the bus/i;

interface PciAddress {
  domain: number;
  bus: number;
  device: number;
  fn: number | null;
}

function pciAddress(text: string): PciAddress | null {
  const m = PCI_ID.exec(text.trim());
  if (!m) return null;
  return {
    domain: m[1] === undefined ? 0 : parseInt(m[1], 16),
    bus: parseInt(m[2]!, 16),
    device: parseInt(m[3]!, 16),
    fn: m[4] === undefined ? null : Number(m[4]),
  };
}

/** Distinct ids remembered by normalisePciId (a fleet of 1,000 GPUs has at most 1,000); past this the cache starts over. */
export const MAX_CACHED_PCI_IDS = 4096;
/** Longer texts are not PCI ids worth remembering (the longest form, `PCI:00000000:9b:00.0`, is 20). */
const MAX_CACHED_PCI_TEXT = 40;
const NORMALISED = new Map<string, string | null>();

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/**
 * A PCI id in nvidia-smi's form (`00000000:9B:00.0`), from the kernel's `0000:9b:00` or
 * `PCI:0000:9b:00`, or nvidia-smi's own (8 or 4 hex digits of domain); null if it is not one.
 */
export function normalisePciId(text: string): string | null {
  // Every tick asks again for every GPU's id: parsed once, then looked up.
  const cached = NORMALISED.get(text);
  if (cached !== undefined) return cached;
  const a = pciAddress(text);
  const id = a === null ? null : `${hex(a.domain, 8)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.fn ?? 0}`;
  if (text.length <= MAX_CACHED_PCI_TEXT) {
    if (NORMALISED.size >= MAX_CACHED_PCI_IDS) NORMALISED.clear();
    NORMALISED.set(text, id);
  }
  return id;
}

/**
 * Whether the kernel's id and nvidia-smi's bus id name the same GPU: domain, bus and device
 * compared as numbers; the function only when both give one (the Xid line gives none).
 */
export function samePciDevice(kernelId: string, nvidiaSmiBusId: string): boolean {
  const a = pciAddress(kernelId);
  const b = pciAddress(nvidiaSmiBusId);
  if (a === null || b === null) return false;
  if (a.domain !== b.domain || a.bus !== b.bus || a.device !== b.device) return false;
  return a.fn === null || b.fn === null || a.fn === b.fn;
}

function decode(xid: number): Pick<XidEvent, 'known' | 'name' | 'mnemonic' | 'description' | 'severity' | 'action'> {
  const entry = CATALOG.get(xid);
  if (entry === undefined) {
    // The catalog's advice for codes beyond it: surface as a warning, never drop.
    return {
      known: false,
      name: `Unknown Xid ${xid}`,
      mnemonic: null,
      description: `Xid ${xid} is not in the catalog (codes 1-172).`,
      severity: 'warning',
      action: null,
    };
  }
  return { known: true, name: entry.name, mnemonic: entry.mnemonic, description: entry.description, severity: entry.severity, action: entry.action };
}

/** A record's message with the driver's "NVRM: " of continuation lines dropped, on one line. */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line, i) => (i === 0 ? line : line.replace(/^NVRM:\s*/, '')))
    .join(' ');
}

function xidEvent(record: KernelRecord, message: string, warnings: Warnings): XidEvent | null {
  const m = XID_LINE.exec(message);
  if (!m) return null;
  const pciId = normalisePciId(m[1]!);
  if (pciId === null) {
    warnings.add(`kernel log: Xid line with ${quote(m[1]!)}, not a PCI id; skipped`);
    return null;
  }
  const xid = Number(m[2]);
  let rest = m[3] ?? '';
  let pid: number | null = null;
  let process: string | null = null;
  const pidMatch = PID.exec(rest);
  if (pidMatch) {
    pid = pidMatch[1] === "'<unknown>'" ? null : Number(pidMatch[1]);
    rest = rest.slice(pidMatch[0].length);
  }
  const processMatch = PROCESS.exec(rest);
  if (processMatch) {
    process = processMatch[1] === '<unknown>' ? null : processMatch[1]!;
    rest = rest.slice(processMatch[0].length);
  }
  return { timeMs: record.timeMs, uptimeMs: record.uptimeMs, pciId, xid, ...decode(xid), pid, process, detail: rest.trim(), raw: [record.raw] };
}

function fallenOffEvent(record: KernelRecord, message: string): XidEvent | null {
  if (!message.startsWith('NVRM:') || !FALLEN_OFF.test(message)) return null;
  const id = PCI_IN_TEXT.exec(message);
  const pciId = id === null ? null : normalisePciId(id[0]);
  if (pciId === null) return null;
  // The same failure as Xid 79, told without the number: decoded with its entry.
  const decoded = decode(FALLEN_OFF_BUS_XID);
  return {
    timeMs: record.timeMs,
    uptimeMs: record.uptimeMs,
    pciId,
    xid: null,
    ...decoded,
    pid: null,
    process: null,
    detail: message.slice('NVRM:'.length).trim(),
    raw: [record.raw],
  };
}

function isFallenOff(event: XidEvent): boolean {
  return event.xid === FALLEN_OFF_BUS_XID || event.xid === null;
}

/** Whether two events' times are known to be far apart; unknown times are taken as close. */
function farApart(a: XidEvent, b: XidEvent): boolean {
  if (a.timeMs !== null && b.timeMs !== null) return Math.abs(b.timeMs - a.timeMs) > SAME_FAILURE_WINDOW_MS;
  if (a.uptimeMs !== null && b.uptimeMs !== null) return Math.abs(b.uptimeMs - a.uptimeMs) > SAME_FAILURE_WINDOW_MS;
  return false;
}

/** The Xid and fallen-off-the-bus events in kernel log records, in log order. */
export function parseXidEvents(records: readonly KernelRecord[]): XidParse {
  const warnings = new Warnings();
  const events: XidEvent[] = [];
  // The latest event per GPU, for joining the lines of one failure.
  const latest = new Map<string, XidEvent>();
  for (const record of records) {
    const message = oneLine(record.message);
    if (message.startsWith('NVRM: Xid (')) {
      // An Xid line is never read as anything else, even when refused (a forged id).
      const xid = xidEvent(record, message, warnings);
      if (xid !== null) {
        events.push(xid);
        latest.set(xid.pciId, xid);
      }
      continue;
    }
    const fallen = fallenOffEvent(record, message);
    if (fallen === null) continue;
    const before = latest.get(fallen.pciId);
    if (before !== undefined && isFallenOff(before) && !farApart(before, fallen)) {
      if (before.raw.length < MAX_EVENT_RAW_LINES) before.raw.push(record.raw);
      continue;
    }
    events.push(fallen);
    latest.set(fallen.pciId, fallen);
  }
  return { events, warnings: warnings.list };
}
