import { describe, expect, it } from 'vitest';
import { parseProcNetDev, type InterfaceCounters } from '../../../../electron/core/collectors/linux/proc-net-dev';
import { listFixtures, readFixture } from '../../../helpers/fixtures';

const iface = (name: string, rxBytes: number, rxPackets: number, txBytes: number, txPackets: number): InterfaceCounters => ({
  iface: name,
  rxBytes,
  rxPackets,
  rxErrors: 0,
  rxDropped: 0,
  txBytes,
  txPackets,
  txErrors: 0,
  txDropped: 0,
});

const EXPECTED: Record<string, InterfaceCounters[]> = {
  'proc-net-dev.jc.txt': [iface('lo', 13222, 152, 13222, 152), iface('ens33', 60600053, 109378, 44256546, 121425)],
  'proc-net-dev.procfs.txt': [
    iface('vethf345468', 648, 8, 438, 5),
    iface('lo', 1664039048, 1566805, 1664039048, 1566805),
    iface('docker0', 2568, 38, 438, 5),
    iface('eth0', 874354587, 1036395, 563352563, 732147),
  ],
};

describe('parseProcNetDev over every real /proc/net/dev', () => {
  const files = listFixtures('linux', '.txt').filter((f) => f.startsWith('proc-net-dev'));

  it('has an expectation for every capture', () => {
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    it(`${file} reads to every interface's counters, in file order`, () => {
      const got = parseProcNetDev(readFixture('linux', file));
      expect([...got.interfaces.values()]).toEqual(EXPECTED[file]);
      expect(got.warnings).toEqual([]);
    });
  }
});

const HEADER =
  'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n';
const row = (name: string, rx: number | string, tx: number | string) => `${name.padStart(6)}: ${rx} 1 2 3 0 0 0 0 ${tx} 4 5 6 0 0 0 0\n`;

describe('parseProcNetDev on odd and hostile input', () => {
  it('reads an old kernel line where a wide counter touches the colon', () => {
    const got = parseProcNetDev(`${HEADER}  eth0:4294967295 1 2 3 0 0 0 0 10 4 5 6 0 0 0 0\n`);
    expect(got.interfaces.get('eth0')).toMatchObject({ rxBytes: 4294967295, rxErrors: 2, rxDropped: 3, txBytes: 10, txErrors: 5, txDropped: 6 });
  });

  it('keeps interface names such as __proto__ and constructor as plain Map keys', () => {
    const got = parseProcNetDev(`${HEADER}${row('__proto__', 1, 2)}${row('constructor', 3, 4)}${row('a|b', 5, 6)}`);
    expect([...got.interfaces.keys()]).toEqual(['__proto__', 'constructor', 'a|b']);
    expect(got.interfaces.get('__proto__')!.rxBytes).toBe(1);
    expect(({} as Record<string, unknown>).rxBytes).toBeUndefined();
  });

  it('skips rows with missing columns, negatives, words or absurd counters', () => {
    const got = parseProcNetDev(
      `${HEADER}${row('ok0', 1, 2)}  bad1: 1 2 3\n${row('bad2', -1, 2)}${row('bad3', 'many', 2)}${row('bad4', '99999999999999999999', 2)}\u0000\u0001junk\n`,
    );
    expect([...got.interfaces.keys()]).toEqual(['ok0']);
    expect(got.warnings).toHaveLength(5);
  });

  it('refuses names the kernel cannot have (too long, with a slash)', () => {
    const got = parseProcNetDev(`${HEADER}${row('a-very-long-interface-name', 1, 2)}${row('a/b', 1, 2)}`);
    expect(got.interfaces.size).toBe(0);
    expect(got.warnings).toHaveLength(2);
  });

  it('keeps the first of a repeated interface', () => {
    const got = parseProcNetDev(`${HEADER}${row('eth0', 1, 2)}${row('eth0', 3, 4)}`);
    expect(got.interfaces.get('eth0')!.rxBytes).toBe(1);
    expect(got.warnings[0]).toMatch(/repeated/);
  });

  it('survives a huge line quickly', () => {
    const started = performance.now();
    const got = parseProcNetDev(`${HEADER}eth0: ${'1 '.repeat(1_000_000)}\n${row('eth1', 1, 2)}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect([...got.interfaces.keys()]).toEqual(['eth1']);
  });
});
