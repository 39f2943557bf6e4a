/**
 * The `time-sync` probe: is the clock synchronised? `timedatectl show` (systemd 239+), else
 * `timedatectl status` (its labels changed across versions), and `chronyc tracking`; any source
 * that says synchronised is enough.
 */
import type { ExecResult } from '../../hosts/host';
import type { Probe } from '../types';
import type { TimeSyncFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';
import { sourceLines, Warnings } from '../../collectors/linux/parse-support';

type TimeSyncProbe = Extract<Probe, { kind: 'time-sync' }>;

export function unknownTimeSync(_probe: TimeSyncProbe, problem: string): TimeSyncFact {
  return { kind: 'time-sync', synchronized: null, source: null, ntpEnabled: null, problem, warnings: [] };
}

const yesNo = (v: string | undefined): boolean | null => (v === 'yes' ? true : v === 'no' ? false : null);

/** `timedatectl show` Key=Value lines. Pure. */
export function parseTimedatectlShow(stdout: string, warnings: Warnings): { synchronized: boolean | null; ntpEnabled: boolean | null } {
  const props = new Map<string, string>();
  for (const line of sourceLines(stdout, 'timedatectl show', warnings) ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) props.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return { synchronized: yesNo(props.get('NTPSynchronized')), ntpEnabled: yesNo(props.get('NTP')) };
}

/** `timedatectl status` (`NTP synchronized` up to systemd 238, then `System clock synchronized`). Pure. */
export function parseTimedatectlStatus(stdout: string, warnings: Warnings): { synchronized: boolean | null; ntpEnabled: boolean | null } {
  const props = new Map<string, string>();
  for (const line of sourceLines(stdout, 'timedatectl status', warnings) ?? []) {
    const m = /^\s*([^:]+?):\s*(.*)$/.exec(line);
    if (m) props.set(m[1]!, m[2]!.trim());
  }
  const synced = props.get('System clock synchronized') ?? props.get('NTP synchronized');
  const service = props.get('NTP service');
  const ntp =
    props.get('NTP enabled') ?? props.get('systemd-timesyncd.service active') ?? (service === undefined ? undefined : service === 'active' ? 'yes' : 'no');
  return { synchronized: yesNo(synced), ntpEnabled: yesNo(ntp) };
}

/** `chronyc tracking`: `Leap status : Normal` is synchronised, `Not synchronised` is not. Pure. */
export function parseChronycTracking(stdout: string, warnings: Warnings): boolean | null {
  for (const line of sourceLines(stdout, 'chronyc tracking', warnings) ?? []) {
    const m = /^Leap status\s*:\s*(.*)$/.exec(line);
    if (m) return m[1]!.trim() === 'Not synchronised' ? false : ['Normal', 'Insert second', 'Delete second'].includes(m[1]!.trim()) ? true : null;
  }
  return null;
}

export function timeSyncFact(show: ExecResult, status: ExecResult, chrony: ExecResult): TimeSyncFact {
  const warnings = new Warnings();
  let td: { synchronized: boolean | null; ntpEnabled: boolean | null } = { synchronized: null, ntpEnabled: null };
  if (execProblem(show, 'timedatectl') === null && show.exitCode === 0) td = parseTimedatectlShow(show.stdout, warnings);
  if (td.synchronized === null && execProblem(status, 'timedatectl') === null && status.exitCode === 0) td = parseTimedatectlStatus(status.stdout, warnings);
  const chronySynced = execProblem(chrony, 'chronyc') === null && chrony.exitCode === 0 ? parseChronycTracking(chrony.stdout, warnings) : null;
  const base = { kind: 'time-sync' as const, ntpEnabled: td.ntpEnabled, problem: null, warnings: warnings.list };
  if (td.synchronized === true) return { ...base, synchronized: true, source: 'timedatectl' };
  if (chronySynced === true) return { ...base, synchronized: true, source: 'chronyc' };
  if (td.synchronized === false) return { ...base, synchronized: false, source: 'timedatectl' };
  if (chronySynced === false) return { ...base, synchronized: false, source: 'chronyc' };
  return { ...base, synchronized: null, source: null, problem: 'neither timedatectl nor chronyc told the synchronisation state' };
}

export function timeSyncProgram(_probe: TimeSyncProbe): ProbeProgram<TimeSyncFact> {
  return oneRound(
    [
      { kind: 'exec', program: 'timedatectl', args: ['show'] },
      { kind: 'exec', program: 'timedatectl', args: ['status'] },
      { kind: 'exec', program: 'chronyc', args: ['tracking'] },
    ],
    ([a, b, c]) => timeSyncFact(asExec(a), asExec(b), asExec(c)),
  );
}
