/**
 * The `sysctl` probe: a key's live value (/proc/sys, the key's dots as slashes) and the value
 * the configuration sets at boot, read the way systemd-sysctl (and `sysctl --system`) reads it:
 * *.conf files of /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d,
 * /lib/sysctl.d, a name in an earlier folder hiding the same name in a later one, all in name
 * order, then /etc/sysctl.conf; the last assignment wins. Glob keys (`net.ipv4.conf.*.rp_filter`)
 * and `-key` exclusions of systemd 249+ are honoured.
 */
import { sysctlKey } from '../../hosts/exec-policy';
import type { Probe } from '../types';
import type { SysctlFact } from './facts';
import { listDir, readText, type DirNames, type FileText } from './file-access';
import { globMatch } from './glob';
import { asRead, NEEDS_PRIVILEGE, parallel, type ProbeProgram } from './program';
import { quote, sourceLines, Warnings } from '../../collectors/linux/parse-support';

type SysctlProbe = Extract<Probe, { kind: 'sysctl' }>;

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d', '/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';
const MAX_CONF_FILES = 128;
const validKey = sysctlKey();

export function unknownSysctl(probe: SysctlProbe, problem: string): SysctlFact {
  return {
    kind: 'sysctl',
    key: probe.key,
    live: null,
    liveProblem: problem,
    configured: null,
    configuredIn: null,
    configuredProblem: problem,
    problem,
    warnings: [],
  };
}

/**
 * A key in /proc/sys path form: with dots as separators (the first separator a dot), dots and
 * slashes swap (`net.ipv4.conf.eth0/100.rp_filter` -> `net/ipv4/conf/eth0.100/rp_filter`).
 */
export function sysctlPath(key: string): string {
  const first = key.search(/[./]/);
  if (first === -1 || key[first] === '/') return key;
  return key.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}

/** A /proc/sys value as `sysctl -n` shows it: blanks (tabs of multi-value keys) collapsed. */
export function normaliseSysctlValue(value: string): string {
  return value.trim().split(/\s+/).join(' ');
}

export interface SysctlAssignment {
  /** Path form (see sysctlPath); may hold glob characters. */
  key: string;
  value: string;
  line: number;
}

/** A sysctl.conf / sysctl.d file: `key = value`, `#` and `;` comments, a leading `-` (ignore errors). Pure. */
export function parseSysctlConf(text: string, file: string, warnings: Warnings): { assignments: SysctlAssignment[]; excluded: string[] } {
  const assignments: SysctlAssignment[] = [];
  const excluded: string[] = [];
  const lines = sourceLines(text, file, warnings) ?? [];
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq === -1) {
      if (line.startsWith('-')) excluded.push(sysctlPath(line.slice(1).trim()));
      else warnings.add(`${file}:${index + 1}: no "=" in ${quote(line)}`);
      return;
    }
    let key = line.slice(0, eq).trim();
    if (key.startsWith('-')) key = key.slice(1).trim();
    if (key === '') {
      warnings.add(`${file}:${index + 1}: no key in ${quote(line)}`);
      return;
    }
    assignments.push({ key: sysctlPath(key), value: normaliseSysctlValue(line.slice(eq + 1)), line: index + 1 });
  });
  return { assignments, excluded };
}

/** The files systemd-sysctl reads, in order, from each folder's listing. Pure. */
export function sysctlFileOrder(listings: readonly DirNames[], warnings: Warnings): string[] {
  const byName = new Map<string, string>();
  SYSCTL_DIRS.forEach((dir, i) => {
    const listing = listings[i];
    if (listing === undefined || listing.kind === 'missing') return;
    if (listing.kind === 'unknown') {
      warnings.add(`${dir}: ${listing.problem}`);
      return;
    }
    for (const name of listing.names) if (name.endsWith('.conf') && !byName.has(name)) byName.set(name, `${dir}/${name}`);
  });
  const names = [...byName.keys()].sort();
  if (names.length > MAX_CONF_FILES) warnings.add(`more than ${MAX_CONF_FILES} sysctl.d files; the rest ignored`);
  return names.slice(0, MAX_CONF_FILES).map((name) => byName.get(name)!);
}

