/** Stub: being written. */
import type { Probe } from '../types';
import type { PackageFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'package' }>;

export function unknownPackage(probe: P, problem: string): PackageFact {
  return { kind: 'package', problem, warnings: [] } as unknown as PackageFact;
}

export function packageProgram(probe: P): ProbeProgram<PackageFact> {
  return oneRound([], () => unknownPackage(probe, 'not yet implemented'));
}
