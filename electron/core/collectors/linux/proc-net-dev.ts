/**
 * /proc/net/dev: two header lines, then `iface: 8 receive counters 8 transmit counters`. Names are
 * right-aligned to six characters, so a long name runs into the colon, and old kernels printed a
 * wide counter straight after it (`eth0:1234`). Interface names are chosen by whoever has
 * CAP_NET_ADMIN and may be anything the kernel allows (`__proto__` included): they live in a Map.
 */
import { parseCounter, quote, sourceLines, Warnings } from './parse-support';

export interface InterfaceCounters {
  iface: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

export interface ProcNetDev {
  interfaces: Map<string, InterfaceCounters>;
  warnings: string[];
}

// Linux allows up to 15 bytes and no blank, '/' or ':' in a name (dev_valid_name).
const HEADER = /^\s*(?:Inter-\||face\s*\|)/;
const ROW = /^\s*([^\s:/]{1,15}):\s*(\d+(?:\s+\d+){15})\s*$/;

export function parseProcNetDev(text: string): ProcNetDev {
  const warnings = new Warnings();
  const interfaces = new Map<string, InterfaceCounters>();
  const out: ProcNetDev = { interfaces, warnings: warnings.list };
  const lines = sourceLines(text, '/proc/net/dev', warnings);
  if (lines === null) return out;
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n]!;
    if (HEADER.test(line) || line.trim() === '') continue;
    const match = line.length <= 512 ? ROW.exec(line) : null;
    if (!match) {
      warnings.add(`line ${n + 1}: not "iface: 16 counters": ${quote(line)}; skipped`);
      continue;
    }
    const iface = match[1]!;
    const values = match[2]!.split(/\s+/).map(parseCounter);
    if (values.some((v) => v === null)) {
      warnings.add(`line ${n + 1}: ${quote(iface)} has a counter too large to be real; skipped`);
      continue;
    }
    if (interfaces.has(iface)) {
      warnings.add(`line ${n + 1}: ${quote(iface)} repeated; the first is kept`);
      continue;
    }
    const v = values as number[];
    interfaces.set(iface, {
      iface,
      rxBytes: v[0]!,
      rxPackets: v[1]!,
      rxErrors: v[2]!,
      rxDropped: v[3]!,
      txBytes: v[8]!,
      txPackets: v[9]!,
      txErrors: v[10]!,
      txDropped: v[11]!,
    });
  }
  return out;
}
