/** Stub: being written. */
import type { Probe } from '../types';
import type { PendingUpdatesFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'pending-updates' }>;

export function unknownPendingUpdates(probe: P, problem: string): PendingUpdatesFact {
  return { kind: 'pending-updates', problem, warnings: [] } as unknown as PendingUpdatesFact;
}

export function pendingUpdatesProgram(probe: P): ProbeProgram<PendingUpdatesFact> {
  return oneRound([], () => unknownPendingUpdates(probe, 'not yet implemented'));
}
