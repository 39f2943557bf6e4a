/** The `file` probe: lstat of a path (exists, type, mode, owner and group). */
import type { Probe } from '../types';
import type { FileFact } from './facts';
import { asStat, NEEDS_PRIVILEGE, oneRound, type ProbeProgram } from './program';
import { readablePath } from '../command-specs';

type FileProbe = Extract<Probe, { kind: 'file' }>;

export function unknownFile(probe: FileProbe, problem: string): FileFact {
  return { kind: 'file', path: probe.path, exists: null, type: null, mode: null, uid: null, gid: null, owner: null, group: null, problem, warnings: [] };
}

/** A stat result as the fact. Pure. */
export function parseFileStat(path: string, result: unknown): FileFact {
  const stat = asStat(result);
  const fact = unknownFile({ kind: 'file', path }, null as unknown as string);
  fact.problem = null;
  if (stat.kind === 'missing') return { ...fact, exists: false };
  if (stat.kind === 'denied') return { ...fact, problem: NEEDS_PRIVILEGE };
  if (stat.kind === 'error') return { ...fact, problem: stat.message.slice(0, 200) };
  return { ...fact, exists: true, type: stat.type, mode: stat.mode, uid: stat.uid, gid: stat.gid, owner: stat.owner, group: stat.group };
}

export function fileProgram(probe: FileProbe): ProbeProgram<FileFact> {
  if (!readablePath.test(probe.path)) return oneRound([], () => unknownFile(probe, `${probe.path} is not a path the audit may read`));
  return oneRound([{ kind: 'stat', path: probe.path }], ([result]) => parseFileStat(probe.path, result));
}
