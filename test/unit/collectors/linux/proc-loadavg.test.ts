import { describe, expect, it } from 'vitest';
import { parseProcLoadavg } from '../../../../electron/core/collectors/linux/proc-loadavg';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const EXPECTED: Record<string, [number, number, number, number, number, number]> = {
  'proc-loadavg.jc.txt': [0.0, 0.01, 0.03, 2, 111, 2039],
  'proc-loadavg.node-exporter.txt': [0.21, 0.37, 0.39, 1, 719, 19737],
  'proc-loadavg.procfs.txt': [0.02, 0.04, 0.05, 1, 497, 11947],
};

describe('parseProcLoadavg over every real /proc/loadavg', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('proc-loadavg'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to its values`, () => {
      const got = parseProcLoadavg(readFixture('linux', file));
      expect([got.load1, got.load5, got.load15, got.runnable, got.entities, got.lastPid]).toEqual(EXPECTED[file]);
      expect(got.warnings).toEqual([]);
    });
  }
});

describe('parseProcLoadavg on odd input', () => {
  it('reads a 2.4-style line with only the three averages', () => {
    const got = parseProcLoadavg('1.50 0.75 0.25\n');
    expect([got.load1, got.load5, got.load15, got.runnable, got.lastPid]).toEqual([1.5, 0.75, 0.25, null, null]);
    expect(got.warnings).toEqual([]);
  });

  it('gives nothing for negatives, words, junk or emptiness, with a warning', () => {
    for (const junk of ['-1.00 0.5 0.5 1/2 3', 'high medium low', '\u0000\u00ff', '', '1.0 2.0']) {
      const got = parseProcLoadavg(junk);
      expect(got.load1).toBeNull();
      expect(got.warnings.length).toBeGreaterThan(0);
    }
  });

  it('keeps the averages when only the task column is odd', () => {
    const got = parseProcLoadavg('0.1 0.2 0.3 x/y 12\n');
    expect([got.load1, got.runnable, got.lastPid]).toEqual([0.1, null, 12]);
    expect(got.warnings[0]).toMatch(/fourth column/);
  });
});
