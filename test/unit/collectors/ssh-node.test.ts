// The SSH node collector over a fake connection: what it does between ticks (facts refresh).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { STATIC_ARGV } from '../../../electron/core/collectors/linux/scripts';
import { SshNodeCollector } from '../../../electron/core/collectors/ssh-node';
import type { ExecResult } from '../../../electron/core/hosts/host';
import { shellQuote } from '../../../electron/core/hosts/ssh/ssh-connection';
import type { SshPool } from '../../../electron/core/hosts/ssh/ssh-pool';
import { silentLogger } from '../../../electron/core/log';
import type { SshNode } from '../../../shared/model/inventory';
import { readFixture } from '../../helpers/fixtures';
import { ALL_FILES, currentLine, framed, staticOutput } from './linux/framing';

const BOOT = 'aaaaaaaa-0000-4000-8000-000000000001';
const HOUR_MS = 3_600_000;
const T0 = 1_700_000_000_000;

/** The per-tick script's output `seconds` after the first reading: every counter moved on. */
function sample(seconds: number): string {
  const stat = readFixture('linux', 'proc-stat.node-exporter.txt').replace(
    /^cpu(\d*) +(\d+) /gm,
    (_, n: string, user: string) => `cpu${n}${n ? ' ' : '  '}${Number(user) + seconds * 50} `,
  );
  return framed([
    ['boot-id', `${BOOT}\n`],
    ['proc-uptime', `${1000 + seconds}.00 3000.00\n`],
    ['proc-stat', stat],
    ['proc-loadavg', readFixture('linux', 'proc-loadavg.node-exporter.txt')],
    ['proc-meminfo', readFixture('linux', 'proc-meminfo.jc.txt')],
    ['proc-net-dev', readFixture('linux', 'proc-net-dev.procfs.txt').replace('874354587', String(874354587 + seconds * 1000))],
    ['proc-diskstats', readFixture('linux', 'proc-diskstats.jc.txt').replace('sda 14200 3361 892828 ', `sda 14200 3361 ${892828 + seconds * 2} `)],
    ['df-size', 'Filesystem     Type     1024-blocks     Used Available Capacity Mounted on\n/dev/sda1 ext4 1000 500 500 50% /\n', 0],
    ['df-inodes', 'Filesystem     Type       Inodes  IUsed    IFree IUse% Mounted on\n/dev/sda1 ext4 100 10 90 10% /\n', 0],
    ['nvidia-smi', `${currentLine('h100-80gb-hbm3-linux-drv590.48.01-idle.query-gpu.csv')}\n`, 0],
  ]);
}

function result(stdout: string): ExecResult {
  return { exitCode: 0, stdout, stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 1 };
}

/** A node whose uptime moves with Date.now, reached through a fake connection. */
function fakeNode() {
  const staticLine = ['sh', ...STATIC_ARGV.slice(1)].map(shellQuote).join(' ');
  const calls = { facts: 0, samples: 0 };
  const connection = {
    endpoint: { host: 'node', port: 22, user: 'u' },
    problem: null,
    // One connection for the whole test: the facts are read again only by the hourly refresh.
    connects: 1,
    ready: async () => {},
    resetBackoff: () => {},
    exec: async (line: string): Promise<ExecResult> => {
      if (line === staticLine) {
        calls.facts += 1;
        return result(
          staticOutput({
            'nvidia-smi-driver': ['590.48.01\n', 0],
            capabilities: [`${ALL_FILES.map((f) => `file ${f}`).join('\n')}\ncommand awk\ncommand df\ncommand nvidia-smi\ncommand timeout\n`, 0],
          }),
        );
      }
      if (line.startsWith('sh ')) {
        calls.samples += 1;
        return result(sample(Math.round((Date.now() - T0) / 1000)));
      }
      // The full `nvidia-smi -q -x`.
      return result(readFixture('nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml'));
    },
  };
  const pool = { connection: () => connection, release: () => {} } as unknown as SshPool;
  const node: SshNode = { id: 'n1', host: 'node', port: 22, user: 'u', identityFiles: [], useAgent: false, proxyJump: [], labels: [] };
  return { collector: new SshNodeCollector(node, pool, { nvidiaSmiTimeoutMs: 5000, log: silentLogger }), calls };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('SshNodeCollector', () => {
  it('keeps CPU, network and disk rates across the hourly facts refresh', async () => {
    let now = T0;
    vi.spyOn(Date, 'now').mockImplementation(() => now);
    const { collector, calls } = fakeNode();
    await collector.prime();
    now += 10_000;
    const before = await collector.collect(now);
    expect(before?.cpu?.utilPct).not.toBeNull();
    expect(before?.network.find((n) => n.iface === 'eth0')?.rxBytesPerSec).toBe(1000);
    expect(before?.diskIo.find((d) => d.device === 'sda')?.readBytesPerSec).toBe(1024);
    expect(calls.facts).toBe(1);

    now += HOUR_MS;
    const after = await collector.collect(now);
    // The facts were read again, and the tick after still has its rates.
    expect(calls.facts).toBe(2);
    expect(after?.cpu?.utilPct).not.toBeNull();
    expect(after?.network.find((n) => n.iface === 'eth0')?.rxBytesPerSec).toBe(1000);
    expect(after?.diskIo.find((d) => d.device === 'sda')?.readBytesPerSec).toBe(1024);
    expect(collector.state().status).toBe('up');
  });
});
