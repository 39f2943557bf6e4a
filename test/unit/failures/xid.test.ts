import { describe, expect, it } from 'vitest';
import { parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { MAX_EVENT_RAW_LINES, normalisePciId, parseXidEvents, samePciDevice } from '../../../electron/core/failures/xid';
import { XID_CATALOG } from '../../../electron/core/failures/xid-catalog';
import { readFixture } from '../../helpers/fixtures';

const eventsOf = (text: string) => parseXidEvents(parseKernelLog(text).records);
const capture = (name: string) => eventsOf(readFixture('nvidia-smi', 'errors', name));

// Expected values read off the captures by hand (test/fixtures/SOURCES.md says where each is from)
// and off the catalog's entries for those codes.
describe('parseXidEvents over real captures', () => {
  it('makes Xid 79 and the "fallen off the bus" line after it one event', () => {
    const { events, warnings } = capture('xid-79-fallen-off-bus.kernel.txt');
    expect(warnings).toEqual([]);
    expect(events).toEqual([
      {
        timeMs: null,
        uptimeMs: null,
        pciId: '00000000:06:00.0',
        xid: 79,
        known: true,
        name: 'GPU has fallen off the bus',
        mnemonic: 'ROBUST_CHANNEL_GPU_HAS_FALLEN_OFF_THE_BUS',
        description: expect.stringMatching(/^GPU has fallen off the bus: the driver tried to reach the GPU over PCI Express/),
        severity: 'critical',
        action: 'RESTART_BM',
        pid: null,
        process: null,
        detail: 'GPU has fallen off the bus.',
        raw: ['NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.', 'NVRM: GPU 0000:06:00.0: GPU has fallen off the bus.'],
      },
    ]);
  });

  it('reads Xid 119 from dmesg -T with pid, process and detail, and not the RPC dump around it', () => {
    const { events } = capture('xid-119-gsp-rpc-timeout.dmesg-T.log');
    expect(events.map((e) => [e.xid, e.pid, e.process])).toEqual([
      [119, 2024380, 'nvidia-smi'],
      [119, 2024380, 'nvidia-smi'],
      [119, 2024380, 'nvidia-smi'],
      [119, 1263500, 'cache_mgr_main'],
      [119, 1240590, 'gpud'],
    ]);
    const [first] = events;
    expect(first).toMatchObject({
      timeMs: null,
      pciId: '00000000:9B:00.0',
      known: true,
      name: 'GSP RPC Timeout',
      mnemonic: 'GSP_RPC_TIMEOUT',
      severity: 'critical',
      action: 'RESET_GPU',
      detail: 'Timeout after 6s of waiting for RPC response from GPU4 GSP! Expected function 103 (GSP_RM_ALLOC) (0x2081 0x4).',
    });
    expect(first!.raw).toHaveLength(1);
    expect(first!.raw[0]).toMatch(/^\[Sun Feb 23 16:24:18 2025\] NVRM: Xid \(PCI:0000:9b:00\): 119,/);
    expect(events.every((e) => samePciDevice(e.pciId, '00000000:9B:00.0'))).toBe(true);
  });

  it('reads Xid 13 and 43 with their times, an unknown pid as null', () => {
    const { events } = capture('xid-13-43-sm-exception.dmesg-decode-iso.log');
    expect(events).toHaveLength(17);
    expect(events.filter((e) => e.xid === 13)).toHaveLength(16);
    expect(events[0]).toMatchObject({
      timeMs: Date.UTC(2025, 0, 21, 4, 41, 44, 283),
      pciId: '00000000:38:00.0',
      xid: 13,
      name: 'Graphics Engine Exception',
      severity: 'warning',
      action: 'RESTART_APP',
      pid: null,
      process: null,
      detail: 'Graphics SM Global Exception on (GPC 8, TPC 5, SM 1): Multiple Warp Errors',
    });
    expect(events[16]).toMatchObject({
      timeMs: Date.UTC(2025, 0, 21, 4, 41, 44, 287),
      xid: 43,
      name: 'GPU stopped processing',
      severity: 'info',
      action: 'IGNORE',
      pid: 2924364,
      process: 'pt_main_thread',
      detail: 'Ch 00000008',
    });
  });

  it("reads Xid 48, 63 and 94 among other drivers' lines", () => {
    const { events } = capture('xid-48-63-94-dbe-row-remap.dmesg-iso.log');
    expect(events.map((e) => e.xid)).toEqual([48, 63, 94, 94, 94, 94, 94, 94, 94, 94, 94]);
    expect(events[0]).toMatchObject({
      timeMs: Date.UTC(2024, 10, 15, 12, 2, 3, 470),
      pciId: '00000000:19:00.0',
      name: 'Double Bit ECC Error',
      severity: 'critical',
      action: 'WORKFLOW_XID_48',
      detail: 'An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer at physAddr 0x12bac1c3e0 partition 2, subpartition 1.',
    });
    expect(events[1]).toMatchObject({ name: 'GPU memory remapping event', severity: 'warning', action: 'IGNORE' });
    expect(events[2]).toMatchObject({
      name: 'Contained memory error',
      severity: 'warning',
      action: 'RESTART_APP',
      detail: 'Contained: SM (0x1). RST: No, D-RST: No',
    });
    expect(events[10]).toMatchObject({ pid: 1248209, process: 'python3.10', detail: 'Ch 0000000f' });
  });

  it('makes the old "GPU at ... has fallen off the bus" wording an event without a number, repeats joined', () => {
    const { events } = capture('fallen-off-bus-legacy-2014.dmesg.txt');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      uptimeMs: 49261,
      timeMs: null,
      pciId: '00000000:01:00.0',
      xid: null,
      known: true,
      name: 'GPU has fallen off the bus',
      severity: 'critical',
      action: 'RESTART_BM',
      detail: 'GPU at 0000:01:00.0 has fallen off the bus.',
      raw: ['[   49.261458] NVRM: GPU at 0000:01:00.0 has fallen off the bus.', '[   49.261472] NVRM: GPU at 0000:01:00.0 has fallen off the bus.'],
    });
  });

  it('reads a fallen-off-the-bus message told over continuation lines, not taking the PCI vendor:device for the GPU', () => {
    const { events } = capture('fallen-off-bus-multiline-no-xid.dmesg.txt');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      uptimeMs: 1_843_308,
      pciId: '00000000:B3:00.0',
      xid: null,
      severity: 'critical',
      detail: 'The NVIDIA GPU 0000:b3:00.0 (PCI ID: 10de:26b5) installed in this system has fallen off the bus and is not responding to commands.',
    });
    expect(events[0]!.raw[0]!.split('\n')).toHaveLength(3);
  });
});

