// dmesg-since.ts over real `dmesg --time-format iso` captures (test/fixtures/nvidia-smi/errors):
// a later read parses only what is new, finds the same events as a whole read with the driver
// records kept with the mark, and says when the buffer no longer reaches back to where the last
// read ended.
import { describe, expect, it } from 'vitest';
import { MAX_DMESG_TAIL_BYTES, MIN_DMESG_TAIL_BYTES } from '../../../electron/core/failures/command-specs';
import {
  DMESG_CLOCK_SLACK_MS,
  DMESG_CONTEXT_MS,
  dmesgMarkOf,
  dmesgSince,
  dmesgTailBytes,
  MAX_DMESG_CONTEXT_CHARS,
  MAX_DMESG_CONTEXT_RECORDS,
  type DmesgMark,
} from '../../../electron/core/failures/dmesg-since';
import { parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { parseXidEvents, type XidEvent } from '../../../electron/core/failures/xid';
import { readFixture } from '../../helpers/fixtures';

const BOOT = '0b6b7808-c002-f593-ac86-cd8e57757b94';
const capture = readFixture('nvidia-smi', 'errors', 'xid-48-63-94-dbe-row-remap.dmesg-iso.log');
const lines = capture.split('\n').filter((l) => l !== '');
const text = (ls: readonly string[]) => `${ls.join('\n')}\n`;
const markAfter = (ls: readonly string[]): DmesgMark => dmesgMarkOf(BOOT, parseKernelLog(text(ls)).records, null)!;
const eventKeys = (events: readonly XidEvent[]) => events.map((e) => `${e.timeMs} ${e.xid} ${e.pciId} ${e.raw.join('|')}`);

/** Every stamp of a dmesg text moved by ms (dmesg recomputes wall-clock times on every run). */
function shifted(t: string, ms: number): string {
  return t.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}),(\d{6})\+00:00/gm, (_, s: string, us: string) => {
    const iso = new Date(Date.parse(`${s}.${us.slice(0, 3)}Z`) + ms).toISOString();
    return `${iso.slice(0, 19)},${iso.slice(20, 23)}${us.slice(3)}+00:00`;
  });
}

/** The events a read after `mark` finds: its kept driver records, then the new text's. */
const eventsAfter = (mark: DmesgMark, tail: { text: string }) => parseXidEvents([...mark.context, ...parseKernelLog(tail.text).records]).events;

