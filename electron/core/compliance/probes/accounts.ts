/**
 * The `accounts` probe: /etc/passwd, /etc/group and /etc/shadow (root only: read with sudo -n
 * when the login user may not). The facts: who has uid 0, whose password hash is empty.
 */
import type { Probe } from '../types';
import type { AccountsFact, GroupEntry, PasswdEntry } from './facts';
import { readText, type FileText } from './file-access';
import { parallel, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type AccountsProbe = Extract<Probe, { kind: 'accounts' }>;

const MAX_ENTRIES = 100_000;
const ID = /^\d{1,10}$/;

export function unknownAccounts(_probe: AccountsProbe, problem: string): AccountsFact {
  return { kind: 'accounts', users: [], groups: [], uid0: [], emptyPasswords: null, shadowProblem: problem, problem, warnings: [] };
}

const skippable = (line: string) => line.trim() === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-');

/** /etc/passwd: name:password:uid:gid:gecos:home:shell. Also the names whose password field is empty. Pure. */
export function parsePasswd(text: string, warnings: Warnings): { users: PasswdEntry[]; emptyPassword: string[] } {
  const users: PasswdEntry[] = [];
  const emptyPassword: string[] = [];
  for (const [index, line] of (sourceLines(text, '/etc/passwd', warnings) ?? []).entries()) {
    if (skippable(line)) continue;
    const f = line.split(':');
    if (f.length !== 7 || f[0] === '' || !ID.test(f[2]!) || !ID.test(f[3]!)) {
      warnings.add(`/etc/passwd:${index + 1}: odd line ${quote(line)}`);
      continue;
    }
    if (users.length >= MAX_ENTRIES) break;
    users.push({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! });
    if (f[1] === '') emptyPassword.push(f[0]!);
  }
  return { users, emptyPassword };
}

/** /etc/group: name:password:gid:members. Pure. */
export function parseGroup(text: string, warnings: Warnings): GroupEntry[] {
  const groups: GroupEntry[] = [];
  for (const [index, line] of (sourceLines(text, '/etc/group', warnings) ?? []).entries()) {
    if (skippable(line)) continue;
    const f = line.split(':');
    if (f.length !== 4 || f[0] === '' || !ID.test(f[2]!)) {
      warnings.add(`/etc/group:${index + 1}: odd line ${quote(line)}`);
      continue;
    }
    if (groups.length >= MAX_ENTRIES) break;
    groups.push({ name: f[0]!, gid: Number(f[2]), members: f[3] === '' ? [] : f[3]!.split(',') });
  }
  return groups;
}

/** /etc/shadow: the names whose hash field is empty (a login with no password). Pure. */
export function parseShadowEmptyPasswords(text: string, warnings: Warnings): string[] {
  const empty: string[] = [];
  for (const [index, line] of (sourceLines(text, '/etc/shadow', warnings) ?? []).entries()) {
    if (skippable(line)) continue;
    const f = line.split(':');
    if (f.length < 2 || f[0] === '') {
      warnings.add(`/etc/shadow:${index + 1}: odd line`);
      continue;
    }
    if (f.length !== 9) warnings.add(`/etc/shadow:${index + 1}: ${f.length} fields, not 9`);
    if (f[1] === '' && empty.length < MAX_ENTRIES) empty.push(f[0]!);
  }
  return empty;
}

/** The three files' texts as the fact. Pure. */
export function accountsFact(passwd: FileText, group: FileText, shadow: FileText): AccountsFact {
  const warnings = new Warnings();
  const problemOf = (t: FileText, path: string) => (t.kind === 'missing' ? `${path} does not exist` : t.kind === 'unknown' ? t.problem : null);
  const { users, emptyPassword } = passwd.kind === 'ok' ? parsePasswd(passwd.text, warnings) : { users: [], emptyPassword: [] };
  const groups = group.kind === 'ok' ? parseGroup(group.text, warnings) : [];
  const shadowProblem = problemOf(shadow, '/etc/shadow');
  const shadowEmpty = shadow.kind === 'ok' ? parseShadowEmptyPasswords(shadow.text, warnings) : null;
  for (const t of [passwd, group, shadow]) if (t.kind === 'ok' && t.truncated) warnings.add('an account file was read in part (too large)');
  const groupProblem = problemOf(group, '/etc/group');
  if (groupProblem) warnings.add(groupProblem);
  return {
    kind: 'accounts',
    users,
    groups,
    uid0: users.filter((u) => u.uid === 0).map((u) => u.name),
    // passwd's own empty field counts too (a login with no password even without shadow).
    emptyPasswords: shadowEmpty === null ? null : [...new Set([...shadowEmpty, ...emptyPassword])],
    shadowProblem,
    problem: problemOf(passwd, '/etc/passwd'),
    warnings: warnings.list,
  };
}

export function* accountsProgram(_probe: AccountsProbe): ProbeProgram<AccountsFact> {
  const [passwd, group, shadow] = yield* parallel<FileText>([readText('/etc/passwd'), readText('/etc/group'), readText('/etc/shadow')]);
  return accountsFact(passwd!, group!, shadow!);
}
