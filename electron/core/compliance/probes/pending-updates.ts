/**
 * The `pending-updates` probe: how many updates wait, how many for security. `apt-get -s upgrade`
 * (a simulation: `Inst` lines, a security origin such as `Debian-Security:12/stable-security` or
 * `Ubuntu:22.04/jammy-security`), else `yum -q check-update --security` (exit 100: updates listed).
 */
import type { ExecResult } from '../../hosts/host';
import type { Probe } from '../types';
import type { PendingUpdatesFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';
import { fields, quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type PendingUpdatesProbe = Extract<Probe, { kind: 'pending-updates' }>;

const MAX_NAMES = 200;

export function unknownPendingUpdates(_probe: PendingUpdatesProbe, problem: string): PendingUpdatesFact {
  return { kind: 'pending-updates', manager: null, pending: null, security: null, securityPackages: [], problem, warnings: [] };
}

const SECURITY_ORIGIN = /(?:^|[\s,(])\S*(?:-security|Debian-Security)\b/i;

/** apt-get's simulated `Inst name [old] (new origin, origin [arch])` lines. Pure. */
export function parseAptSimulation(stdout: string, warnings: Warnings): { pending: number; security: string[] } {
  let pending = 0;
  const security: string[] = [];
  for (const line of sourceLines(stdout, 'apt-get -s', warnings) ?? []) {
    const m = /^Inst (\S+)(?: \[[^\]]*\])? \((.*)\)/.exec(line);
    if (!m) continue;
    pending += 1;
    if (SECURITY_ORIGIN.test(m[2]!) && security.length < MAX_NAMES) security.push(m[1]!);
  }
  return { pending, security };
}

/** `yum check-update` rows (`name.arch version repo`, a long name wraps onto the next line) until "Obsoleting Packages". Pure. */
export function parseYumCheckUpdate(stdout: string, warnings: Warnings): string[] {
  const names: string[] = [];
  let carried: string | null = null;
  for (const line of sourceLines(stdout, 'yum check-update', warnings) ?? []) {
    if (/^Obsoleting Packages/.test(line)) break;
    const f = fields(line);
    if (carried !== null && /^\s/.test(line) && f.length === 2) {
      names.push(carried);
      carried = null;
      continue;
    }
    carried = null;
    if (f.length === 1 && /^[\w+.-]+\.\w+$/.test(f[0]!)) carried = f[0]!;
    else if (f.length === 3 && /^[\w+.-]+\.(?:x86_64|noarch|i686|aarch64|ppc64le|s390x|src|\w+)$/.test(f[0]!) && /\d/.test(f[1]!)) names.push(f[0]!);
    else if (f.length > 0 && !/^(?:Loaded plugins|Loading mirror|Last metadata|Security:|\*)/.test(line))
      warnings.add(`yum check-update: skipped ${quote(line)}`);
  }
  return names.slice(0, 100_000);
}

export function pendingUpdatesFact(apt: ExecResult, yum: ExecResult): PendingUpdatesFact {
  const warnings = new Warnings();
  if (execProblem(apt, 'apt-get') === null && apt.exitCode === 0) {
    const { pending, security } = parseAptSimulation(apt.stdout, warnings);
    return { kind: 'pending-updates', manager: 'apt', pending, security: security.length, securityPackages: security, problem: null, warnings: warnings.list };
  }
  if (execProblem(yum, 'yum') === null && (yum.exitCode === 0 || yum.exitCode === 100)) {
    const names = yum.exitCode === 0 ? [] : parseYumCheckUpdate(yum.stdout, warnings);
    // With --security every row is a security update; the plain count is not known from it.
    return {
      kind: 'pending-updates',
      manager: 'yum',
      pending: null,
      security: names.length,
      securityPackages: names.slice(0, MAX_NAMES),
      problem: null,
      warnings: warnings.list,
    };
  }
  const failed = [apt, yum].find((r) => !r.notFound);
  return unknownPendingUpdates(
    { kind: 'pending-updates' },
    failed
      ? `${failed === apt ? 'apt-get' : 'yum'} failed: exit ${failed.exitCode ?? 'none'}${failed.timedOut ? ' (timed out)' : ''}`
      : 'neither apt-get nor yum is installed',
  );
}

export function pendingUpdatesProgram(_probe: PendingUpdatesProbe): ProbeProgram<PendingUpdatesFact> {
  return oneRound(
    [
      { kind: 'exec', program: 'apt-get', args: ['-s', 'upgrade'] },
      { kind: 'exec', program: 'yum', args: ['-q', 'check-update', '--security'] },
    ],
    ([a, y]) => pendingUpdatesFact(asExec(a), asExec(y)),
  );
}
