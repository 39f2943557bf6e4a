/**
 * Kernel log text as records: the output of `journalctl -k -o short-iso-precise`,
 * `dmesg --time-format iso` (with or without `--decode`), `dmesg -T` and plain `dmesg`. Pure and
 * bounded like the collectors' parsers: never throws, skips or cuts what does not fit and says so.
 */
import { sourceLines, Warnings } from '../collectors/linux/parse-support';

/** The newest this many records are kept: a log is read newest-last, and old lines matter least. */
export const MAX_KERNEL_RECORDS = 50_000;
/** The kernel's own record limit is about 1 KiB; longer is not a kernel line, so it is cut. */
export const MAX_KERNEL_MESSAGE_CHARS = 4096;

export interface KernelRecord {
  /** Wall-clock time in ms since the epoch, when the line carries a time with its zone; else null. */
  timeMs: number | null;
  /** Time since boot in ms, for plain `[  123.456]` lines; else null. */
  uptimeMs: number | null;
  /** The message, without time, host or facility; a multi-line record's lines joined with '\n'. */
  message: string;
  /** The line(s) as read (control characters replaced, cut at the bound). */
  raw: string;
}

export interface KernelLog {
  records: KernelRecord[];
  warnings: string[];
}

// 2025-01-21T04:41:44,283302+00:00 (dmesg) or 2025-02-23T16:24:18.123456+0000 (journalctl).
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})(?:\s|$)/;
// `dmesg --decode`: "kern  :warn  : " before the time.
const DECODE_PREFIX = /^[a-z]{2,8} *:[a-z]{2,8} *: /;
// journalctl's "host kernel: " after the time.
const JOURNAL_KERNEL = /^\S{1,255} kernel: /;
// [  123.456789] (plain dmesg; the kernel's own stamp).
const UPTIME = /^\[ *(\d{1,10})\.(\d{1,9})\] ?/;
// [Sun Feb 23 16:24:18 2025] (dmesg -T): local time of an unknown zone, so no timeMs.
const CTIME = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}\] ?/;
// Lines journalctl prints that are not records.
const JOURNAL_MARK = /^-- (?:Boot [0-9a-f]+|No entries|Logs begin|Journal begins|Reboot) /;
// C0 controls but tab, and DEL: binary junk must not reach messages or the UI.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/g;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An ISO time with its zone, as ms since the epoch, or null when a field is out of range. */
function isoTimeMs(m: RegExpExecArray): number | null {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]! || hour > 23 || minute > 59 || second > 60) return null;
  const fraction = m[7] ?? '';
  const ms = fraction === '' ? 0 : Math.floor(Number(fraction.padEnd(3, '0').slice(0, 3)));
  const zone = m[8]!;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5));
    if (hours > 23 || minutes > 59) return null;
    offsetMin = (hours * 60 + minutes) * (digits[0] === '-' ? -1 : 1);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59), ms);
  // Day 29 of February in a year that has none rolls into March: refuse rather than shift.
  if (new Date(utc).getUTCDate() !== day) return null;
  return utc - offsetMin * 60_000;
}

interface Stamped {
  timeMs: number | null;
  uptimeMs: number | null;
  message: string;
}

function stripStamp(line: string): Stamped | null {
  const body = DECODE_PREFIX.test(line) ? line.replace(DECODE_PREFIX, '') : line;
  const iso = ISO.exec(body);
  if (iso) {
    const rest = body.slice(iso[0].length);
    const journal = JOURNAL_KERNEL.exec(rest);
    return { timeMs: isoTimeMs(iso), uptimeMs: null, message: journal ? rest.slice(journal[0].length) : rest };
  }
  const uptime = UPTIME.exec(line);
  if (uptime) {
    const ms = Number(uptime[1]) * 1000 + Math.floor(Number(uptime[2]!.padEnd(3, '0').slice(0, 3)));
    return { timeMs: null, uptimeMs: ms, message: line.slice(uptime[0].length) };
  }
  const ctime = CTIME.exec(line);
  if (ctime) return { timeMs: null, uptimeMs: null, message: line.slice(ctime[0].length) };
  return null;
}

function cut(text: string, warnings: Warnings, what: string): string {
  if (text.length <= MAX_KERNEL_MESSAGE_CHARS) return text;
  warnings.add(`kernel log: ${what} of ${text.length} characters cut to ${MAX_KERNEL_MESSAGE_CHARS}`);
  return text.slice(0, MAX_KERNEL_MESSAGE_CHARS);
}

/**
 * The records of a kernel log. An indented line without a stamp continues the record before it
 * (dmesg prints a multi-line record that way); any other unstamped line is a record of its own with
 * no time (logs pasted without stamps).
 */
export function parseKernelLog(text: string): KernelLog {
  const warnings = new Warnings();
  const lines = sourceLines(text, 'kernel log', warnings);
  if (lines === null) return { records: [], warnings: warnings.list };
  let start = 0;
  if (lines.length > MAX_KERNEL_RECORDS) {
    start = lines.length - MAX_KERNEL_RECORDS;
    warnings.add(`kernel log: ${lines.length} lines, only the last ${MAX_KERNEL_RECORDS} read`);
  }
  const records: KernelRecord[] = [];
  let replaced = false;
  for (let i = start; i < lines.length; i += 1) {
    let line = lines[i]!;
    // Cut before anything else so no pattern ever runs over an unbounded line.
    if (line.length > MAX_KERNEL_MESSAGE_CHARS) line = cut(line, warnings, 'a line');
    const clean = line.replace(CONTROL, '\ufffd');
    if (clean !== line) replaced = true;
    if (clean.trim() === '' || JOURNAL_MARK.test(clean)) continue;
    const stamped = stripStamp(clean);
    const previous = records[records.length - 1];
    if (stamped === null && previous !== undefined && /^\s/.test(clean)) {
      previous.message = cut(`${previous.message}\n${clean.trim()}`, warnings, 'a record');
      previous.raw = cut(`${previous.raw}\n${clean}`, warnings, 'a record');
      continue;
    }
    const { timeMs, uptimeMs, message } = stamped ?? { timeMs: null, uptimeMs: null, message: clean };
    records.push({ timeMs, uptimeMs, message: message.trim(), raw: clean });
  }
  if (replaced) warnings.add('kernel log: control characters replaced');
  return { records, warnings: warnings.list };
}
