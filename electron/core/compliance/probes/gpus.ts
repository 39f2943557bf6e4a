/** Stub: being written. */
import type { Probe } from '../types';
import type { GpusFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'gpus' }>;

export function unknownGpus(probe: P, problem: string): GpusFact {
  return { kind: 'gpus', problem, warnings: [] } as unknown as GpusFact;
}

export function gpusProgram(probe: P): ProbeProgram<GpusFact> {
  return oneRound([], () => unknownGpus(probe, 'not yet implemented'));
}
