import { describe, expect, it } from 'vitest';
import { LinuxNodeBuilder, type SampleRun } from '../../../../electron/core/collectors/linux/node-builder';
import { sampleArgv } from '../../../../electron/core/collectors/linux/scripts';
import { parseStaticFacts } from '../../../../electron/core/collectors/linux/static-facts';
import { NodeSnapshotSchema } from '../../../../shared/model/node';
import { readFixture } from '../../../helpers/fixtures';
import { ALL_FILES, currentLine, framed, staticOutput, type FramedStatus } from './framing';

const BOOT_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const BOOT_B = 'bbbbbbbb-0000-4000-8000-000000000002';
const SIZES = `Filesystem     Type     1024-blocks     Used Available Capacity Mounted on
/dev/nvme0n1p2 ext4       960000000 240000000 720000000      25% /
tmpfs          tmpfs       24683620        0  24683620       0% /dev/shm
/dev/md0       xfs      30000000000 3000000000 27000000000   10% /scratch
`;
const INODES = `Filesystem     Type       Inodes  IUsed    IFree IUse% Mounted on
/dev/nvme0n1p2 ext4     61054976 512000 60542976    1% /
tmpfs          tmpfs     3085452      1  3085451    1% /dev/shm
/dev/md0       xfs    2929687488  70000 2929617488    1% /scratch
`;

/** /proc/stat of the node_exporter capture, moved on by `deltas` (user, idle) per CPU. */
function stat(deltas: Array<[number, number]> | null): string {
  const text = readFixture('linux', 'proc-stat.node-exporter.txt');
  if (deltas === null) return text;
  let totalUser = 0;
  let totalIdle = 0;
  return text
    .split('\n')
    .map((line) => {
      const cpu = /^cpu(\d+) (\d+) (\d+) (\d+) (\d+) (.*)$/.exec(line);
      if (!cpu) return line;
      const [du, di] = deltas[Number(cpu[1])]!;
      totalUser += du;
      totalIdle += di;
      return `cpu${cpu[1]} ${Number(cpu[2]) + du} ${cpu[3]} ${cpu[4]} ${Number(cpu[5]) + di} ${cpu[6]}`;
    })
    .map((line) => line.replace(/^cpu {2}(\d+) (\d+) (\d+) (\d+) /, (_, u, n, s, i) => `cpu  ${Number(u) + totalUser} ${n} ${s} ${Number(i) + totalIdle} `))
    .join('\n');
}

interface Reading {
  bootId?: string;
  uptime?: string | null;
  stat?: string;
  netDev?: string;
  diskstats?: string | null;
  gpu?: [string, FramedStatus?] | null;
}

/** One tick's output of the per-tick script, from real captures. */
function sample(r: Reading = {}, done = true): SampleRun {
  const sections: Array<readonly [string, string, FramedStatus?]> = [
    ['boot-id', `${r.bootId ?? BOOT_A}\n`],
    ...(r.uptime === null ? [['proc-uptime', '', 'missing'] as const] : [['proc-uptime', `${r.uptime ?? '1000.00'} 3000.00\n`] as const]),
    ['proc-stat', r.stat ?? stat(null)],
    ['proc-loadavg', readFixture('linux', 'proc-loadavg.node-exporter.txt')],
    ['proc-meminfo', readFixture('linux', 'proc-meminfo.jc.txt')],
    ['proc-net-dev', r.netDev ?? readFixture('linux', 'proc-net-dev.procfs.txt')],
    r.diskstats === null ? (['proc-diskstats', '', 'missing'] as const) : ['proc-diskstats', r.diskstats ?? readFixture('linux', 'proc-diskstats.jc.txt')],
    ['df-size', SIZES, 0],
    ['df-inodes', INODES, 0],
    ...(r.gpu === null ? [] : [['nvidia-smi', ...(r.gpu ?? [`${currentLine('h100-80gb-hbm3-linux-drv590.48.01-idle.query-gpu.csv')}\n`, 0])] as const]),
  ];
  return { stdout: framed(sections, done), exitCode: done ? 0 : null, timedOut: !done, truncated: false };
}

const facts = () => parseStaticFacts(staticOutput({ 'nvidia-smi-driver': ['590.48.01\n', 0] }));

