/**
 * The `logging` probe: where logs are kept. journald's Storage= (journald.conf, then its drop-ins
 * from /etc, /run and /usr/lib journald.conf.d in name order, the last value winning),
 * whether /var/log/journal exists (Storage=auto keeps the journal on disk only then), and
 * whether rsyslog or syslog-ng runs.
 */
import type { Probe } from '../types';
import type { LoggingFact } from './facts';
import { listDir, readText, type DirNames, type FileText } from './file-access';
import { asExec, asStat, parallel, type ProbeProgram } from './program';
import { parseSystemctlShow, serviceFromProperties } from './service';
import { SYSTEMCTL_SHOW_PROPERTIES } from '../command-specs';
import { sourceLines, Warnings } from '../../collectors/linux/parse-support';

type LoggingProbe = Extract<Probe, { kind: 'logging' }>;

export const JOURNALD_CONF = '/etc/systemd/journald.conf';
export const JOURNALD_DROPIN_DIRS = ['/etc/systemd/journald.conf.d', '/run/systemd/journald.conf.d', '/usr/lib/systemd/journald.conf.d'] as const;
export const SYSLOG_UNITS = ['rsyslog.service', 'syslog-ng.service'] as const;

export function unknownLogging(_probe: LoggingProbe, problem: string): LoggingFact {
  return { kind: 'logging', storage: null, journalDirExists: null, persistent: null, syslog: null, syslogDaemons: [], problem, warnings: [] };
}

/** The last `Storage=` of a [Journal] section, or null. Pure. */
export function journaldStorage(text: string, file: string, warnings: Warnings): string | null {
  let section: string | null = null;
  let storage: string | null = null;
  for (const raw of sourceLines(text, file, warnings) ?? []) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1]!;
    else if (section === 'Journal') {
      const m = /^Storage\s*=\s*(.*)$/.exec(line);
      if (m) storage = m[1]!.trim().toLowerCase();
    }
  }
  return storage;
}

/** Drop-in files in systemd order (an earlier folder's name hides a later one's; sorted by name). Pure. */
export function dropInOrder(dirs: readonly string[], listings: readonly DirNames[]): string[] {
  const byName = new Map<string, string>();
  dirs.forEach((dir, i) => {
    const l = listings[i];
    if (l?.kind === 'ok') for (const n of l.names) if (n.endsWith('.conf') && !byName.has(n)) byName.set(n, `${dir}/${n}`);
  });
  return [...byName.keys()]
    .sort()
    .slice(0, 64)
    .map((n) => byName.get(n)!);
}

export function* loggingProgram(_probe: LoggingProbe): ProbeProgram<LoggingFact> {
  const warnings = new Warnings();
  const first = yield* parallel<unknown>([
    readText(JOURNALD_CONF),
    ...JOURNALD_DROPIN_DIRS.map((d) => listDir(d)),
    (function* (): ProbeProgram<unknown> {
      return yield [
        { kind: 'stat', path: '/var/log/journal' },
        ...SYSLOG_UNITS.map((unit) => ({ kind: 'exec' as const, program: 'systemctl', args: ['show', SYSTEMCTL_SHOW_PROPERTIES, unit] })),
      ];
    })(),
  ]);
  const main = first[0] as FileText;
  const listings = first.slice(1, 1 + JOURNALD_DROPIN_DIRS.length) as DirNames[];
  const [journalStat, ...units] = first.at(-1) as unknown[];
  const dropIns = dropInOrder(JOURNALD_DROPIN_DIRS, listings);
  const texts = yield* parallel<FileText>(dropIns.map((p) => readText(p)));
  let storage: string | null = null;
  let storageKnown = true;
  for (const [file, text] of [[JOURNALD_CONF, main] as const, ...dropIns.map((p, i) => [p, texts[i]!] as const)]) {
    if (text.kind === 'ok') storage = journaldStorage(text.text, file, warnings) ?? storage;
    else if (text.kind === 'unknown') {
      storageKnown = false;
      warnings.add(`${file}: ${text.problem}`);
    }
  }
  storage = storageKnown ? (storage ?? 'auto') : storage;
  const stat = asStat(journalStat);
  const journalDirExists = stat.kind === 'ok' ? stat.type === 'dir' : stat.kind === 'missing' ? false : null;
  const persistent = storage === 'persistent' ? true : storage === 'auto' ? journalDirExists : storage === 'volatile' || storage === 'none' ? false : null;
  const syslogDaemons = SYSLOG_UNITS.map((unit, i) => {
    const exec = asExec(units[i]);
    if (exec.exitCode !== 0) return { unit, active: null };
    const w = new Warnings();
    return { unit, active: serviceFromProperties(unit, parseSystemctlShow(exec.stdout, w), w).active };
  });
  const syslog = syslogDaemons.some((d) => d.active === true) ? true : syslogDaemons.every((d) => d.active === false) ? false : null;
  return {
    kind: 'logging',
    storage,
    journalDirExists,
    persistent,
    syslog,
    syslogDaemons,
    problem: persistent === null && syslog === null ? 'neither the journal storage nor a syslog daemon could be read' : null,
    warnings: warnings.list,
  };
}
