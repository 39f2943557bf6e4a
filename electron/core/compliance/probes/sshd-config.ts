/** Stub: being written. */
import type { Probe } from '../types';
import type { SshdFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'sshd' }>;

export function unknownSshd(probe: P, problem: string): SshdFact {
  return { kind: 'sshd', problem, warnings: [] } as unknown as SshdFact;
}

export function sshdProgram(probe: P): ProbeProgram<SshdFact> {
  return oneRound([], () => unknownSshd(probe, 'not yet implemented'));
}
