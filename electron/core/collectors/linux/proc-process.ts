/**
 * The per-tick script's `gpu-procs` section (scripts.ts): for each PID of a GPU process, what
 * /proc says about it, and the names of the users that own them. One line per fact:
 *
 *   hz 100                       getconf CLK_TCK (the unit of /proc/PID/stat's starttime)
 *   uptime 350735.47 234388.90   /proc/uptime, read beside the stat files
 *   stat PID <first line of /proc/PID/stat>
 *   uid PID UID                  the real uid of /proc/PID/status's Uid: line
 *   cmd PID <cmdline>            /proc/PID/cmdline, NULs as spaces, bounded on the node
 *   user UID NAME                from /etc/passwd (or getent, for directory users)
 *
 * A PID the node hid (hidepid, another PID namespace) or that ended meanwhile has no lines, and
 * its user and command read as null. Never throws.
 */
import { clip, NODE_LIMITS } from '../../../../shared/model/limits';
import { fields, parseCounter, parseDecimal, sourceLines, Warnings } from './parse-support';

export interface ProcFacts {
  uid: number | null;
  command: string | null;
  /** /proc/PID/stat starttime: clock ticks after boot. */
  startTicks: number | null;
}

export interface GpuProcs {
  clockTicksPerSec: number | null;
  uptimeSec: number | null;
  byPid: Map<number, ProcFacts>;
  users: Map<number, string>;
  warnings: string[];
}

const USER_NAME = /^[^\s:]{1,256}$/;

/** starttime of a /proc/PID/stat line: the 20th field after the last ')' (comm may hold anything). */
export function statStartTicks(line: string): number | null {
  const close = line.lastIndexOf(')');
  if (close < 0) return null;
  return parseCounter(fields(line.slice(close + 1))[19]);
}

export function parseGpuProcs(text: string): GpuProcs {
  const warnings = new Warnings();
  const out: GpuProcs = { clockTicksPerSec: null, uptimeSec: null, byPid: new Map(), users: new Map(), warnings: warnings.list };
  const facts = (pid: number): ProcFacts => {
    let entry = out.byPid.get(pid);
    if (entry === undefined) {
      entry = { uid: null, command: null, startTicks: null };
      out.byPid.set(pid, entry);
    }
    return entry;
  };
  for (const line of sourceLines(text, 'gpu processes', warnings) ?? []) {
    const space = line.indexOf(' ');
    const kind = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? '' : line.slice(space + 1);
    if (kind === 'hz') {
      const hz = parseCounter(rest.trim());
      out.clockTicksPerSec = hz !== null && hz > 0 ? hz : null;
      continue;
    }
    if (kind === 'uptime') {
      out.uptimeSec = parseDecimal(fields(rest)[0]);
      continue;
    }
    const next = rest.indexOf(' ');
    const key = parseCounter(next < 0 ? rest : rest.slice(0, next));
    const value = next < 0 ? '' : rest.slice(next + 1);
    if (key === null) {
      if (kind !== 'nouser') warnings.add(`not a PID or uid: ${JSON.stringify(line.slice(0, 60))}`);
      continue;
    }
    switch (kind) {
      case 'stat':
        facts(key).startTicks = statStartTicks(value);
        break;
      case 'uid':
        facts(key).uid = parseCounter(value.trim());
        break;
      case 'cmd': {
        // NULs between arguments (where the node's awk kept them) read as spaces.
        const command = value.replaceAll('\u0000', ' ').trim();
        facts(key).command = command === '' ? null : clip(command, NODE_LIMITS.text);
        break;
      }
      case 'user':
        if (USER_NAME.test(value)) out.users.set(key, clip(value));
        break;
      case 'nouser':
        break;
      default:
        warnings.add(`unknown line: ${JSON.stringify(line.slice(0, 60))}`);
    }
  }
  return out;
}

/** Who runs `pid`, its command line and when it started (epoch ms, on the engine's clock). */
export function processDetails(procs: GpuProcs, pid: number, collectedAt: number): { user: string | null; command: string | null; startedAtMs: number | null } {
  const facts = procs.byPid.get(pid);
  if (facts === undefined) return { user: null, command: null, startedAtMs: null };
  const user = facts.uid === null ? null : (procs.users.get(facts.uid) ?? String(facts.uid));
  let startedAtMs: number | null = null;
  const { clockTicksPerSec: hz, uptimeSec } = procs;
  if (facts.startTicks !== null && hz !== null && uptimeSec !== null) {
    // Age from the node's own uptime, so a node whose wall clock is off still gives the right age.
    const ageSec = uptimeSec - facts.startTicks / hz;
    if (ageSec >= 0) startedAtMs = Math.round(collectedAt - ageSec * 1000);
  }
  return { user, command: facts.command, startedAtMs };
}
