/**
 * /proc/meminfo: `Key:   value kB` lines. kB values become bytes; unit-less ones (HugePages_*)
 * stay counts. MemAvailable exists since Linux 3.14; before it, available memory is estimated as
 * MemFree + Buffers + Cached + SReclaimable, the same sum free(1) used. The 2.4-era summary table
 * (`total: used: free: ...`, `Mem: ...`, `Swap: ...`) that some kernels print first is skipped.
 */
import { parseCounter, quote, sourceLines, Warnings } from './parse-support';

export interface ProcMeminfo {
  /** Every field, bytes for kB values; a Map so no key can reach Object.prototype. */
  fields: Map<string, number>;
  totalBytes: number | null;
  freeBytes: number | null;
  availableBytes: number | null;
  /** True when MemAvailable was missing and availableBytes is the old-kernel estimate. */
  availableEstimated: boolean;
  swapTotalBytes: number | null;
  swapFreeBytes: number | null;
  warnings: string[];
}

const LINE = /^([A-Za-z0-9_()]{1,64}):\s*(\d{1,20})(?:\s+(kB))?\s*$/;
const LEGACY_TABLE = /^\s*total:\s+used:|^(?:Mem|Swap):(?:\s+\d+){3,}\s*$/;

export function parseProcMeminfo(text: string): ProcMeminfo {
  const warnings = new Warnings();
  const values = new Map<string, number>();
  const out: ProcMeminfo = {
    fields: values,
    totalBytes: null,
    freeBytes: null,
    availableBytes: null,
    availableEstimated: false,
    swapTotalBytes: null,
    swapFreeBytes: null,
    warnings: warnings.list,
  };
  const lines = sourceLines(text, '/proc/meminfo', warnings);
  if (lines === null) return out;
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n]!;
    if (line.trim() === '' || LEGACY_TABLE.test(line)) continue;
    const match = LINE.exec(line);
    if (!match) {
      warnings.add(`line ${n + 1}: not "Key: value [kB]": ${quote(line)}; skipped`);
      continue;
    }
    const [, key, digits, unit] = match;
    const count = parseCounter(digits);
    const value = count === null ? null : unit === 'kB' ? count * 1024 : count;
    if (value === null || !Number.isSafeInteger(value)) {
      warnings.add(`line ${n + 1}: ${key} is too large to be real: ${quote(digits!)}; skipped`);
      continue;
    }
    if (values.has(key!)) {
      warnings.add(`line ${n + 1}: ${key} repeated; the first value is kept`);
      continue;
    }
    values.set(key!, value);
  }
  out.totalBytes = values.get('MemTotal') ?? null;
  out.freeBytes = values.get('MemFree') ?? null;
  out.swapTotalBytes = values.get('SwapTotal') ?? null;
  out.swapFreeBytes = values.get('SwapFree') ?? null;
  const available = values.get('MemAvailable');
  if (available !== undefined) {
    out.availableBytes = available;
  } else if (out.freeBytes !== null) {
    out.availableBytes = out.freeBytes + (values.get('Buffers') ?? 0) + (values.get('Cached') ?? 0) + (values.get('SReclaimable') ?? 0);
    out.availableEstimated = true;
  }
  if (out.totalBytes === null) warnings.add('no MemTotal line');
  return out;
}