describe('parseXidEvents: grouping and decoding', () => {
  it('decodes a number beyond the catalog as unknown, severity warning, and keeps it', () => {
    const { events } = eventsOf("2025-06-01T10:00:00,000000+00:00 NVRM: Xid (PCI:0000:19:00): 185, pid='<unknown>', name=<unknown>, SPARING_EVENT");
    expect(events).toEqual([
      expect.objectContaining({ xid: 185, known: false, name: 'Unknown Xid 185', mnemonic: null, severity: 'warning', action: null, detail: 'SPARING_EVENT' }),
    ]);
  });

  it('keeps fallen-off-the-bus messages of different GPUs, or a minute apart, as separate failures', () => {
    const text = [
      '[  100.000000] NVRM: GPU at 0000:01:00.0 has fallen off the bus.',
      '[  100.000100] NVRM: GPU at 0000:02:00.0 has fallen off the bus.',
      '[  100.000200] NVRM: GPU at 0000:01:00.0 has fallen off the bus.',
      '[  400.000000] NVRM: GPU at 0000:01:00.0 has fallen off the bus.',
    ].join('\n');
    const { events } = eventsOf(text);
    expect(events.map((e) => [e.pciId, e.uptimeMs, e.raw.length])).toEqual([
      ['00000000:01:00.0', 100000, 2],
      ['00000000:02:00.0', 100000, 1],
      ['00000000:01:00.0', 400000, 1],
    ]);
  });

  it('does not join a fallen-off-the-bus line to another kind of Xid', () => {
    const { events } = eventsOf('NVRM: Xid (PCI:0000:06:00): 48, pid=1, name=a, DBE\nNVRM: GPU 0000:06:00.0: GPU has fallen off the bus.');
    expect(events.map((e) => e.xid)).toEqual([48, null]);
  });

  it('keeps a flood of repeats to one event with a bounded list of lines', () => {
    const text = [
      'NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.',
      ...Array.from({ length: 500 }, () => 'NVRM: GPU 0000:06:00.0: GPU has fallen off the bus.'),
    ].join('\n');
    const { events } = eventsOf(text);
    expect(events).toHaveLength(1);
    expect(events[0]!.raw).toHaveLength(MAX_EVENT_RAW_LINES);
  });

  it('has one catalog entry per code 1-172', () => {
    expect(XID_CATALOG.map((e) => e.xid)).toEqual(Array.from({ length: 172 }, (_, i) => i + 1));
  });
});

