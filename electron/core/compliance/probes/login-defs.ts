/** Stub: being written. */
import type { Probe } from '../types';
import type { LoginDefsFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'login-defs' }>;

export function unknownLoginDefs(probe: P, problem: string): LoginDefsFact {
  return { kind: 'login-defs', problem, warnings: [] } as unknown as LoginDefsFact;
}

export function loginDefsProgram(probe: P): ProbeProgram<LoginDefsFact> {
  return oneRound([], () => unknownLoginDefs(probe, 'not yet implemented'));
}
