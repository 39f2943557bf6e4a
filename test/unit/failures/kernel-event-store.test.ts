// Kernel events in a real SQLite file (openDatabase runs the migrations): each failure recorded
// once across re-reads and restarts, cursors kept per node, read back by time and by boot.
import { join } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { KernelEventStore } from '../../../electron/core/failures/kernel-event-store';
import { parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { parseXidEvents } from '../../../electron/core/failures/xid';
import { silentLogger } from '../../../electron/core/log';
import { openDatabase } from '../../../electron/core/store/db';
import { readFixture } from '../../helpers/fixtures';
import { tempDir } from '../../helpers/tmp';

const BOOT = '57c47db8-08e0-4728-a4ee-5b817112b155';
const OTHER_BOOT = '0b6b7808-c002-f593-ac86-cd8e57757b94';
const READ_AT = Date.UTC(2025, 0, 1);

const eventsOf = (text: string) => parseXidEvents(parseKernelLog(text).records).events;
const capture = (name: string) => readFixture('nvidia-smi', 'errors', name);

/** The capture as dmesg would print it again a little later: every ISO stamp `deltaMs` later. */
function shiftIsoStamps(text: string, deltaMs: number): string {
  return text.replace(/(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}),(\d{3})(\d{3})\+00:00/g, (_, seconds: string, ms: string, us: string) => {
    const shifted = new Date(Date.parse(`${seconds}.${ms}Z`) + deltaMs).toISOString();
    return `${shifted.slice(0, 19)},${shifted.slice(20, 23)}${us}+00:00`;
  });
}

const open: Db[] = [];
function openStore(path: string): KernelEventStore {
  const db = openDatabase(path);
  open.push(db);
  return new KernelEventStore(db);
}
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

describe('KernelEventStore', () => {
  it('records each event of a capture once, decoded, and nothing when the same lines come again', () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    const events = eventsOf(capture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'));
    const first = store.record('gpu-01', BOOT, events, READ_AT);
    expect(first.map((e) => e.xid)).toEqual(events.map((e) => e.xid));
    expect(first[0]).toEqual({
      id: expect.any(Number),
      nodeId: 'gpu-01',
      bootId: BOOT,
      atMs: Date.parse('2024-11-15T12:02:03.470Z'),
      uptimeMs: null,
      recordedMs: READ_AT,
      kind: 'xid',
      pciId: '00000000:19:00.0',
      xid: 48,
      severity: events[0]!.severity,
      name: events[0]!.name,
      detail: expect.stringContaining('Driver: An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer'),
      raw: [events[0]!.raw[0]],
    });
    expect(first[0]!.detail.startsWith(events[0]!.description)).toBe(true);
    expect(store.record('gpu-01', BOOT, events, READ_AT + 60_000)).toEqual([]);
    // Another node, or another boot of this one, is another event.
    expect(store.record('gpu-02', BOOT, events, READ_AT)).toHaveLength(events.length);
    expect(store.record('gpu-01', OTHER_BOOT, events, READ_AT)).toHaveLength(events.length);
  });

  it('records nothing twice after a restart (a new store over the same file)', () => {
    const path = join(tempDir(), 'cd.db');
    const events = eventsOf(capture('xid-13-43-sm-exception.dmesg-decode-iso.log'));
    expect(openStore(path).record('gpu-01', BOOT, events, READ_AT)).toHaveLength(events.length);
    for (const db of open.splice(0)) db.close();
    const again = openStore(path);
    expect(again.record('gpu-01', BOOT, events, READ_AT + 1)).toEqual([]);
    expect(again.inBoot('gpu-01', BOOT)).toHaveLength(events.length);
  });

  it('stores Xid 79 with its fallen-off line as one fallen-off-bus event, and a fallen-off message without an Xid too', () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    const xid79 = store.record('gpu-01', BOOT, eventsOf(capture('xid-79-fallen-off-bus.kernel.txt')), READ_AT);
    expect(xid79.map((e) => [e.kind, e.xid, e.pciId, e.severity, e.raw.length])).toEqual([['fallen-off-bus', 79, '00000000:06:00.0', 'critical', 2]]);
    expect(xid79[0]!.name).toBe('GPU has fallen off the bus');
    const noXid = store.record('gpu-01', BOOT, eventsOf(capture('fallen-off-bus-multiline-no-xid.dmesg.txt')), READ_AT);
    expect(noXid.map((e) => [e.kind, e.xid, e.pciId, e.uptimeMs, e.atMs])).toEqual([['fallen-off-bus', null, '00000000:B3:00.0', 1_843_308, null]]);
    expect(noXid[0]!.detail).toContain('fallen off the bus and is not responding to commands');
  });

  it("takes dmesg's recomputed stamps for the same events within the slack, and only then", () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    const text = capture('xid-48-63-94-dbe-row-remap.dmesg-iso.log');
    const events = eventsOf(text);
    store.record('gpu-01', BOOT, events, READ_AT, { clockSlackMs: 2000 });
    const later = eventsOf(shiftIsoStamps(text, 7));
    expect(later.map((e) => e.timeMs)).toEqual(events.map((e) => e.timeMs! + 7));
    expect(store.record('gpu-01', BOOT, later, READ_AT + 1, { clockSlackMs: 2000 })).toEqual([]);
    // Without slack (the journal's stamps never move) they would be new events.
    expect(store.record('gpu-01', BOOT, later, READ_AT + 2)).toHaveLength(events.length);
  });

  it('keeps one cursor per node, replaced on each read', () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    expect(store.cursor('gpu-01')).toBeNull();
    const cursor = 's=739ad463348b4ceca5a9e69c95a3c93f;i=4ece7;b=6c7c6013a26343b29e964691ff25d04c;m=4fc72436e;t=4c508a72423d9;x=d3e5610681098c2';
    store.setCursor('gpu-01', { bootId: BOOT, source: 'journal', cursor }, READ_AT);
    store.setCursor('gpu-02', { bootId: BOOT, source: 'dmesg', cursor: null }, READ_AT);
    expect(store.cursor('gpu-01')).toEqual({ bootId: BOOT, source: 'journal', cursor });
    store.setCursor('gpu-01', { bootId: OTHER_BOOT, source: 'dmesg', cursor: null }, READ_AT + 1);
    expect(store.cursor('gpu-01')).toEqual({ bootId: OTHER_BOOT, source: 'dmesg', cursor: null });
    expect(store.cursor('gpu-02')).toEqual({ bootId: BOOT, source: 'dmesg', cursor: null });
  });

  it('writes a cursor only when it moved, and reads what another store on the file wrote before it', () => {
    const path = join(tempDir(), 'cd.db');
    const store = openStore(path);
    const db = open.at(-1)!;
    const updatedMs = () => (db.prepare("SELECT updated_ms FROM kernel_log_cursors WHERE node_id = 'gpu-02'").get() as { updated_ms: number }).updated_ms;
    store.setCursor('gpu-02', { bootId: BOOT, source: 'dmesg', cursor: null }, READ_AT);
    // The same boot and source read after read: the row stays as it was.
    store.setCursor('gpu-02', { bootId: BOOT, source: 'dmesg', cursor: null }, READ_AT + 10_000);
    expect(updatedMs()).toBe(READ_AT);
    store.setCursor('gpu-02', { bootId: OTHER_BOOT, source: 'dmesg', cursor: null }, READ_AT + 20_000);
    expect(updatedMs()).toBe(READ_AT + 20_000);
    // A store opened later (a restart) starts from the file.
    expect(openStore(path).cursor('gpu-02')).toEqual({ bootId: OTHER_BOOT, source: 'dmesg', cursor: null });
  });

  it("lists a node's events by the line's time, or by when it was read where the line has none", () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    const stamped = store.record('gpu-01', BOOT, eventsOf(capture('xid-48-63-94-dbe-row-remap.dmesg-iso.log')), READ_AT);
    const unstamped = store.record('gpu-01', BOOT, eventsOf(capture('xid-79-fallen-off-bus.kernel.txt')), READ_AT);
    store.record('gpu-02', BOOT, eventsOf(capture('xid-79-fallen-off-bus.kernel.txt')), READ_AT);
    const xidTime = Date.parse('2024-11-15T12:02:03.470Z');
    expect(store.between('gpu-01', xidTime, xidTime + 1, 100).map((e) => e.id)).toEqual([stamped[0]!.id]);
    expect(store.between('gpu-01', READ_AT, READ_AT + 1, 100).map((e) => e.id)).toEqual([unstamped[0]!.id]);
    expect(store.between('gpu-01', 0, Number.MAX_SAFE_INTEGER, 100).map((e) => e.id)).toEqual([...stamped, ...unstamped].map((e) => e.id));
    expect(store.between('gpu-01', 0, Number.MAX_SAFE_INTEGER, 2)).toHaveLength(2);
  });

  it("lists one boot's events only", () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    store.record('gpu-01', OTHER_BOOT, eventsOf(capture('xid-13-43-sm-exception.dmesg-decode-iso.log')), READ_AT);
    const current = store.record('gpu-01', BOOT, eventsOf(capture('xid-79-fallen-off-bus.kernel.txt')), READ_AT);
    expect(store.inBoot('gpu-01', BOOT)).toEqual(current);
    expect(store.inBoot('gpu-02', BOOT)).toEqual([]);
  });
});

