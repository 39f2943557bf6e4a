/** Stub: being written. */
import type { Probe } from '../types';
import type { AccountsFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'accounts' }>;

export function unknownAccounts(probe: P, problem: string): AccountsFact {
  return { kind: 'accounts', problem, warnings: [] } as unknown as AccountsFact;
}

export function accountsProgram(probe: P): ProbeProgram<AccountsFact> {
  return oneRound([], () => unknownAccounts(probe, 'not yet implemented'));
}
