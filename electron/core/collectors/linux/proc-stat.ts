/**
 * /proc/stat: jiffies per CPU state, boot time and process counts. The cpu lines grew over the
 * years: 4 columns (2.4), 7 (2.6.0: iowait irq softirq), 8 (steal), 9 (guest), 10 (guest_nice).
 * Missing columns read as 0; columns past the tenth (a future kernel) are ignored. The huge
 * `intr` line is never split.
 */
import { fields, parseCounter, quote, sourceLines, Warnings } from './parse-support';

/** Time spent in each state since boot, in USER_HZ ticks. guest/guestNice are already in user/nice. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
  guest: number;
  guestNice: number;
}

export interface ProcStat {
  /** The aggregate `cpu` line; null when absent or malformed. */
  total: CpuTimes | null;
  /** One entry per `cpuN` line, in file order (offline CPUs have no line). */
  cpus: Array<{ id: number; times: CpuTimes }>;
  /** How many columns the aggregate line had (4 to 10), to tell old kernels apart. */
  columns: number | null;
  bootTimeSec: number | null;
  contextSwitches: number | null;
  processesRunning: number | null;
  processesBlocked: number | null;
  warnings: string[];
}

const CPU_KEYS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal', 'guest', 'guestNice'] as const;
const CPU_LABEL = /^cpu(\d{0,5})$/;
const MAX_CPUS = 65_536;

function cpuTimes(values: string[]): CpuTimes | null {
  const times = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0, guest: 0, guestNice: 0 };
  for (let i = 0; i < CPU_KEYS.length && i < values.length; i += 1) {
    const value = parseCounter(values[i]);
    if (value === null) return null;
    times[CPU_KEYS[i]!] = value;
  }
  return times;
}

export function parseProcStat(text: string): ProcStat {
  const warnings = new Warnings();
  const out: ProcStat = {
    total: null,
    cpus: [],
    columns: null,
    bootTimeSec: null,
    contextSwitches: null,
    processesRunning: null,
    processesBlocked: null,
    warnings: warnings.list,
  };
  const lines = sourceLines(text, '/proc/stat', warnings);
  if (lines === null) return out;
  const seenCpus = new Set<number>();
  let sawTotal = false;
  for (let n = 0; n < lines.length; n += 1) {
    const line = lines[n]!;
    // Only short lines are split: `intr` runs to 100+ KB on machines with many IRQs.
    if (!line.startsWith('cpu') && !/^(btime|ctxt|procs_running|procs_blocked) /.test(line)) continue;
    if (line.length > 4096) {
      warnings.add(`line ${n + 1}: ${line.length} characters, too long for a ${line.split(' ', 1)[0]!.slice(0, 20)} line; skipped`);
      continue;
    }
    const parts = fields(line);
    const label = parts[0]!;
    const cpu = CPU_LABEL.exec(label);
    if (cpu) {
      const values = parts.slice(1);
      if (cpu[1] === '' && sawTotal) {
        // A second aggregate line means two files were run together: keep only the first.
        warnings.add(`line ${n + 1}: a second "cpu" line; the rest of the input is not one /proc/stat and is ignored`);
        break;
      }
      if (values.length < 4) {
        warnings.add(`line ${n + 1}: ${label} has ${values.length} columns, at least 4 expected; skipped`);
        continue;
      }
      const times = cpuTimes(values);
      if (times === null) {
        warnings.add(`line ${n + 1}: ${label} has a column that is not a counter: ${quote(line)}; skipped`);
        continue;
      }
      if (cpu[1] === '') {
        sawTotal = true;
        out.total = times;
        out.columns = Math.min(values.length, CPU_KEYS.length);
        continue;
      }
      const id = Number(cpu[1]);
      if (id >= MAX_CPUS || seenCpus.has(id)) {
        warnings.add(`line ${n + 1}: ${label} ${id >= MAX_CPUS ? 'out of range' : 'repeated'}; skipped`);
        continue;
      }
      seenCpus.add(id);
      out.cpus.push({ id, times });
      continue;
    }
    const value = parseCounter(parts[1]);
    if (parts.length !== 2 || value === null) {
      warnings.add(`line ${n + 1}: malformed ${quote(label)} line; skipped`);
      continue;
    }
    if (label === 'btime') out.bootTimeSec = value;
    else if (label === 'ctxt') out.contextSwitches = value;
    else if (label === 'procs_running') out.processesRunning = value;
    else if (label === 'procs_blocked') out.processesBlocked = value;
  }
  if (!sawTotal) warnings.add('no aggregate "cpu" line');
  return out;
}