describe('parseXidEvents: hostile input', () => {
  it('skips Xid lines whose id is not a PCI id, with a warning, and fallen-off lines with none', () => {
    const text = [
      'NVRM: Xid (PCI:zzzz:19:00): 79, GPU has fallen off the bus.',
      'NVRM: Xid (PCI:0000:19:00; rm -rf /): 79, GPU has fallen off the bus.',
      'NVRM: Xid (GPU-509665ad-b600-ac93-3616-d754b23d636d): 48, DBE',
      'NVRM: Xid (PCI:0000:19:00): 9999999999, too long a number',
      'NVRM: GPU has fallen off the bus.',
      'NVRM: The NVIDIA GPU (PCI ID: 10de:26b5) has fallen off the bus.',
      'someone: NVRM: Xid (PCI:0000:19:00): 79, not at the start',
    ].join('\n');
    const { events, warnings } = eventsOf(text);
    expect(events).toEqual([]);
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toBe('kernel log: Xid line with "PCI:zzzz:19:00", not a PCI id; skipped');
  });

  it('bounds an event built from a huge line', () => {
    const { events } = eventsOf(`NVRM: Xid (PCI:0000:19:00): 13, pid=1, name=${'n'.repeat(100)}, ${'A'.repeat(1_000_000)}`);
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.length).toBeLessThan(5000);
    expect(events[0]!.raw[0]!.length).toBeLessThanOrEqual(4096);
  });

  it('survives binary junk around a real line', () => {
    const junk = String.fromCharCode(...Array.from({ length: 2048 }, (_, i) => (i * 7) % 256));
    const { events } = eventsOf(`${junk}\nNVRM: Xid (PCI:0000:19:00): 48, pid=1, name=a, DBE\n${junk}`);
    expect(events.map((e) => [e.xid, e.pciId])).toEqual([[48, '00000000:19:00.0']]);
  });
});

describe('PCI ids', () => {
  it.each([
    ['0000:9b:00', '00000000:9B:00.0'],
    ['PCI:0000:9b:00', '00000000:9B:00.0'],
    ['00000000:9B:00.0', '00000000:9B:00.0'],
    ['0000:9B:00.0', '00000000:9B:00.0'],
    ['0001:01:00.1', '00000001:01:00.1'],
    ['9b:00', '00000000:9B:00.0'],
  ])('normalises %s to %s', (text, expected) => {
    expect(normalisePciId(text)).toBe(expected);
  });

  it.each(['', 'GPU-509665ad', '0000:9b', '0000:9b:00.8', 'zzzz:9b:00', '000:9b:00', '0000:9b:00:00', '0000:9b:00 x'])('refuses %j', (text) => {
    expect(normalisePciId(text)).toBeNull();
  });

  it('matches the kernel id to nvidia-smi bus ids of the same device only', () => {
    expect(samePciDevice('0000:9b:00', '00000000:9B:00.0')).toBe(true);
    expect(samePciDevice('PCI:0000:9b:00', '0000:9B:00.0')).toBe(true);
    expect(samePciDevice('0000:9b:00', '00000000:9C:00.0')).toBe(false);
    expect(samePciDevice('0000:9b:00', '00000001:9B:00.0')).toBe(false);
    expect(samePciDevice('0000:9b:00.1', '00000000:9B:00.0')).toBe(false);
    expect(samePciDevice('not an id', '00000000:9B:00.0')).toBe(false);
  });
});
