import { describe, expect, it } from 'vitest';
import { parseProcMeminfo } from '../../../../electron/core/collectors/linux/proc-meminfo';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const KiB = 1024;

/** Read off each capture by hand (kB values times 1024); `fields` is how many lines it has. */
const EXPECTED: Record<string, { fields: number; total: number; free: number; available: number; estimated: boolean; swapTotal: number; swapFree: number }> = {
  'proc-meminfo.gopsutil-intelcorei5.txt': {
    fields: 47,
    total: 16115528 * KiB,
    free: 8577628 * KiB,
    available: 11225936 * KiB,
    estimated: false,
    swapTotal: 8065020 * KiB,
    swapFree: 8065020 * KiB,
  },
  // A 2.4-style summary table precedes the fields; it is skipped, not warned about.
  'proc-meminfo.gopsutil-issue1002.txt': {
    fields: 39,
    total: 254472 * KiB,
    free: 121588 * KiB,
    available: 210156 * KiB,
    estimated: false,
    swapTotal: 0,
    swapFree: 0,
  },
  'proc-meminfo.jc.txt': {
    fields: 51,
    total: 3997272 * KiB,
    free: 2760316 * KiB,
    available: 3386876 * KiB,
    estimated: false,
    swapTotal: 3996668 * KiB,
    swapFree: 3996668 * KiB,
  },
  // No MemAvailable (kernel < 3.14): MemFree + Buffers + Cached + SReclaimable.
  'proc-meminfo.node-exporter.txt': {
    fields: 42,
    total: 3742148 * KiB,
    free: 225472 * KiB,
    available: (225472 + 22040 + 930888 + 44772) * KiB,
    estimated: true,
    swapTotal: 4194300 * KiB,
    swapFree: 3155360 * KiB,
  },
  'proc-meminfo.procfs.txt': {
    fields: 45,
    total: 15666184 * KiB,
    free: 440324 * KiB,
    available: (440324 + 1020128 + 12007640 + 1738124) * KiB,
    estimated: true,
    swapTotal: 0,
    swapFree: 0,
  },
};

describe('parseProcMeminfo over every real /proc/meminfo', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('proc-meminfo'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to its values`, () => {
      const want = EXPECTED[file]!;
      const got = parseProcMeminfo(readFixture('linux', file));
      expect({
        fields: got.fields.size,
        total: got.totalBytes,
        free: got.freeBytes,
        available: got.availableBytes,
        estimated: got.availableEstimated,
        swapTotal: got.swapTotalBytes,
        swapFree: got.swapFreeBytes,
      }).toEqual(want);
      expect(got.warnings).toEqual([]);
    });
  }

  it('keeps unit-less fields as counts and kB fields as bytes', () => {
    const got = parseProcMeminfo(readFixture('linux', 'proc-meminfo.jc.txt'));
    expect(got.fields.get('HugePages_Total')).toBe(0);
    expect(got.fields.get('Hugepagesize')).toBe(2048 * KiB);
    expect(got.fields.get('VmallocTotal')).toBe(34359738367 * KiB);
  });
});

describe('parseProcMeminfo on hostile input', () => {
  it('keeps keys in a Map: __proto__ and constructor are plain keys', () => {
    const got = parseProcMeminfo('MemTotal: 100 kB\n__proto__: 5 kB\nconstructor: 7\nMemFree: 50 kB\n');
    expect(got.fields.get('__proto__')).toBe(5 * KiB);
    expect(got.fields.get('constructor')).toBe(7);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('5');
  });

  it('skips malformed lines, negatives and absurd sizes, and says so', () => {
    const got = parseProcMeminfo(
      ['MemTotal: 1000 kB', 'MemFree: -5 kB', 'Buffers: 12 MB', 'Cached 4 kB', 'SwapTotal: 99999999999999999 kB', '\u0000\u0001', 'MemFree: 10 kB'].join('\n'),
    );
    expect(got.totalBytes).toBe(1000 * KiB);
    expect(got.freeBytes).toBe(10 * KiB);
    expect(got.swapTotalBytes).toBeNull();
    expect(got.warnings).toHaveLength(5);
    expect(got.warnings.join('\n')).toMatch(/too large to be real/);
  });

  it('keeps the first of a repeated key', () => {
    const got = parseProcMeminfo('MemTotal: 1 kB\nMemTotal: 2 kB\n');
    expect(got.totalBytes).toBe(KiB);
    expect(got.warnings[0]).toMatch(/repeated/);
  });

  it('has nothing to say about memory without MemTotal or MemFree, and says why', () => {
    const got = parseProcMeminfo('');
    expect(got.totalBytes).toBeNull();
    expect(got.availableBytes).toBeNull();
    expect(got.warnings).toEqual(['no MemTotal line']);
  });
});
