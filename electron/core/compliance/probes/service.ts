/**
 * The `service` probe: a systemd unit's load, active and enablement state, from
 * `systemctl show --property=LoadState,ActiveState,SubState,UnitFileState UNIT` (one command
 * for both questions; a unit systemd does not know is LoadState=not-found, not an error).
 */
import { systemdUnit } from '../../hosts/exec-policy';
import type { ExecResult } from '../../hosts/host';
import { SYSTEMCTL_SHOW_PROPERTIES } from '../command-specs';
import type { Probe } from '../types';
import type { ServiceFact } from './facts';
import { asExec, execProblem, oneRound, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type ServiceProbe = Extract<Probe, { kind: 'service' }>;

const validUnit = systemdUnit();

/** The UnitFileStates `systemctl is-enabled` exits 0 for. */
export const ENABLED_STATES = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'transient']);

export function unknownService(probe: ServiceProbe, problem: string): ServiceFact {
  return { kind: 'service', unit: probe.unit, exists: null, active: null, activeState: null, enabled: null, enabledState: null, problem, warnings: [] };
}

/** `systemctl show` output: Key=Value lines (one unit). Pure. */
export function parseSystemctlShow(stdout: string, warnings: Warnings): Map<string, string> {
  const props = new Map<string, string>();
  for (const line of sourceLines(stdout, 'systemctl show', warnings) ?? []) {
    const eq = line.indexOf('=');
    if (eq <= 0) {
      if (line.trim() !== '') warnings.add(`systemctl show: odd line ${quote(line)}`);
      continue;
    }
    const key = line.slice(0, eq);
    if (!props.has(key) && props.size < 200) props.set(key, line.slice(eq + 1));
  }
  return props;
}

/** A unit's fact from its `systemctl show` properties. Pure. */
export function serviceFromProperties(unit: string, props: Map<string, string>, warnings: Warnings): ServiceFact {
  const load = props.get('LoadState') ?? null;
  const activeState = props.get('ActiveState') ?? null;
  const fileState = props.get('UnitFileState') ?? null;
  const exists = load === null ? null : load !== 'not-found';
  return {
    kind: 'service',
    unit,
    exists,
    active: activeState === null ? null : activeState === 'active' || activeState === 'reloading',
    activeState,
    enabled: exists === false ? false : fileState === null ? null : ENABLED_STATES.has(fileState),
    enabledState: fileState === null || fileState === '' ? (exists === false ? 'not-found' : null) : fileState,
    problem: load === null ? 'systemctl show gave no LoadState' : null,
    warnings: warnings.list,
  };
}

export function serviceFact(unit: string, result: ExecResult): ServiceFact {
  const problem = execProblem(result, 'systemctl');
  if (problem) return unknownService({ kind: 'service', unit }, problem);
  if (/System has not been booted with systemd|Failed to connect to bus/.test(result.stderr))
    return unknownService({ kind: 'service', unit }, 'systemd is not running');
  const warnings = new Warnings();
  return serviceFromProperties(unit, parseSystemctlShow(result.stdout, warnings), warnings);
}

export function serviceProgram(probe: ServiceProbe): ProbeProgram<ServiceFact> {
  if (!validUnit.test(probe.unit)) return oneRound([], () => unknownService(probe, `${quote(probe.unit)} is not a unit name`));
  return oneRound([{ kind: 'exec', program: 'systemctl', args: ['show', SYSTEMCTL_SHOW_PROPERTIES, probe.unit] }], ([r]) => serviceFact(probe.unit, asExec(r)));
}
