/** The `login-defs` probe: /etc/login.defs as KEY -> value (the last line of a key counts). */
import type { Probe } from '../types';
import type { LoginDefsFact } from './facts';
import { readText, type FileText } from './file-access';
import { type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type LoginDefsProbe = Extract<Probe, { kind: 'login-defs' }>;

export const LOGIN_DEFS = '/etc/login.defs';
const MAX_KEYS = 500;

export function unknownLoginDefs(_probe: LoginDefsProbe, problem: string): LoginDefsFact {
  return { kind: 'login-defs', values: {}, problem, warnings: [] };
}

/** `KEY value` lines (blanks or tabs between; # comments; a key with no value is ""). Pure. */
export function parseLoginDefs(text: string, warnings: Warnings = new Warnings()): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [index, raw] of (sourceLines(text, LOGIN_DEFS, warnings) ?? []).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z0-9_]+)(?:\s+(.*))?$/.exec(line);
    if (!match) {
      warnings.add(`${LOGIN_DEFS}:${index + 1}: odd line ${quote(line)}`);
      continue;
    }
    if (!(match[1]! in values) && Object.keys(values).length >= MAX_KEYS) continue;
    let value = (match[2] ?? '').trim();
    if (/^".*"$/.test(value)) value = value.slice(1, -1);
    values[match[1]!] = value;
  }
  return values;
}

export function loginDefsFact(text: FileText): LoginDefsFact {
  if (text.kind === 'missing') return unknownLoginDefs({ kind: 'login-defs' }, `${LOGIN_DEFS} does not exist`);
  if (text.kind === 'unknown') return unknownLoginDefs({ kind: 'login-defs' }, text.problem);
  const warnings = new Warnings();
  return { kind: 'login-defs', values: parseLoginDefs(text.text, warnings), problem: null, warnings: warnings.list };
}

export function* loginDefsProgram(_probe: LoginDefsProbe): ProbeProgram<LoginDefsFact> {
  return loginDefsFact(yield* readText(LOGIN_DEFS));
}