// The second reading, 10 s of node uptime later: CPU0 busy, CPU1 idle, the rest half and half;
// eth0 received 10 MB and sent 2.1 MB; sda read 20480 and wrote 40960 sectors and was busy 5 s.
const SECOND: Reading = {
  uptime: '1010.00',
  stat: stat([[1000, 0], [0, 1000], ...Array.from({ length: 6 }, () => [500, 500] as [number, number])]),
  netDev: readFixture('linux', 'proc-net-dev.procfs.txt')
    .replace('874354587', String(874354587 + 10_000_000))
    .replace('563352563', String(563352563 + 2_100_000)),
  diskstats: readFixture('linux', 'proc-diskstats.jc.txt').replace(
    'sda 14200 3361 892828 5058 18736 13416 715384 12604 0 24940',
    `sda 14300 3361 ${892828 + 20480} 5058 18836 13416 ${715384 + 40960} 12604 0 ${24940 + 5000}`,
  ),
  gpu: [`${currentLine('h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv')}\n`, 0],
};

describe('LinuxNodeBuilder over a realistic pair of readings', () => {
  const builder = new LinuxNodeBuilder('gpu-node-01', facts());
  // Wall clock says 12 s passed (the SSH round trip varied); the node's uptime says 10 s.
  const first = builder.build(sample(), 1_700_000_000_000);
  const second = builder.build(sample(SECOND), 1_700_000_012_000);

  it('gives the first tick no rates, and no errors', () => {
    expect(first.snapshot.errors).toEqual([]);
    expect(first.warnings).toEqual([]);
    expect(first.snapshot.cpu).toMatchObject({ utilPct: null, cores: 8, perCoreUtilPct: Array(8).fill(null) });
    expect(first.snapshot.network.map((n) => [n.iface, n.rxBytesPerSec])).toEqual([
      ['docker0', null],
      ['eth0', null],
    ]);
  });

  it('builds a valid snapshot with the same model the local collectors produce', () => {
    const s = second.snapshot;
    expect(NodeSnapshotSchema.parse(s)).toEqual(s);
    expect(s).toMatchObject({
      id: 'gpu-node-01',
      hostname: 'gpu-node-01',
      collectedAt: 1_700_000_012_000,
      os: { platform: 'linux', distro: 'Ubuntu', release: '22.04', kernel: '5.15.0-1047-nvidia', arch: 'x64' },
      errors: [],
    });
  });

  it('computes CPU utilisation, total and per core, with load averages', () => {
    expect(second.snapshot.cpu).toEqual({
      model: 'Intel(R) Xeon(R) Platinum 8480+',
      cores: 8,
      utilPct: 50,
      perCoreUtilPct: [100, 0, 50, 50, 50, 50, 50, 50],
      load1: 0.21,
      load5: 0.37,
      load15: 0.39,
    });
    expect([second.extras.cpuIowaitPct, second.extras.cpuStealPct]).toEqual([0, 0]);
  });

  it('computes memory as total - available', () => {
    const KiB = 1024;
    expect(second.snapshot.memory).toEqual({
      totalBytes: 3997272 * KiB,
      usedBytes: (3997272 - 3386876) * KiB,
      availableBytes: 3386876 * KiB,
      usedPct: 15.27,
      swapTotalBytes: 3996668 * KiB,
      swapUsedBytes: 0,
    });
  });

  it('computes network rates over the node uptime, leaving out lo and the veth', () => {
    expect(second.snapshot.network).toEqual([
      { iface: 'docker0', rxBytesTotal: 2568, txBytesTotal: 438, rxBytesPerSec: 0, txBytesPerSec: 0 },
      { iface: 'eth0', rxBytesTotal: 874354587 + 10_000_000, txBytesTotal: 563352563 + 2_100_000, rxBytesPerSec: 1_000_000, txBytesPerSec: 210_000 },
    ]);
  });

  it('computes disk throughput and busy time of whole disks only', () => {
    expect(second.extras.diskIo).toEqual([
      {
        device: 'sda',
        readBytesTotal: (892828 + 20480) * 512,
        writeBytesTotal: (715384 + 40960) * 512,
        readBytesPerSec: 1_048_576,
        writeBytesPerSec: 2_097_152,
        busyPct: 50,
      },
      { device: 'sr0', readBytesTotal: 20923 * 512, writeBytesTotal: 0, readBytesPerSec: 0, writeBytesPerSec: 0, busyPct: 0 },
      { device: 'dm-0', readBytesTotal: 873914 * 512, writeBytesTotal: 715168 * 512, readBytesPerSec: 0, writeBytesPerSec: 0, busyPct: 0 },
    ]);
  });

  it('lists real filesystems with inode counts', () => {
    expect(second.snapshot.filesystems.map((f) => [f.mount, f.fsType, f.usedPct, f.inodesTotal])).toEqual([
      ['/', 'ext4', 25, 61054976],
      ['/scratch', 'xfs', 10, 2929687488],
    ]);
  });

  it('reads the GPUs from the CSV fast path', () => {
    expect(second.snapshot.gpuStatus).toEqual({ state: 'ok', message: '1 GPU', driverVersion: '590.48.01', cudaVersion: null });
    expect(second.snapshot.gpus.map((g) => [g.uuid, g.gpuUtilPct, g.fbMemoryUsedMib, g.powerDrawW])).toEqual([
      ['GPU-00000000-0000-0000-0000-000000000000', 100, 19818, 631.95],
    ]);
    expect(second.extras).toMatchObject({ uptimeSec: 1010, bootId: BOOT_A });
  });
});

