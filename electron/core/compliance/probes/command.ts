/** Stub: being written. */
import type { Probe } from '../types';
import type { CommandFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'command' }>;

export function unknownCommand(probe: P, problem: string): CommandFact {
  return { kind: 'command', problem, warnings: [] } as unknown as CommandFact;
}

export function commandProgram(probe: P): ProbeProgram<CommandFact> {
  return oneRound([], () => unknownCommand(probe, 'not yet implemented'));
}
