/** Stub: being written. */
import type { Probe } from '../types';
import type { FileContentFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'file-content' }>;

export function unknownFileContent(probe: P, problem: string): FileContentFact {
  return { kind: 'file-content', problem, warnings: [] } as unknown as FileContentFact;
}

export function fileContentProgram(probe: P): ProbeProgram<FileContentFact> {
  return oneRound([], () => unknownFileContent(probe, 'not yet implemented'));
}
