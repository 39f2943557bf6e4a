/**
 * A privileged command on a remote node: under `sudo -n`, unless the login user already is root
 * (root needs no sudo, and a minimal node often has none: a root login would otherwise get
 * "needs privilege" for reads it can simply do). LocalHost decides the same with getuid(); over
 * SSH the node decides, in constant script text (`[ "$(id -u)" = 0 ]`), and the command's words
 * stay positional parameters, never script text.
 */
import { privilegedResult, type ExecResult } from './host';

/** What the wrapper says on stderr (exit 127) when it is not root and finds no sudo. */
export const SUDO_MISSING = 'clusterdeck: sudo is not installed';

/**
 * The sh function `privileged WORD...`: as root, the words as they are (`command`: a program,
 * never a function of the batch script); else under `sudo -n --`; without sudo, SUDO_MISSING.
 * One line without backslash or '!', like the batch script it is part of.
 */
export const PRIVILEGED_FUNCTION =
  'privileged() { if [ "$(id -u)" = 0 ]; then command "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n -- "$@";' +
  ` else echo '${SUDO_MISSING}' >&2; return 127; fi; };`;

/** $0 of the single-command wrapper: it prefixes the shell's own error messages. */
const WRAPPER_NAME = 'clusterdeck-privileged';

/** The argv that runs `program args` privileged on the node: a constant `sh -c` script, the words after it. */
export function privilegedArgv(program: string, args: readonly string[]): string[] {
  return ['sh', '-c', `${PRIVILEGED_FUNCTION} privileged "$@"`, WRAPPER_NAME, program, ...args];
}

/**
 * A privileged command's result for the caller: no sudo, or sudo refusing, is `needsPrivilege`;
 * the program missing (as root: the shell's "not found"; under sudo: sudo's) is `notFound`.
 */
export function privilegedRemoteResult(result: ExecResult): ExecResult {
  if (result.exitCode === 127 && result.stderr.split('\n').includes(SUDO_MISSING))
    return { ...result, notFound: false, needsPrivilege: true, stderr: 'sudo is not installed' };
  if (result.notFound) return result;
  return privilegedResult(result);
}
