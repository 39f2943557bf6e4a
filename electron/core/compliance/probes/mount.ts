/** Stub: being written. */
import type { Probe } from '../types';
import type { MountFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'mount' }>;

export function unknownMount(probe: P, problem: string): MountFact {
  return { kind: 'mount', problem, warnings: [] } as unknown as MountFact;
}

export function mountProgram(probe: P): ProbeProgram<MountFact> {
  return oneRound([], () => unknownMount(probe, 'not yet implemented'));
}
