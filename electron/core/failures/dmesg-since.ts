/**
 * dmesg has no cursor, and `--since` is not portable, so every read prints the whole ring buffer.
 * What was read before is skipped here, before any parsing: the last record read (its time and a
 * hash of its first line) is looked for near the end of the new text, and only the lines from a
 * minute before it on are parsed (the minute lets a fallen-off-the-bus line join the Xid before
 * it, as a whole read would). Exact or nothing: when that record is not found (a reboot, a clock
 * step, a wrapped or cleared buffer), the whole text is parsed as before, and a buffer that no
 * longer reaches back to it is said (a gap, not silently lost lines). Pure; the work is bounded by
 * the lines of the last minute and the new ones.
 */
import { createHash } from 'node:crypto';
import { MAX_DMESG_TAIL_BYTES, MIN_DMESG_TAIL_BYTES } from './command-specs';
import { SAME_FAILURE_WINDOW_MS } from './xid';
import type { KernelRecord } from './kernel-log';

/** dmesg recomputes each line's wall-clock time on every run; this much apart is the same line. */
export const DMESG_CLOCK_SLACK_MS = 2000;
/** How far before the last record read parsing starts again: one failure's window, and the clock's slack. */
export const DMESG_CONTEXT_MS = SAME_FAILURE_WINDOW_MS + DMESG_CLOCK_SLACK_MS;

/** The newest record of a dmesg read: where the next read of the same boot goes on from. */
export interface DmesgMark {
  bootId: string;
  timeMs: number;
  /** sha256 of the record's first line's message (base64): a small string of its own. */
  messageHash: string;
  /** How much of the buffer's end the next read asks for (dmesgTailBytes). */
  tailBytes: number;
}

export interface DmesgTail {
  /** The text to parse: the whole output, or its lines from DMESG_CONTEXT_MS before the mark on. */
  text: string;
  /** Lines skipped unparsed (read before). */
  skippedChars: number;
  /** The buffer's oldest line is newer than the mark: lines logged since the last read were lost. */
  gap: boolean;
  /** The mark was found (so `text` is what is new, with the minute before it). */
  found: boolean;
  /** The text reaches back past DMESG_CONTEXT_MS before the mark (a line older than that is in it). */
  reachesBack: boolean;
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

/**
 * The bytes of the buffer's end the read after this one needs, at a guess: it must reach back to
 * DMESG_CONTEXT_MS before the newest record, and hold what is logged until then. Twice what that
 * minute took now, a power of two within the policy's bounds; a read that falls short (a burst)
 * reads the whole buffer, so a wrong guess costs a round trip, never a line.
 */
export function dmesgTailBytes(records: readonly KernelRecord[], newestMs: number): number {
  let bytes = 0;
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const record = records[i]!;
    if (record.timeMs !== null && record.timeMs < newestMs - DMESG_CONTEXT_MS) break;
    // raw is the line as dmesg printed it, stamp included; and its newline.
    bytes += Buffer.byteLength(record.raw, 'utf8') + 1;
  }
  let tail = MIN_DMESG_TAIL_BYTES;
  while (tail < 2 * bytes && tail < MAX_DMESG_TAIL_BYTES) tail *= 2;
  return tail;
}

/** The mark of a read's newest timed record, or `previous` when the read had none. */
export function dmesgMarkOf(bootId: string, records: readonly KernelRecord[], previous: DmesgMark | null): DmesgMark | null {
  for (let i = records.length - 1; i >= 0; i -= 1) {
    const record = records[i]!;
    if (record.timeMs === null) continue;
    const newline = record.message.indexOf('\n');
    return {
      bootId,
      timeMs: record.timeMs,
      messageHash: messageHash(newline < 0 ? record.message : record.message.slice(0, newline)),
      tailBytes: dmesgTailBytes(records, record.timeMs),
    };
  }
  return previous !== null && previous.bootId === bootId ? previous : null;
}

/**
 * The part of a `dmesg --time-format iso` output still to parse after `mark` (null: all of it).
 * Scans back from the end, line by line, until a line older than the mark by DMESG_CONTEXT_MS.
 */
export function dmesgSince(text: string, mark: DmesgMark | null): DmesgTail {
  if (mark === null) return { text, skippedChars: 0, gap: false, found: false, reachesBack: false };
  let end = text.length;
  // A final newline ends the last line; it does not start an empty one.
  if (end > 0 && text.charCodeAt(end - 1) === 10) end -= 1;
  let cut = 0;
  let found = false;
  let stoppedEarly = false;
  let oldestMs: number | null = null;
  for (;;) {
    const newline = end === 0 ? -1 : text.lastIndexOf('\n', end - 1);
    const start = newline + 1;
    const stamp = stampAt(text, start);
    if (stamp !== null) {
      if (stamp.timeMs < mark.timeMs - DMESG_CONTEXT_MS) {
        stoppedEarly = true;
        break;
      }
      oldestMs = stamp.timeMs;
      cut = start;
      if (!found && Math.abs(stamp.timeMs - mark.timeMs) <= DMESG_CLOCK_SLACK_MS && messageHash(text.slice(stamp.messageAt, end)) === mark.messageHash)
        found = true;
    }
    if (newline < 0) break;
    end = newline;
  }
  if (found) return { text: cut > 0 ? text.slice(cut) : text, skippedChars: cut, gap: false, found, reachesBack: stoppedEarly };
  // Not found: everything is parsed. A buffer whose oldest line is newer than the mark lost lines.
  const gap = !stoppedEarly && oldestMs !== null && oldestMs > mark.timeMs + DMESG_CLOCK_SLACK_MS;
  return { text, skippedChars: 0, gap, found, reachesBack: stoppedEarly };
}
