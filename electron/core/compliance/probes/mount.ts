/** The `mount` probe: a mount point's device, filesystem and options from /proc/mounts (octal escapes decoded; the last mount of a point counts). */
import type { Probe } from '../types';
import type { MountFact } from './facts';
import { asRead, oneRound, readProblem, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type MountProbe = Extract<Probe, { kind: 'mount' }>;

export const PROC_MOUNTS = '/proc/mounts';

export interface MountEntry {
  device: string;
  mountPoint: string;
  fstype: string;
  options: string[];
}

export function unknownMount(probe: MountProbe, problem: string): MountFact {
  return { kind: 'mount', path: probe.path, mounted: null, device: null, fstype: null, options: [], problem, warnings: [] };
}

/** The kernel's escapes of space, tab, newline and backslash (\040 \011 \012 \134). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** /proc/mounts lines. Pure. */
export function parseProcMounts(text: string, warnings: Warnings): MountEntry[] {
  const out: MountEntry[] = [];
  for (const [index, line] of (sourceLines(text, PROC_MOUNTS, warnings) ?? []).entries()) {
    const f = line.split(' ');
    if (f.length !== 6) {
      if (line.trim() !== '') warnings.add(`${PROC_MOUNTS}:${index + 1}: odd line ${quote(line)}`);
      continue;
    }
    if (out.length >= 10_000) break;
    out.push({ device: unescapeMountField(f[0]!), mountPoint: unescapeMountField(f[1]!), fstype: f[2]!, options: f[3]!.split(',') });
  }
  return out;
}

function normalisePath(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

export function mountFact(path: string, result: unknown): MountFact {
  const read = asRead(result);
  const problem = readProblem(read, PROC_MOUNTS);
  if (read.kind !== 'ok') return unknownMount({ kind: 'mount', path }, problem ?? 'unreadable');
  const warnings = new Warnings();
  const entries = parseProcMounts(read.text, warnings);
  const wanted = normalisePath(path);
  const entry = entries.filter((e) => e.mountPoint === wanted).at(-1);
  if (!entry) return { kind: 'mount', path, mounted: false, device: null, fstype: null, options: [], problem: null, warnings: warnings.list };
  return {
    kind: 'mount',
    path,
    mounted: true,
    device: entry.device,
    fstype: entry.fstype,
    options: splitOptions(entry.options.join(',')),
    problem: null,
    warnings: warnings.list,
  };
}

/** Options split on commas outside double quotes (SELinux `context="system_u:...:s0:c1,c2"`). Pure. */
export function splitOptions(options: string): string[] {
  return options.match(/(?:[^,"]|"[^"]*")+/g) ?? [];
}

export function mountProgram(probe: MountProbe): ProbeProgram<MountFact> {
  return oneRound([{ kind: 'read', path: PROC_MOUNTS }], ([r]) => mountFact(probe.path, r));
}
