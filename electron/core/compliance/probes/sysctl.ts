/** Stub: being written. */
import type { Probe } from '../types';
import type { SysctlFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'sysctl' }>;

export function unknownSysctl(probe: P, problem: string): SysctlFact {
  return { kind: 'sysctl', problem, warnings: [] } as unknown as SysctlFact;
}

export function sysctlProgram(probe: P): ProbeProgram<SysctlFact> {
  return oneRound([], () => unknownSysctl(probe, 'not yet implemented'));
}
