/** Stub: being written. */
import type { Probe } from '../types';
import type { FirewallFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'firewall' }>;

export function unknownFirewall(probe: P, problem: string): FirewallFact {
  return { kind: 'firewall', problem, warnings: [] } as unknown as FirewallFact;
}

export function firewallProgram(probe: P): ProbeProgram<FirewallFact> {
  return oneRound([], () => unknownFirewall(probe, 'not yet implemented'));
}