describe('dmesgSince', () => {
  it('gives the whole text without a mark', () => {
    expect(dmesgSince(capture, null)).toEqual({
      text: capture,
      skippedChars: 0,
      gap: false,
      found: false,
      reachesBack: false,
      spanBytes: Buffer.byteLength(capture),
    });
  });

  it('parses only the lines after the last record read; with the driver records kept with the mark, the two reads find what one whole read finds', () => {
    // The capture: 10 lines at 05:39, then 31 from 12:02:03 on. The first read ended at line 20 (an Xid 94).
    const first = lines.slice(0, 20);
    const mark = markAfter(first);
    const tail = dmesgSince(text(lines), mark);
    expect(tail).toMatchObject({ gap: false, found: true, reachesBack: true });
    expect(tail.skippedChars).toBe(text(first).length);
    expect(tail.text).toBe(text(lines.slice(20)));
    // Scanned back to the first line older than the mark by more than the clock's slack (line 10, at 05:39).
    expect(tail.spanBytes).toBe(text(lines.slice(9)).length);
    // Kept: the driver's lines of the minute up to the mark (the ten Xid lines of 12:02:03), not the others.
    expect(mark.context.map((r) => r.raw)).toEqual(lines.slice(10, 20));
    // What the two reads found is what one whole read finds (the store drops the repeats).
    const seen = new Set([...eventKeys(parseXidEvents(parseKernelLog(text(first)).records).events)]);
    for (const key of eventKeys(eventsAfter(mark, tail))) seen.add(key);
    expect([...seen].sort()).toEqual(eventKeys(parseXidEvents(parseKernelLog(capture).records).events).sort());
  });

  it('parses nothing when nothing new was logged', () => {
    const first = lines.slice(0, 20);
    expect(dmesgSince(text(first), markAfter(first))).toEqual({
      text: '',
      skippedChars: text(first).length,
      gap: false,
      found: true,
      reachesBack: true,
      spanBytes: text(lines.slice(9, 20)).length,
    });
  });

  it('takes the oldest copy of a repeated last line as the mark: what was logged between the copies is read, never skipped', () => {
    const at = (second: number, message: string) => `2025-02-23T16:24:${String(second).padStart(2, '0')},000000+00:00 ${message}`;
    const repeated = 'nvidia-peermem nv_get_p2p_free_callback:127 ERROR detected invalid context';
    const first = [at(10, 'earlier'), at(20, repeated)];
    // Logged after the first read: an Xid, then the same line again within the clock's slack.
    const now = [...first, at(20, 'NVRM: Xid (PCI:0000:19:00): 13, pid=1, name=x, Graphics Exception'), at(21, repeated)];
    const tail = dmesgSince(text(now), markAfter(first));
    expect(tail.text).toBe(text(now.slice(2)));
    expect(eventsAfter(markAfter(first), tail).map((e) => e.xid)).toEqual([13]);
    // The ten identical peermem lines of 05:39: read from the second on again.
    expect(dmesgSince(text(lines.slice(0, 10)), markAfter(lines.slice(0, 10)))).toMatchObject({
      text: text(lines.slice(1, 10)),
      found: true,
      reachesBack: false,
    });
  });

  it("finds the mark when dmesg's clock moved within the slack, and parses all when it moved further", () => {
    const mark = markAfter(lines.slice(0, 30));
    const near = shifted(text(lines), DMESG_CLOCK_SLACK_MS - 500);
    expect(dmesgSince(near, mark).skippedChars).toBeGreaterThan(0);
    const far = shifted(text(lines), DMESG_CLOCK_SLACK_MS + 500);
    expect(dmesgSince(far, mark)).toMatchObject({ text: far, skippedChars: 0, gap: false, found: false, reachesBack: true });
  });

  it('parses all when the last record read is not there (another message at its time)', () => {
    const mark = { ...markAfter(lines.slice(0, 30)), messageHash: 'not-this' };
    expect(dmesgSince(text(lines), mark)).toMatchObject({ text: text(lines), skippedChars: 0, gap: false, found: false, reachesBack: true });
  });

  it('says when the buffer no longer holds the last record read (it wrapped): a gap, and all is parsed', () => {
    const mark = markAfter(lines.slice(0, 10));
    // Only the lines logged more than a minute later are left.
    const wrapped = text(lines.slice(10));
    expect(dmesgSince(wrapped, mark)).toMatchObject({ text: wrapped, skippedChars: 0, gap: true, found: false, reachesBack: false });
    // A buffer that still reaches back to the mark did not wrap.
    expect(dmesgSince(text(lines.slice(5)), mark).gap).toBe(false);
  });

  it('goes on after the last record read with its indented lines: they are not read again as records of their own', () => {
    const stamp = (minute: number, second: number) => `2025-02-23T16:${minute}:${String(second).padStart(2, '0')},000000+00:00`;
    const first = [`${stamp(24, 0)} earlier`, `${stamp(24, 10)} NVRM: Xid (PCI:0000:9b:00): 119, pid=1, name=x, Timeout`, '  continued line'];
    const log = [...first, `${stamp(24, 20)} later`];
    const mark = markAfter(first);
    expect(mark.context.map((r) => r.message)).toEqual(['NVRM: Xid (PCI:0000:9b:00): 119, pid=1, name=x, Timeout\ncontinued line']);
    expect(dmesgSince(text(log), mark).text).toBe(text(log.slice(3)));
  });

  it('joins a fallen-off-the-bus line read later to the Xid 79 read before, as a whole read does', () => {
    const stamped = readFixture('nvidia-smi', 'errors', 'xid-79-fallen-off-bus.kernel.txt')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => `2025-02-23T16:24:${String(18 + i).padStart(2, '0')},000000+00:00 ${l.trim()}`);
    // The first read ended with the Xid 79 line; the next holds the "fallen off the bus" lines.
    const mark = markAfter(stamped.slice(0, 3));
    const tail = dmesgSince(text(stamped), mark);
    expect(tail.text).toBe(text(stamped.slice(3)));
    const joined = (events: readonly XidEvent[]) => events.map((e) => [e.xid, e.raw.length]);
    expect(joined(eventsAfter(mark, tail))).toEqual([[79, 2]]);
    expect(joined(parseXidEvents(parseKernelLog(text(stamped)).records).events)).toEqual([[79, 2]]);
    // Without the kept records the line would stand alone, as a failure of its own.
    expect(joined(parseXidEvents(parseKernelLog(tail.text).records).events)).toEqual([[null, 1]]);
  });
});

