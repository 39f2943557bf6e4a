/** Stub: being written. */
import type { Probe } from '../types';
import type { LoggingFact } from './facts';
import { oneRound, type ProbeProgram } from './program';

type P = Extract<Probe, { kind: 'logging' }>;

export function unknownLogging(probe: P, problem: string): LoggingFact {
  return { kind: 'logging', problem, warnings: [] } as unknown as LoggingFact;
}

export function loggingProgram(probe: P): ProbeProgram<LoggingFact> {
  return oneRound([], () => unknownLogging(probe, 'not yet implemented'));
}
