import { describe, expect, it } from 'vitest';
import { MAX_KERNEL_MESSAGE_CHARS, MAX_KERNEL_RECORDS, parseKernelLog } from '../../../electron/core/failures/kernel-log';
import { readFixture } from '../../helpers/fixtures';

const errors = (name: string): string => readFixture('nvidia-smi', 'errors', name);

// Expected values read off the captures by hand (test/fixtures/SOURCES.md says where each is from).
describe('parseKernelLog over real captures', () => {
  it('reads dmesg --time-format iso: the zone applied, microseconds cut to ms', () => {
    const { records, warnings } = parseKernelLog(errors('xid-48-63-94-dbe-row-remap.dmesg-iso.log'));
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(41);
    expect(records[0]).toEqual({
      timeMs: Date.UTC(2024, 10, 15, 5, 39, 15, 491),
      uptimeMs: null,
      message: 'nvidia-peermem nv_get_p2p_free_callback:127 ERROR detected invalid context, skipping further processing',
      raw: '2024-11-15T05:39:15,491363+00:00 nvidia-peermem nv_get_p2p_free_callback:127 ERROR detected invalid context, skipping further processing',
    });
    expect(records[10]!.timeMs).toBe(Date.UTC(2024, 10, 15, 12, 2, 3, 470));
    expect(records[10]!.message).toMatch(/^NVRM: Xid \(PCI:0000:19:00\): 48, pid='<unknown>'/);
    // The last line has no newline after it.
    expect(records[40]!.timeMs).toBe(Date.UTC(2024, 10, 15, 12, 2, 15, 950));
  });

  it('reads dmesg --decode --time-format iso: the facility and level dropped', () => {
    const { records, warnings } = parseKernelLog(errors('xid-13-43-sm-exception.dmesg-decode-iso.log'));
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(24);
    expect(records[0]!.timeMs).toBe(Date.UTC(2025, 0, 21, 4, 41, 44, 283));
    expect(records[0]!.message).toBe(
      "NVRM: Xid (PCI:0000:38:00): 13, pid='<unknown>', name=<unknown>, Graphics SM Global Exception on (GPC 8, TPC 5, SM 1): Multiple Warp Errors",
    );
    expect(records[23]!.message).toBe('oom-kill:constraint=OTHER_CONSTRAINT');
  });

  it('reads dmesg -T without a wall-clock time: its local time has no zone', () => {
    const { records, warnings } = parseKernelLog(errors('xid-119-gsp-rpc-timeout.dmesg-T.log'));
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(43);
    expect(records.every((r) => r.timeMs === null && r.uptimeMs === null)).toBe(true);
    expect(records[2]!.message).toMatch(/^NVRM: Xid \(PCI:0000:9b:00\): 119, pid=2024380, name=nvidia-smi, Timeout after 6s/);
    expect(records[2]!.raw).toMatch(/^\[Sun Feb 23 16:24:18 2025\] NVRM: Xid/);
    expect(records[27]!.message).toBe('<TASK>');
  });

  it('reads plain dmesg stamps as time since boot', () => {
    const { records } = parseKernelLog(errors('fallen-off-bus-legacy-2014.dmesg.txt'));
    expect(records.map((r) => [r.uptimeMs, r.message])).toEqual([
      [49261, 'NVRM: GPU at 0000:01:00.0 has fallen off the bus.'],
      [49261, 'NVRM: os_pci_init_handle: invalid context!'],
      [49261, 'NVRM: os_pci_init_handle: invalid context!'],
      [49261, 'NVRM: GPU at 0000:01:00.0 has fallen off the bus.'],
      [49261, 'NVRM: os_pci_init_handle: invalid context!'],
      [49261, 'NVRM: os_pci_init_handle: invalid context!'],
    ]);
    expect(records.every((r) => r.timeMs === null)).toBe(true);
  });

  it('joins the indented continuation lines of a multi-line record', () => {
    const { records } = parseKernelLog(errors('fallen-off-bus-multiline-no-xid.dmesg.txt'));
    expect(records).toHaveLength(3);
    expect(records[0]!.uptimeMs).toBe(1_843_308);
    expect(records[0]!.message).toBe(
      'NVRM: The NVIDIA GPU 0000:b3:00.0\nNVRM: (PCI ID: 10de:26b5) installed in this system has\nNVRM: fallen off the bus and is not responding to commands.',
    );
    expect(records[0]!.raw.split('\n')).toHaveLength(3);
    expect(records[1]!.message).toBe('NVRM: The NVIDIA probe routine failed for 1 device(s).');
  });

  it('keeps unstamped lines (a log pasted without times) as records with no time', () => {
    const { records } = parseKernelLog(errors('xid-79-fallen-off-bus.kernel.txt'));
    expect(records).toHaveLength(7);
    expect(records[2]).toEqual({
      timeMs: null,
      uptimeMs: null,
      message: 'NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.',
      raw: 'NVRM: Xid (PCI:0000:06:00): 79, GPU has fallen off the bus.',
    });
  });
});