describe('KernelEventStore: bounded growth', () => {
  const HOUR = 3_600_000;
  /** `count` distinct events (the capture's first, one second apart). */
  function distinctEvents(count: number) {
    const [event] = eventsOf(capture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'));
    return Array.from({ length: count }, (_, i) => ({ ...event!, timeMs: event!.timeMs! + i * 1000 }));
  }

  it('prunes the events recorded before a cut-off, keeps the rest', () => {
    const store = openStore(join(tempDir(), 'cd.db'));
    const events = distinctEvents(4);
    store.record('gpu-01', BOOT, events.slice(0, 2), READ_AT);
    store.record('gpu-01', BOOT, events.slice(2), READ_AT + 10 * HOUR);
    expect(store.prune(READ_AT + HOUR)).toBe(2);
    expect(store.inBoot('gpu-01', BOOT).map((e) => e.recordedMs)).toEqual([READ_AT + 10 * HOUR, READ_AT + 10 * HOUR]);
  });

  it('records at most the cap per node per hour and logs how many it left out', () => {
    const warnings: string[] = [];
    const db = openDatabase(join(tempDir(), 'cd.db'));
    open.push(db);
    const store = new KernelEventStore(db, { maxPerNodePerHour: 5, log: { ...silentLogger, warn: (message: string) => warnings.push(message) } });
    const events = distinctEvents(12);
    expect(store.record('gpu-01', BOOT, events.slice(0, 8), READ_AT)).toHaveLength(5);
    expect(store.record('gpu-01', BOOT, events.slice(8, 10), READ_AT + 30 * 60_000)).toEqual([]);
    expect(store.record('gpu-02', BOOT, events.slice(0, 3), READ_AT)).toHaveLength(3);
    expect(store.record('gpu-01', BOOT, events.slice(10), READ_AT + HOUR)).toHaveLength(2);
    expect(warnings).toEqual([expect.stringContaining('3 more'), expect.stringContaining('2 more')]);
    expect(warnings[0]).toContain('gpu-01');
  });
});
