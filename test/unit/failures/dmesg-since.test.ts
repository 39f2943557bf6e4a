// dmesg-since.ts over real `dmesg --time-format iso` captures (test/fixtures/nvidia-smi/errors):
// a later read skips what an earlier one parsed, finds the same events, and says when the buffer
// no longer reaches back to where the last read ended.
import { describe, expect, it } from 'vitest';
import { MAX_DMESG_TAIL_BYTES, MIN_DMESG_TAIL_BYTES } from '../../../electron/core/failures/command-specs';
import { DMESG_CLOCK_SLACK_MS, DMESG_CONTEXT_MS, dmesgMarkOf, dmesgSince, dmesgTailBytes, type DmesgMark } from '../../../electron/core/failures/dmesg-since';
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

describe('dmesgSince', () => {
  it('gives the whole text without a mark', () => {
    expect(dmesgSince(capture, null)).toEqual({ text: capture, skippedChars: 0, gap: false, found: false, reachesBack: false });
  });

  it('skips the lines older than a minute before the last record read, and finds every event of a whole read', () => {
    // The capture: 10 lines at 05:39, then 31 from 12:02:03 on. The first read ended at line 20.
    const first = lines.slice(0, 20);
    const tail = dmesgSince(text(lines), markAfter(first));
    expect(tail).toMatchObject({ gap: false, found: true, reachesBack: true });
    expect(tail.skippedChars).toBe(text(lines.slice(0, 10)).length);
    expect(tail.text).toBe(text(lines.slice(10)));
    // What the two reads found is what one whole read finds (the store drops the repeats).
    const seen = new Set([...eventKeys(parseXidEvents(parseKernelLog(text(first)).records).events)]);
    for (const key of eventKeys(parseXidEvents(parseKernelLog(tail.text).records).events)) seen.add(key);
    expect([...seen].sort()).toEqual(eventKeys(parseXidEvents(parseKernelLog(capture).records).events).sort());
  });

  it('parses nothing old when nothing new was logged for over a minute', () => {
    const mark = markAfter(lines.slice(0, 10));
    const tail = dmesgSince(text(lines.slice(0, 10)), mark);
    // The last 05:39 lines are within the minute before the mark: they are parsed again, no more.
    expect(tail).toEqual({ text: text(lines.slice(0, 10)), skippedChars: 0, gap: false, found: true, reachesBack: false });
    const later = text([...lines.slice(0, 10), ...lines.slice(10)]);
    expect(dmesgSince(later, mark).text).toBe(later);
    expect(dmesgSince(later, markAfter(lines)).text).toBe(text(lines.slice(10)));
  });

  it("finds the mark when dmesg's clock moved within the slack, and parses all when it moved further", () => {
    const mark = markAfter(lines.slice(0, 30));
    const near = shifted(text(lines), DMESG_CLOCK_SLACK_MS - 500);
    expect(dmesgSince(near, mark).skippedChars).toBeGreaterThan(0);
    const far = shifted(text(lines), DMESG_CLOCK_SLACK_MS + 500);
    expect(dmesgSince(far, mark)).toEqual({ text: far, skippedChars: 0, gap: false, found: false, reachesBack: true });
  });

  it('parses all when the last record read is not there (another message at its time)', () => {
    const mark = { ...markAfter(lines.slice(0, 30)), messageHash: 'not-this' };
    expect(dmesgSince(text(lines), mark)).toEqual({ text: text(lines), skippedChars: 0, gap: false, found: false, reachesBack: true });
  });

  it('says when the buffer no longer holds the last record read (it wrapped): a gap, and all is parsed', () => {
    const mark = markAfter(lines.slice(0, 10));
    // Only the lines logged more than a minute later are left.
    const wrapped = text(lines.slice(10));
    expect(dmesgSince(wrapped, mark)).toEqual({ text: wrapped, skippedChars: 0, gap: true, found: false, reachesBack: false });
    // A buffer that still reaches back before the mark did not wrap.
    expect(dmesgSince(text(lines.slice(5)), mark).gap).toBe(false);
  });

  it('never starts inside a multi-line record: its indented lines go with it', () => {
    const stamp = (minute: number, second: number) => `2025-02-23T16:${minute}:${String(second).padStart(2, '0')},000000+00:00`;
    const log = [
      `${stamp(22, 0)} NVRM: Xid (PCI:0000:9b:00): 119, pid=1, name=x, Timeout`,
      '  continued line',
      `${stamp(24, 10)} later`,
      `${stamp(24, 20)} last`,
    ];
    // 16:22:00 is more than DMESG_CONTEXT_MS before the last record read: skipped with its continuation line.
    expect(Date.UTC(2025, 1, 23, 16, 24, 20) - Date.UTC(2025, 1, 23, 16, 22, 0)).toBeGreaterThan(DMESG_CONTEXT_MS);
    expect(dmesgSince(text(log), markAfter(log)).text).toBe(text(log.slice(2)));
  });

  it('joins a fallen-off-the-bus line read later to the Xid 79 read before, as a whole read does', () => {
    const stamped = readFixture('nvidia-smi', 'errors', 'xid-79-fallen-off-bus.kernel.txt')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, i) => `2025-02-23T16:24:${String(18 + i).padStart(2, '0')},000000+00:00 ${l.trim()}`);
    // The first read ended with the Xid 79 line; the next holds the "fallen off the bus" lines too.
    const tail = dmesgSince(text(stamped), markAfter(stamped.slice(0, 3)));
    expect(tail.skippedChars).toBe(0);
    expect(parseXidEvents(parseKernelLog(tail.text).records).events.map((e) => [e.xid, e.raw.length])).toEqual([[79, 2]]);
  });
});

describe('dmesgMarkOf', () => {
  it("keeps the newest timed record's time and first line, or the previous mark of the same boot", () => {
    const mark = markAfter(lines);
    expect(mark.timeMs).toBe(Date.UTC(2024, 10, 15, 12, 2, 15, 950));
    expect(dmesgMarkOf(BOOT, [], mark)).toBe(mark);
    expect(dmesgMarkOf('another-boot', [], mark)).toBeNull();
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
