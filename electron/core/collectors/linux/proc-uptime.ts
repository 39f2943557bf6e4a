/**
 * /proc/uptime: `350735.47 234388.90` - seconds since boot and idle seconds summed over CPUs.
 * Uptime is the node's own monotonic clock, so rates use it as their time base when present.
 */
import { fields, parseDecimal, quote, sourceLines, Warnings } from './parse-support';

export interface ProcUptime {
  uptimeSec: number | null;
  idleSec: number | null;
  warnings: string[];
}

export function parseProcUptime(text: string): ProcUptime {
  const warnings = new Warnings();
  const out: ProcUptime = { uptimeSec: null, idleSec: null, warnings: warnings.list };
  const lines = sourceLines(text, '/proc/uptime', warnings);
  if (lines === null) return out;
  const line = lines.find((l) => l.trim() !== '');
  if (line === undefined) {
    warnings.add('/proc/uptime is empty');
    return out;
  }
  const parts = fields(line);
  const uptime = parseDecimal(parts[0]);
  if (uptime === null) {
    warnings.add(`not an uptime: ${quote(line)}`);
    return out;
  }
  out.uptimeSec = uptime;
  out.idleSec = parseDecimal(parts[1]);
  return out;
}
