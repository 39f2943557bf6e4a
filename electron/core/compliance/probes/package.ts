/**
 * The `package` probe: installed or not, and the version. dpkg-query (Debian family) and rpm are
 * both asked in one round; the one that is installed answers (dpkg first where both are).
 */
import { packageName } from '../../hosts/exec-policy';
import { DPKG_FORMAT, RPM_FORMAT } from '../command-specs';
import type { Probe } from '../types';
import type { PackageFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';
import type { ExecResult } from '../../hosts/host';

type PackageProbe = Extract<Probe, { kind: 'package' }>;

const validName = packageName();

export function unknownPackage(probe: PackageProbe, problem: string): PackageFact {
  return { kind: 'package', name: probe.name, installed: null, version: null, manager: null, problem, warnings: [] };
}

/** The package's row of dpkg-query's listing (`name\tversion\tarch\tdb-status`; any architecture installed counts). Pure. */
export function parseDpkgQuery(name: string, stdout: string, warnings: Warnings): { installed: boolean; version: string | null } {
  const bare = name.split(':')[0]!;
  let installed = false;
  let version: string | null = null;
  for (const line of sourceLines(stdout, 'dpkg-query', warnings) ?? []) {
    const f = line.split('\t');
    if (f.length !== 4) {
      if (line.trim() !== '') warnings.add(`dpkg-query: odd line ${quote(line)}`);
      continue;
    }
    if (f[0] !== bare) continue;
    if (f[3] === 'installed') {
      installed = true;
      version ??= f[1]!;
    }
  }
  return { installed, version };
}

/** rpm -q with cnquery's format (`name epoch:version-release arch summary`). Pure. */
export function parseRpmQuery(name: string, stdout: string, warnings: Warnings): { installed: boolean; version: string | null } {
  for (const line of sourceLines(stdout, 'rpm -q', warnings) ?? []) {
    if (/^package \S+ is not installed$/.test(line.trim())) return { installed: false, version: null };
    const f = line.split(' ');
    if (f.length >= 3 && f[0] === name.split(':')[0]) return { installed: true, version: f[1]!.replace(/^0:/, '') };
    if (line.trim() !== '') warnings.add(`rpm -q: odd line ${quote(line)}`);
  }
  return { installed: false, version: null };
}

/** dpkg-query's and rpm's results as the fact. Pure. */
export function packageFact(name: string, dpkgResult: ExecResult, rpmResult: ExecResult): PackageFact {
  const warnings = new Warnings();
  const base = { kind: 'package' as const, name, warnings: warnings.list };
  const dpkgProblem = execProblem(dpkgResult, 'dpkg-query');
  const rpmProblem = execProblem(rpmResult, 'rpm');
  if (dpkgProblem === null) {
    // Exit 1 with "no packages found matching": dpkg knows no such package.
    if (dpkgResult.exitCode === 0 || /no packages found matching/.test(dpkgResult.stderr)) {
      const parsed = parseDpkgQuery(name, dpkgResult.stdout, warnings);
      if (parsed.installed || rpmProblem !== null) return { ...base, ...parsed, manager: 'dpkg', problem: null };
    } else warnings.add(`dpkg-query: exit ${dpkgResult.exitCode}: ${quote(dpkgResult.stderr.trim())}`);
  }
  if (rpmProblem === null && (rpmResult.exitCode === 0 || rpmResult.exitCode === 1)) {
    return { ...base, ...parseRpmQuery(name, rpmResult.stdout, warnings), manager: 'rpm', problem: null };
  }
  return {
    ...base,
    installed: null,
    version: null,
    manager: null,
    problem: dpkgProblem && rpmProblem ? 'neither dpkg nor rpm is installed' : 'the package manager failed',
  };
}

export function packageProgram(probe: PackageProbe): ProbeProgram<PackageFact> {
  if (!validName.test(probe.name)) return oneRound([], () => unknownPackage(probe, `${quote(probe.name)} is not a package name`));
  return oneRound(
    [
      { kind: 'exec', program: 'dpkg-query', args: ['-W', '-f', DPKG_FORMAT, probe.name] },
      { kind: 'exec', program: 'rpm', args: ['-q', '--queryformat', RPM_FORMAT, probe.name] },
    ],
    ([dpkg, rpm]) => packageFact(probe.name, asExec(dpkg), asExec(rpm)),
  );
}