/** The value the files set for `key` (the last assignment, a glob one unless the key is excluded). Pure. */
export function configuredValue(
  key: string,
  files: readonly { path: string; text: FileText }[],
  warnings: Warnings,
): { value: string | null; file: string | null; problem: string | null } {
  const path = sysctlPath(key);
  const parsed = files.map((f) => ({ path: f.path, text: f.text, conf: f.text.kind === 'ok' ? parseSysctlConf(f.text.text, f.path, warnings) : null }));
  const excluded = parsed.some((p) => p.conf?.excluded.some((k) => k === path || globMatch(k, path)));
  let value: string | null = null;
  let file: string | null = null;
  let problem: string | null = null;
  for (const p of parsed) {
    if (p.text.kind === 'unknown') {
      warnings.add(`${p.path}: ${p.text.problem}`);
      problem ??= p.text.problem === NEEDS_PRIVILEGE ? NEEDS_PRIVILEGE : `${p.path}: ${p.text.problem}`;
    }
    for (const a of p.conf?.assignments ?? []) {
      if (a.key === path || (!excluded && /[*?[]/.test(a.key) && segmentsMatch(a.key, path))) {
        value = a.value;
        file = p.path;
      }
    }
  }
  return { value, file, problem: value === null ? problem : null };
}

/** A glob key matches component by component (`*` never spans a separator). */
function segmentsMatch(pattern: string, path: string): boolean {
  const ps = pattern.split('/');
  const ks = path.split('/');
  return ps.length === ks.length && ps.every((p, i) => globMatch(p, ks[i]!));
}

/** The live value from a /proc/sys read. Pure. */
export function liveValue(result: unknown): { value: string | null; problem: string | null } {
  const read = asRead(result);
  if (read.kind === 'ok') return { value: normaliseSysctlValue(read.text), problem: null };
  if (read.kind === 'missing') return { value: null, problem: 'no such key in /proc/sys' };
  if (read.kind === 'denied') return { value: null, problem: NEEDS_PRIVILEGE };
  return { value: null, problem: read.message.slice(0, 200) };
}

export function* sysctlProgram(probe: SysctlProbe): ProbeProgram<SysctlFact> {
  if (!validKey.test(probe.key) || probe.key.split(/[./]/).includes('..')) return unknownSysctl(probe, `${quote(probe.key)} is not a sysctl key`);
  const warnings = new Warnings();
  const livePath = `/proc/sys/${sysctlPath(probe.key)}`;
  const [liveResult, ...rest] = yield* parallel<unknown>([
    (function* (): ProbeProgram<unknown> {
      const [r] = yield [{ kind: 'read', path: livePath, maxBytes: 64 * 1024 }];
      return r;
    })(),
    readText(SYSCTL_CONF),
    ...SYSCTL_DIRS.map((dir) => listDir(dir)),
  ]);
  const sysctlConf = rest[0] as FileText;
  const order = sysctlFileOrder(rest.slice(1) as DirNames[], warnings);
  const texts = yield* parallel<FileText>(order.map((path) => readText(path)));
  const files = [...order.map((path, i) => ({ path, text: texts[i]! })), { path: SYSCTL_CONF, text: sysctlConf }];
  const live = liveValue(liveResult);
  const configured = configuredValue(probe.key, files, warnings);
  return {
    kind: 'sysctl',
    key: probe.key,
    live: live.value,
    liveProblem: live.problem,
    configured: configured.value,
    configuredIn: configured.file,
    configuredProblem: configured.problem,
    problem: live.problem !== null && configured.problem !== null ? live.problem : null,
    warnings: warnings.list,
  };
}
