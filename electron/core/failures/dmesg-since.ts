/**
 * dmesg has no cursor, and `--since` is not portable, so every read prints the whole ring buffer
 * (or its end, kernel-log-reader.ts). What was read before is skipped here, before any parsing:
 * the last record read (its time and a hash of its first line) is looked for near the end of the
 * new text, and only the lines after it are parsed. The driver's records of the minute up to it
 * are kept with the mark (few: only `NVRM:` lines matter to xid.ts) and read again with the new
 * ones, so that a fallen-off-the-bus line joins the Xid before it as a whole read would, without
 * parsing that minute's text again. Exact or nothing: when that record is not found (a reboot, a
 * clock step, a wrapped or cleared buffer), the whole text is parsed as before, and a buffer that
 * no longer reaches back to it is said (a gap, not silently lost lines). Pure; the work is bounded
 * by the new lines and those within the clock's slack of the mark.
 */
import { createHash } from 'node:crypto';
import { MAX_DMESG_TAIL_BYTES, MIN_DMESG_TAIL_BYTES } from './command-specs';
import { SAME_FAILURE_WINDOW_MS } from './xid';
import type { KernelRecord } from './kernel-log';

/** dmesg recomputes each line's wall-clock time on every run; this much apart is the same line. */
export const DMESG_CLOCK_SLACK_MS = 2000;
/** How far before a read's newest record the driver's records are kept for the next read: one failure's window, and the clock's slack. */
export const DMESG_CONTEXT_MS = SAME_FAILURE_WINDOW_MS + DMESG_CLOCK_SLACK_MS;
/** At most this many kept records, of this many characters in all: a storm of driver lines keeps its newest. */
export const MAX_DMESG_CONTEXT_RECORDS = 256;
export const MAX_DMESG_CONTEXT_CHARS = 64 * 1024;

/** The newest record of a dmesg read: where the next read of the same boot goes on from. */
export interface DmesgMark {
  bootId: string;
  timeMs: number;
  /** sha256 of the record's first line's message (base64): a small string of its own. */
  messageHash: string;
  /** How much of the buffer's end the next read asks for (tailBytesFor). */
  tailBytes: number;
  /**
   * The driver's records (`NVRM:` lines) of the DMESG_CONTEXT_MS up to the mark, oldest first:
   * what a line read next may join, read again with it instead of that minute's text.
   */
  context: readonly KernelRecord[];
}

export interface DmesgTail {
  /** The text to parse: the whole output, or its lines after the last record read. */
  text: string;
  /** Characters skipped unparsed (read before). */
  skippedChars: number;
  /** The buffer's oldest line is newer than the mark: lines logged since the last read were lost. */
  gap: boolean;
  /** The mark was found (so `text` is what is new, and the mark's context goes before it). */
  found: boolean;
  /**
   * The text reaches back past the mark by more than the clock's slack (a line older than that is
   * in it), so every line that could be the mark was looked at.
   */
  reachesBack: boolean;
  /** Bytes from the oldest line looked at to the end: what a tail of the buffer had to hold this time. */
  spanBytes: number;
}

// The stamp `dmesg --time-format iso` starts each line with: 2025-01-21T04:41:44,283302+00:00.
const STAMP = /(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:?\d{2})(?:[ \t]|$)/y;

/** The time of the stamp at `at`, and where the message starts, or null (a continuation line). */
function stampAt(text: string, at: number): { timeMs: number; messageAt: number } | null {
  STAMP.lastIndex = at;
  const m = STAMP.exec(text);
  if (!m) return null;
  const fraction = m[7] ?? '';
  const ms = fraction === '' ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const zone = m[8]!;
  let offsetMin = 0;
  if (zone !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMin = (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * (digits[0] === '-' ? -1 : 1);
  }
  const utc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Math.min(Number(m[6]), 59), ms);
  if (!Number.isFinite(utc)) return null;
  return { timeMs: utc - offsetMin * 60_000, messageAt: at + m[0].length };
}

export function messageHash(firstLine: string): string {
  return createHash('sha256').update(firstLine.trim()).digest('base64');
}

/** A power of two, twice `bytes`, within the policy's bounds. */
export function tailBytesFor(bytes: number): number {
  let tail = MIN_DMESG_TAIL_BYTES;
  while (tail < 2 * bytes && tail < MAX_DMESG_TAIL_BYTES) tail *= 2;
  return tail;
}

/**
 * The bytes of the buffer's end the read after a whole one needs, at a guess: it must reach back
 * past the newest record, and hold what is logged until then. Twice what the minute before the
 * newest record took (tailBytesFor); a read that falls short (a burst) reads the whole buffer,
 * so a wrong guess costs a round trip, never a line.
 */
export function dmesgTailBytes(records: readonly KernelRecord[], newestMs: number): number {
  let bytes = 0;
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const record = records[i]!;
    if (record.timeMs !== null && record.timeMs < newestMs - DMESG_CONTEXT_MS) break;
    // raw is the line as dmesg printed it, stamp included; and its newline.
    bytes += Buffer.byteLength(record.raw, 'utf8') + 1;
  }
  return tailBytesFor(bytes);
}