describe('LinuxNodeBuilder across resets and gaps', () => {
  it('gives no rate (and no negative spike) across a reboot, then resumes', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    builder.build(sample(SECOND), 0);
    // Rebooted: new boot id, uptime from zero, counters far lower.
    const rebooted = builder.build(sample({ bootId: BOOT_B, uptime: '30.00' }), 10_000);
    expect(rebooted.snapshot.cpu!.utilPct).toBeNull();
    expect(rebooted.snapshot.network.every((n) => n.rxBytesPerSec === null && n.txBytesPerSec === null)).toBe(true);
    expect(rebooted.extras.diskIo.every((d) => d.readBytesPerSec === null)).toBe(true);
    expect(rebooted.snapshot.errors).toEqual([]);
    const after = builder.build(sample({ ...SECOND, bootId: BOOT_B, uptime: '40.00' }), 20_000);
    expect(after.snapshot.cpu!.utilPct).toBe(50);
    expect(after.snapshot.network.find((n) => n.iface === 'eth0')!.rxBytesPerSec).toBe(1_000_000);
  });

  it('falls back to the wall clock when the node has no /proc/uptime', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    builder.build(sample({ uptime: null }), 0);
    const second = builder.build(sample({ ...SECOND, uptime: null }), 20_000);
    expect(second.snapshot.network.find((n) => n.iface === 'eth0')!.rxBytesPerSec).toBe(500_000);
    // Reported once, on the first tick, then known.
    expect(second.snapshot.errors).toEqual([]);
  });

  it('reports a source that disappears once, not every tick', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    const first = builder.build(sample({ diskstats: null }), 0);
    expect(first.snapshot.errors).toEqual([
      { collector: 'disk-io', message: 'proc-diskstats: not available on this node; not reported again until it appears' },
    ]);
    expect(builder.build(sample({ diskstats: null }), 1000).snapshot.errors).toEqual([]);
    expect(builder.currentCapabilities().sources['proc-diskstats']).toBe(false);
    // It comes back (a module loaded): read again, silently.
    expect(builder.build(sample(), 2000).extras.diskIo.length).toBe(3);
    expect(builder.currentCapabilities().sources['proc-diskstats']).toBe(true);
  });

  it('never reports a source the connect-time probe said the node lacks', () => {
    const probe = `${ALL_FILES.filter((f) => f !== '/proc/diskstats')
      .map((f) => `file ${f}`)
      .join('\n')}\ncommand awk\ncommand df\ncommand nvidia-smi\n`;
    const builder = new LinuxNodeBuilder('n', parseStaticFacts(staticOutput({ capabilities: [probe, 0], 'nvidia-smi-driver': ['590.48.01\n', 0] })));
    expect(builder.build(sample({ diskstats: null }), 0).snapshot.errors).toEqual([]);
  });

  it('steps down to an older field list when the driver refuses one, and asks for it next tick', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    expect(builder.nextArgv()).toEqual(sampleArgv('current'));
    const refused = builder.build(sample({ gpu: ['Field "power.draw.average" is not a valid field to query.\n', 2] }), 0);
    expect(refused.snapshot.gpuStatus.state).toBe('invalid-output');
    expect(refused.warnings).toContain('nvidia-smi: current field list refused; trying r450 from the next tick');
    expect(builder.gpuProfile).toBe('r450');
    expect(builder.nextArgv()).toEqual(sampleArgv('r450'));
  });

  it('reports a cut-off run once, and keeps what came before the cut', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    const full = sample();
    const cut = full.stdout.slice(0, full.stdout.indexOf('@@clusterdeck:begin:proc-net-dev@@') + 50);
    const tick = builder.build({ stdout: cut, exitCode: null, timedOut: true, truncated: false }, 0);
    expect(tick.snapshot.errors).toEqual([
      { collector: 'network', message: 'proc-net-dev: output ended inside this source' },
      { collector: 'sample', message: 'the collection script timed out; the sources after the last complete one are missing' },
    ]);
    expect(tick.snapshot.memory).not.toBeNull();
    expect(tick.snapshot.filesystems).toEqual([]);
    expect(tick.snapshot.gpuStatus.state).toBe('timeout');
  });

  it('says once that a node is not Linux, and builds what it can', () => {
    const notLinux = parseStaticFacts(
      staticOutput({ 'kernel-name': ['FreeBSD\n', 0], capabilities: ['command awk\ncommand df\n', 0], 'nvidia-smi-driver': null }),
    );
    const builder = new LinuxNodeBuilder('bsd', notLinux);
    const empty: SampleRun = {
      stdout: framed([
        ['df-size', SIZES, 0],
        ['df-inodes', INODES, 0],
      ]),
      exitCode: 0,
      timedOut: false,
      truncated: false,
    };
    const first = builder.build(empty, 0);
    expect(first.snapshot.errors.map((e) => e.collector)).toEqual(['sample']);
    expect(first.snapshot).toMatchObject({ cpu: null, memory: null, network: [], gpuStatus: { state: 'no-gpu' } });
    expect(first.snapshot.filesystems).toHaveLength(2);
    expect(builder.build(empty, 1000).snapshot.errors).toEqual([]);
  });

  it('uses df output that exited 1 (one unreadable mount) and reports a df killed by timeout', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    const partial = sample();
    partial.stdout = partial.stdout.replace('@@clusterdeck:end:df-size:0@@', '@@clusterdeck:end:df-size:1@@');
    const tick = builder.build(partial, 0);
    expect(tick.snapshot.filesystems).toHaveLength(2);
    expect(tick.warnings).toContain('df-size: df exited 1 (a mount it could not read); the rest is used');
    const killed = sample();
    killed.stdout = killed.stdout.replace('@@clusterdeck:end:df-size:0@@', '@@clusterdeck:end:df-size:124@@');
    expect(builder.build(killed, 1000).snapshot.errors).toEqual([
      { collector: 'filesystems', message: 'df-size: did not finish within the node-side timeout' },
    ]);
  });

  it('keeps counter history through a tick that lost a source', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    builder.build(sample(), 0);
    const gap = sample({ uptime: '1005.00' });
    gap.stdout = gap.stdout.replace(/@@clusterdeck:begin:proc-net-dev@@[^]*?@@clusterdeck:end:proc-net-dev:ok@@\n/, '');
    builder.build(gap, 5000);
    // 10 MB over the 10 s since the first reading.
    expect(builder.build(sample(SECOND), 10_000).snapshot.network.find((n) => n.iface === 'eth0')!.rxBytesPerSec).toBe(1_000_000);
  });

  it('reports a source that does not parse, and never throws on junk', () => {
    const builder = new LinuxNodeBuilder('n', facts());
    const junk: SampleRun = {
      stdout: framed([
        ['boot-id', 'nonsense'],
        ['proc-stat', '\u0000\u0001binary'],
        ['proc-meminfo', 'MemTotal: lots'],
        ['proc-net-dev', `${'x'.repeat(100_000)}\n`],
        ['df-size', 'not df', 0],
      ]),
      exitCode: 0,
      timedOut: false,
      truncated: false,
    };
    const tick = builder.build(junk, 0);
    expect(NodeSnapshotSchema.parse(tick.snapshot)).toEqual(tick.snapshot);
    expect(tick.snapshot.errors.map((e) => e.collector)).toEqual(expect.arrayContaining(['cpu', 'memory', 'network', 'filesystems']));
    expect(tick.snapshot.cpu).toBeNull();
    expect(tick.snapshot.memory).toBeNull();
  });
});
