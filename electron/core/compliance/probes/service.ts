/** Stub: being written. */
import type { Probe } from '../types';
import type { ServiceFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'service' }>;

export function unknownService(probe: P, problem: string): ServiceFact {
  return { kind: 'service', problem, warnings: [] } as unknown as ServiceFact;
}

export function serviceProgram(probe: P): ProbeProgram<ServiceFact> {
  return oneRound([], () => unknownService(probe, 'not yet implemented'));
}
