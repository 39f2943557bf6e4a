/** Stub: being written. */
import type { Probe } from '../types';
import type { TimeSyncFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'time-sync' }>;

export function unknownTimeSync(probe: P, problem: string): TimeSyncFact {
  return { kind: 'time-sync', problem, warnings: [] } as unknown as TimeSyncFact;
}

export function timeSyncProgram(probe: P): ProbeProgram<TimeSyncFact> {
  return oneRound([], () => unknownTimeSync(probe, 'not yet implemented'));
}