describe('dmesgMarkOf', () => {
  it("keeps the newest timed record's time and first line, or the previous mark of the same boot", () => {
    const mark = markAfter(lines);
    expect(mark.timeMs).toBe(Date.UTC(2024, 10, 15, 12, 2, 15, 950));
    expect(dmesgMarkOf(BOOT, [], mark)).toBe(mark);
    expect(dmesgMarkOf(BOOT, [], mark, { continued: true, tailBytes: 32_768 })).toEqual({ ...mark, tailBytes: 32_768 });
    expect(dmesgMarkOf('another-boot', [], mark)).toBeNull();
  });

  it('keeps the driver records of the minute up to the newest: carried on by a read that went on after the mark, not by a whole one', () => {
    const at = (ms: number, message: string) => `${new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ',$1000+00:00')} ${message}`;
    const T = Date.UTC(2025, 1, 23, 16, 0, 0);
    const xid = (ms: number, n: number) => at(ms, `NVRM: Xid (PCI:0000:19:00): ${n}, pid=1, name=x, detail`);
    const first = dmesgMarkOf(BOOT, parseKernelLog(text([xid(T, 13), at(T + 1000, 'other')])).records, null)!;
    expect(first.context.map((r) => r.message)).toEqual(['NVRM: Xid (PCI:0000:19:00): 13, pid=1, name=x, detail']);
    const later = parseKernelLog(text([xid(T + 30_000, 31), at(T + DMESG_CONTEXT_MS - 1, 'newest')])).records;
    const continued = dmesgMarkOf(BOOT, later, first, { continued: true })!;
    expect(continued.context.map((r) => r.message.split(', ')[0])).toEqual(['NVRM: Xid (PCI:0000:19:00): 13', 'NVRM: Xid (PCI:0000:19:00): 31']);
    // A whole read holds what the previous mark kept already: not carried twice.
    expect(dmesgMarkOf(BOOT, later, first)!.context).toHaveLength(1);
    // Older than DMESG_CONTEXT_MS before the newest: dropped.
    const past = dmesgMarkOf(BOOT, parseKernelLog(text([at(T + DMESG_CONTEXT_MS + 1, 'newest')])).records, first, { continued: true })!;
    expect(past.context).toEqual([]);
    // A storm of driver lines keeps its newest MAX_DMESG_CONTEXT_RECORDS.
    const storm = Array.from({ length: MAX_DMESG_CONTEXT_RECORDS + 50 }, (_, i) => xid(T + i * 10, i + 1));
    const stormy = dmesgMarkOf(BOOT, parseKernelLog(text(storm)).records, null)!;
    expect(stormy.context).toHaveLength(MAX_DMESG_CONTEXT_RECORDS);
    expect(stormy.context.at(-1)!.message).toContain(`: ${MAX_DMESG_CONTEXT_RECORDS + 50},`);
    // And no more than MAX_DMESG_CONTEXT_CHARS of them: long lines keep fewer.
    const long = Array.from({ length: 100 }, (_, i) => `${xid(T + i * 10, i + 1)} ${'x'.repeat(1000)}`);
    const longMark = dmesgMarkOf(BOOT, parseKernelLog(text(long)).records, null)!;
    const chars = longMark.context.reduce((n, r) => n + r.message.length + r.raw.length, 0);
    expect(chars).toBeLessThanOrEqual(MAX_DMESG_CONTEXT_CHARS);
    expect(chars + 2 * 1100).toBeGreaterThan(MAX_DMESG_CONTEXT_CHARS);
    expect(longMark.context.at(-1)!.message).toContain(': 100,');
  });
});

describe('dmesgTailBytes', () => {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ',$1000+00:00');
  /** n lines of `length` bytes each (newline included), one a second, ending at endMs. */
  const linesEnding = (endMs: number, n: number, length: number) =>
    Array.from({ length: n }, (_, i) => {
      const head = `${stamp(endMs - (n - 1 - i) * 1000)} line ${i} `;
      return head + 'x'.repeat(length - 1 - head.length);
    });
  const END = Date.UTC(2025, 1, 23, 16, 24, 18);

  it('asks for twice what the minute before the newest record took, a power of two within the bounds', () => {
    // The capture's first 10 lines (05:39), 1.2 KB: the least.
    expect(text(lines.slice(0, 10)).length).toBeLessThan(MIN_DMESG_TAIL_BYTES / 2);
    expect(markAfter(lines.slice(0, 10)).tailBytes).toBe(MIN_DMESG_TAIL_BYTES);
    // Its last minute (the 31 lines of 12:02), 4.3 KB: twice that is over 8 KiB, so 16 KiB.
    expect(text(lines.slice(10)).length).toBeGreaterThan(MIN_DMESG_TAIL_BYTES / 2);
    expect(markAfter(lines).tailBytes).toBe(16_384);
    // 60 lines of 100 bytes within DMESG_CONTEXT_MS (6,000 bytes): 12,000 -> 16 KiB.
    const busy = linesEnding(END, 60, 100);
    const records = parseKernelLog(text(busy)).records;
    expect(dmesgTailBytes(records, END)).toBe(16_384);
    // Lines older than the minute before the newest do not count.
    const old = linesEnding(END - DMESG_CONTEXT_MS - 60_000, 500, 100);
    expect(dmesgTailBytes(parseKernelLog(text([...old, ...busy])).records, END)).toBe(16_384);
    // A storm of long lines: no more than the most.
    expect(dmesgTailBytes(parseKernelLog(text(linesEnding(END, 60, 1000))).records, END)).toBe(MAX_DMESG_TAIL_BYTES);
    expect(dmesgMarkOf(BOOT, parseKernelLog(text(busy)).records, null)!.tailBytes).toBe(16_384);
  });
});