describe('parseKernelLog: journalctl -k -o short-iso-precise', () => {
  // No capture of this form is in the fixtures; the lines follow journalctl(1)'s short-iso-precise
  // layout ("time host identifier: message") with both offset spellings systemd has printed.
  it('drops host and "kernel:", applies the offset, and skips journalctl marks', () => {
    const text = [
      '-- Boot 5b1c0f3e2a4d4a39b1f1e0d2c3b4a596 --',
      '2025-02-23T16:24:18.123456+0100 gpu-node-7 kernel: NVRM: Xid (PCI:0000:9b:00): 79, pid=1, name=x, GPU has fallen off the bus.',
      '2025-02-23T16:24:19.000001-05:30 gpu-node-7 kernel: second',
      '2025-02-23T16:24:20Z gpu-node-7 kernel: third',
      '-- No entries --',
    ].join('\n');
    const { records, warnings } = parseKernelLog(text);
    expect(warnings).toEqual([]);
    expect(records.map((r) => [r.timeMs, r.message])).toEqual([
      [Date.UTC(2025, 1, 23, 15, 24, 18, 123), 'NVRM: Xid (PCI:0000:9b:00): 79, pid=1, name=x, GPU has fallen off the bus.'],
      [Date.UTC(2025, 1, 23, 21, 54, 19, 0), 'second'],
      [Date.UTC(2025, 1, 23, 16, 24, 20, 0), 'third'],
    ]);
  });

  it('gives no time for an impossible date rather than a shifted one', () => {
    const { records } = parseKernelLog('2025-02-29T10:00:00.000000+0000 h kernel: a\n2025-13-01T10:00:00,0+00:00 b\n2025-01-01T10:00:00,0+25:00 c');
    expect(records.map((r) => [r.timeMs, r.message])).toEqual([
      [null, 'a'],
      [null, 'b'],
      [null, 'c'],
    ]);
  });

  it('knows the 29th of February of leap years only (every fourth year, centuries every fourth)', () => {
    const text = [
      '2024-02-29T10:00:00,0+00:00 leap',
      '2000-02-29T10:00:00,0+00:00 century',
      '2100-02-29T10:00:00,0+00:00 not',
      '2024-04-31T10:00:00,0+00:00 april',
    ];
    expect(parseKernelLog(text.join('\n')).records.map((r) => [r.timeMs, r.message])).toEqual([
      [Date.UTC(2024, 1, 29, 10), 'leap'],
      [Date.UTC(2000, 1, 29, 10), 'century'],
      [null, 'not'],
      [null, 'april'],
    ]);
  });
});

describe('parseKernelLog: hostile input', () => {
  it('cuts a huge line at the bound and says so', () => {
    const { records, warnings } = parseKernelLog(`[    1.000000] NVRM: ${'A'.repeat(1_000_000)}\n[    2.000000] next`);
    expect(records).toHaveLength(2);
    expect(records[0]!.raw.length).toBe(MAX_KERNEL_MESSAGE_CHARS);
    expect(records[1]!.message).toBe('next');
    expect(warnings.some((w) => w.includes('cut to'))).toBe(true);
  });

  it('keeps a multi-line record within the bound however many continuation lines follow', () => {
    const text = ['[    1.000000] start', ...Array.from({ length: 5000 }, () => '               NVRM: more')].join('\n');
    const { records } = parseKernelLog(text);
    expect(records).toHaveLength(1);
    expect(records[0]!.message.length).toBeLessThanOrEqual(MAX_KERNEL_MESSAGE_CHARS);
    expect(records[0]!.raw.length).toBeLessThanOrEqual(MAX_KERNEL_MESSAGE_CHARS);
  });

  it('keeps only the newest records past the count bound', () => {
    const text = Array.from({ length: MAX_KERNEL_RECORDS + 10 }, (_, i) => `[ ${i}.000000] line ${i}`).join('\n');
    const { records, warnings } = parseKernelLog(text);
    expect(records).toHaveLength(MAX_KERNEL_RECORDS);
    expect(records[0]!.message).toBe('line 10');
    expect(records[records.length - 1]!.message).toBe(`line ${MAX_KERNEL_RECORDS + 9}`);
    expect(warnings.some((w) => w.includes('only the last'))).toBe(true);
  });

  it('replaces binary junk and never throws on it', () => {
    const junk = String.fromCharCode(...Array.from({ length: 512 }, (_, i) => i % 256));
    const { records, warnings } = parseKernelLog(`${junk}\n[    5.000000] NVRM: ok\u0000\u001b[31m`);
    for (const r of records) expect(r.raw).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(records[records.length - 1]!.message).toBe('NVRM: ok\ufffd\ufffd[31m');
    expect(warnings).toContain('kernel log: control characters replaced');
  });

  it('refuses text beyond the source bound whole, with a warning', () => {
    const { records, warnings } = parseKernelLog('x'.repeat(9 * 1024 * 1024));
    expect(records).toEqual([]);
    expect(warnings[0]).toMatch(/more than the \d+ accepted/);
  });

  it('reads an empty log as no records', () => {
    expect(parseKernelLog('')).toEqual({ records: [], warnings: [] });
  });
});
