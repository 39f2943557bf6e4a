/**
 * /proc/loadavg: `0.21 0.37 0.39 1/719 19737` - load averages over 1, 5 and 15 minutes, runnable
 * and total scheduling entities, and the last PID handed out.
 */
import { fields, parseCounter, parseDecimal, quote, sourceLines, Warnings } from './parse-support';

export interface ProcLoadavg {
  load1: number | null;
  load5: number | null;
  load15: number | null;
  runnable: number | null;
  entities: number | null;
  lastPid: number | null;
  warnings: string[];
}

export function parseProcLoadavg(text: string): ProcLoadavg {
  const warnings = new Warnings();
  const out: ProcLoadavg = { load1: null, load5: null, load15: null, runnable: null, entities: null, lastPid: null, warnings: warnings.list };
  const lines = sourceLines(text, '/proc/loadavg', warnings);
  if (lines === null) return out;
  const line = lines.find((l) => l.trim() !== '');
  if (line === undefined) {
    warnings.add('/proc/loadavg is empty');
    return out;
  }
  const parts = fields(line);
  const loads = parts.slice(0, 3).map(parseDecimal);
  if (parts.length < 3 || loads.some((l) => l === null)) {
    warnings.add(`not three load averages: ${quote(line)}`);
    return out;
  }
  out.load1 = loads[0]!;
  out.load5 = loads[1]!;
  out.load15 = loads[2]!;
  // The last two columns exist since 2.6; their absence is not an error.
  const tasks = /^(\d+)\/(\d+)$/.exec(parts[3] ?? '');
  if (tasks) {
    out.runnable = parseCounter(tasks[1]);
    out.entities = parseCounter(tasks[2]);
  } else if (parts[3] !== undefined) {
    warnings.add(`fourth column is not runnable/total: ${quote(parts[3])}`);
  }
  out.lastPid = parseCounter(parts[4]);
  if (lines.length > 1) warnings.add(`${lines.length} lines, one expected; the first was read`);
  return out;
}