export interface MarkOptions {
  /** `records` are the lines after `previous`'s record (dmesgSince found it): its context goes on. */
  continued?: boolean;
  /** The next tail's size; by default dmesgTailBytes over `records`. */
  tailBytes?: number;
}

/**
 * A record whose strings are its own: a line split from the output is a slice that would keep
 * the whole output (up to MAX_DMESG_TAIL_BYTES, or the buffer) alive for as long as the mark.
 */
function ownCopy(record: KernelRecord): KernelRecord {
  const own = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
  return { timeMs: record.timeMs, uptimeMs: record.uptimeMs, message: own(record.message), raw: own(record.raw) };
}

/** Whether a record is one xid.ts reads (an Xid, a GPU fallen off the bus): the driver's. */
function isDriverRecord(record: KernelRecord): boolean {
  return record.message.startsWith('NVRM:');
}

/**
 * The mark after a read of `records` (the whole buffer, or with `continued` the lines after the
 * previous mark's record): the newest timed record, and the driver's records of the minute up to
 * it. A read without a timed record keeps the previous mark of the same boot.
 */
export function dmesgMarkOf(bootId: string, records: readonly KernelRecord[], previous: DmesgMark | null, options: MarkOptions = {}): DmesgMark | null {
  const same = previous !== null && previous.bootId === bootId ? previous : null;
  let newest: KernelRecord | null = null;
  for (let i = records.length - 1; i >= 0 && newest === null; i -= 1) if (records[i]!.timeMs !== null) newest = records[i]!;
  if (newest === null) return same === null || options.tailBytes === undefined ? same : { ...same, tailBytes: options.tailBytes };
  const newestMs = newest.timeMs!;
  const fromMs = newestMs - DMESG_CONTEXT_MS;
  const kept = (r: KernelRecord) => isDriverRecord(r) && r.timeMs !== null && r.timeMs >= fromMs;
  const context = [...(options.continued && same !== null ? same.context.filter(kept) : []), ...records.filter(kept).map(ownCopy)];
  const newline = newest.message.indexOf('\n');
  return {
    bootId,
    timeMs: newestMs,
    messageHash: messageHash(newline < 0 ? newest.message : newest.message.slice(0, newline)),
    tailBytes: options.tailBytes ?? dmesgTailBytes(records, newestMs),
    context: newestWithin(context),
  };
}

/** The newest records within MAX_DMESG_CONTEXT_RECORDS and MAX_DMESG_CONTEXT_CHARS, oldest first. */
function newestWithin(records: readonly KernelRecord[]): KernelRecord[] {
  let chars = 0;
  let from = records.length;
  while (from > 0 && records.length - from < MAX_DMESG_CONTEXT_RECORDS) {
    const record = records[from - 1]!;
    chars += record.message.length + record.raw.length;
    if (chars > MAX_DMESG_CONTEXT_CHARS) break;
    from -= 1;
  }
  return records.slice(from);
}

/**
 * The part of a `dmesg --time-format iso` output still to parse after `mark` (null: all of it).
 * Scans back from the end, line by line, until a line older than the mark by more than the
 * clock's slack. Of the lines that may be the mark (its time within the slack, its first line's
 * hash), the oldest is taken: a repeated line then has what follows its first copy read again
 * (the store drops the repeats), never skipped.
 */
export function dmesgSince(text: string, mark: DmesgMark | null): DmesgTail {
  const spanOf = (from: number) => Buffer.byteLength(from > 0 ? text.slice(from) : text, 'utf8');
  if (mark === null) return { text, skippedChars: 0, gap: false, found: false, reachesBack: false, spanBytes: spanOf(0) };
  let end = text.length;
  // A final newline ends the last line; it does not start an empty one.
  if (end > 0 && text.charCodeAt(end - 1) === 10) end -= 1;
  // Where the record after the line at hand starts (a record's indented lines go with it).
  let nextRecord = text.length;
  let cut = -1;
  let stoppedEarly = false;
  let oldestAt = 0;
  let oldestMs: number | null = null;
  for (;;) {
    const newline = end === 0 ? -1 : text.lastIndexOf('\n', end - 1);
    const start = newline + 1;
    const stamp = stampAt(text, start);
    if (stamp !== null) {
      if (stamp.timeMs < mark.timeMs - DMESG_CLOCK_SLACK_MS) {
        stoppedEarly = true;
        oldestAt = start;
        break;
      }
      oldestMs = stamp.timeMs;
      if (stamp.timeMs <= mark.timeMs + DMESG_CLOCK_SLACK_MS && messageHash(text.slice(stamp.messageAt, end)) === mark.messageHash) cut = nextRecord;
      nextRecord = start;
    }
    if (newline < 0) break;
    end = newline;
  }
  const spanBytes = spanOf(oldestAt);
  if (cut >= 0) return { text: text.slice(cut), skippedChars: cut, gap: false, found: true, reachesBack: stoppedEarly, spanBytes };
  // Not found: everything is parsed. A buffer whose oldest line is newer than the mark lost lines.
  const gap = !stoppedEarly && oldestMs !== null && oldestMs > mark.timeMs + DMESG_CLOCK_SLACK_MS;
  return { text, skippedChars: 0, gap, found: false, reachesBack: stoppedEarly, spanBytes };
}
