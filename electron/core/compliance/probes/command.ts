/** The `command` probe: a built-in allowlisted read-only command by id (builtin-commands.ts). */
import { builtinCommand } from '../builtin-commands';
import type { Probe } from '../types';
import type { CommandFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';
import { quote } from '../../collectors/linux/parse-support';

type CommandProbe = Extract<Probe, { kind: 'command' }>;

/** What a command fact keeps of its output. */
export const MAX_COMMAND_OUTPUT = 64 * 1024;

export function unknownCommand(probe: CommandProbe, problem: string): CommandFact {
  return { kind: 'command', id: probe.id, exitCode: null, stdout: '', stderr: '', problem, warnings: [] };
}

export function commandFact(id: string, program: string, result: unknown): CommandFact {
  const exec = asExec(result);
  const warnings = exec.stdout.length > MAX_COMMAND_OUTPUT || exec.truncated ? ['output cut short'] : [];
  return {
    kind: 'command',
    id,
    exitCode: exec.exitCode,
    stdout: exec.stdout.slice(0, MAX_COMMAND_OUTPUT),
    stderr: exec.stderr.slice(0, 4096),
    problem: execProblem(exec, program),
    warnings,
  };
}

export function commandProgram(probe: CommandProbe): ProbeProgram<CommandFact> {
  const command = builtinCommand(probe.id);
  if (!command) return oneRound([], () => unknownCommand(probe, `no built-in command ${quote(probe.id)}`));
  return oneRound([{ kind: 'exec', program: command.program, args: command.args, sudo: command.sudo }], ([r]) => commandFact(probe.id, command.program, r));
}
