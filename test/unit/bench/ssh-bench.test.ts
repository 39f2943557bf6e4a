import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv } from '../../../electron/core/collectors/linux/nvidia-smi-csv';
import { GPU_QUERY_FIELDS, sampleArgv } from '../../../electron/core/collectors/linux/scripts';
import { parseNvidiaSmiXml } from '../../../electron/core/collectors/nvidia-smi-xml';
import {
  distinctRoutes,
  formatSshBench,
  opensshArgs,
  parseDuration,
  replicateNodes,
  sampleCommandLine,
  stat,
  type SshBenchResult,
} from '../../../bench/ssh-bench';
import { sshBenchSettings } from '../../../bench/suites';
import type { SshNode } from '../../../shared/model/inventory';
import { csvAnswer, xmlAnswer } from '../../bench/ssh-lab-fleet';

const route = (id: string, port = 22, extra: Partial<SshNode> = {}): SshNode => ({
  id,
  host: '198.18.0.2',
  port,
  user: 'cdtest',
  identityFiles: ['/keys/id_ed25519'],
  useAgent: false,
  proxyJump: [],
  labels: [],
  ...extra,
});

describe('bench ssh: spreading logical nodes over routes', () => {
  it('keeps the route ids with one node per route', () => {
    const nodes = replicateNodes([route('a', 2200), route('b', 2201)], 2);
    expect(nodes.map((n) => [n.id, n.port])).toEqual([
      ['a', 2200],
      ['b', 2201],
    ]);
    expect(distinctRoutes(nodes)).toBe(2);
  });

  it('numbers the copies when nodes outnumber routes, and they share connections', () => {
    const nodes = replicateNodes([route('a', 2200), route('b', 2201)], 5);
    expect(nodes.map((n) => n.id)).toEqual(['a-1', 'b-1', 'a-2', 'b-2', 'a-3']);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(5);
    expect(distinctRoutes(nodes)).toBe(2);
  });

  it('counts a route behind a bastion apart from the bastion itself', () => {
    const hop = { host: '198.18.0.9', port: 22, user: 'cdtest', identityFiles: [] };
    expect(distinctRoutes([route('a'), route('b', 22, { proxyJump: [hop] })])).toBe(2);
  });
});

describe('bench ssh: flags', () => {
  it('reads durations as ms', () => {
    expect(parseDuration('3m')).toBe(180_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2m30s')).toBe(150_000);
    expect(parseDuration('180')).toBe(180_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(() => parseDuration('3 minutes')).toThrow(/not a duration/);
  });

  it('has defaults: 3 minutes at 5 s, 16 ssh processes at a time, 3 rounds', () => {
    expect(sshBenchSettings({})).toMatchObject({ durationMs: 180_000, intervalMs: 5000, opensshParallel: 16, opensshRounds: 3, openssh: true, micro: true });
    expect(sshBenchSettings({ nodes: '500', duration: '90s', openssh: false })).toMatchObject({ nodes: 500, durationMs: 90_000, openssh: false });
    expect(() => sshBenchSettings({ nodes: '0' })).toThrow(/--nodes/);
    expect(() => sshBenchSettings({ duration: '1s' })).toThrow(/at least 5 s/);
  });
});

describe('bench ssh: the OpenSSH client loop', () => {
  it('runs the same command line the engine sends', () => {
    const line = sampleCommandLine('current');
    expect(line.startsWith("sh -c '")).toBe(true);
    expect(line.endsWith("' clusterdeck current")).toBe(true);
    expect(line).toContain(sampleArgv('current')[2]!.slice(0, 40));
  });

  it('makes a fresh, strictly checked connection each run, with the node key only', () => {
    const args = opensshArgs(route('a', 2201), ['/kh/app', '/kh/user known'], false)!;
    const options = args.flatMap((a, i) => (args[i - 1] === '-o' ? [a] : []));
    expect(options).toEqual(
      expect.arrayContaining([
        'BatchMode=yes',
        'StrictHostKeyChecking=yes',
        'UserKnownHostsFile=/kh/app "/kh/user known"',
        'ControlMaster=no',
        'ControlPath=none',
        'IdentitiesOnly=yes',
        'IdentityAgent=none',
      ]),
    );
    expect(args.slice(0, 2)).toEqual(['-F', '/dev/null']);
    expect(args.slice(-3)).toEqual(['-p', '2201', 'cdtest@198.18.0.2']);
    expect(args[args.indexOf('-i') + 1]).toBe('/keys/id_ed25519');
  });

  it('goes through one bastion with ProxyCommand, and gives up on longer chains', () => {
    const hop = { host: '198.18.0.9', port: 2222, user: 'jump', identityFiles: ['/keys/j'] };
    const args = opensshArgs(route('a', 22, { proxyJump: [hop] }), ['/kh'], true)!;
    const proxy = args[args.findIndex((a) => a.startsWith('ProxyCommand='))]!;
    expect(proxy).toMatch(/^ProxyCommand=ssh .* -W '\[%h\]:%p' jump@198\.18\.0\.9$/);
    expect(proxy).toContain('StrictHostKeyChecking=accept-new');
    expect(opensshArgs(route('a', 22, { proxyJump: [hop, hop] }), ['/kh'], false)).toBeNull();
  });
});

describe('bench ssh: the lab GPUs', () => {
  it('answers the per-tick query with 8 GPUs the CSV parser reads without a warning', () => {
    const parsed = parseNvidiaSmiCsv(csvAnswer(8), GPU_QUERY_FIELDS.current);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(parsed.gpus.map((g) => g.uuid)).size).toBe(8);
    expect(parsed.gpus[0]!.productName).toBe('NVIDIA H100 80GB HBM3');
  });

  it('answers -q -x with the same 8 GPUs (UUIDs match, so the XML details merge)', () => {
    const xml = parseNvidiaSmiXml(xmlAnswer(8));
    expect(xml.gpus.map((g) => g.uuid)).toEqual(parseNvidiaSmiCsv(csvAnswer(8), GPU_QUERY_FIELDS.current).gpus.map((g) => g.uuid));
    expect(xml.gpus.map((g) => g.minorNumber)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('bench ssh: the report', () => {
  it('prints targets with ok/MISS and says why a figure is missing', () => {
    const ticks = Array.from({ length: 20 }, (_, i) => ({
      endedAtMs: (i + 1) * 5000,
      durationMs: i === 0 ? 3000 : 400,
      answered: 500,
      cpuMs: 900,
      gridMs: i * 5000,
      rssMb: 200,
      heapUsedMb: 80,
    }));
    const run = {
      nodes: 500,
      intervalMs: 5000,
      startMs: 20_000,
      startCpuMs: 5000,
      allUpMs: 26_000,
      upAtEnd: 500,
      ticks,
      skippedTicks: 0,
      window: { seconds: 50, cpuUserMs: 8000, cpuSystemMs: 2000 },
      memory: { startedRssMb: 130, peakRssMb: 320, endRssMb: 300, hwmRssMb: 321, endHeapUsedMb: 90 },
      eventLoopDelayMs: { p50: 10, p99: 40, max: 900 },
      problems: [],
      logged: [],
      gpuNodeIds: [],
      openFilesLimit: 20_000,
    };
    const result: SshBenchResult = {
      machine: { cpus: 2, cpuModel: 'CPU', node: 'v20', loadAverage: [1, 2], openFilesLimit: 20_000 },
      nodes: 500,
      routes: 500,
      intervalMs: 5000,
      durationMs: 50_000,
      setup: ['lab: ...'],
      nodesOnThisMachine: false,
      gpuNote: null,
      engine: {
        run,
        isolation: 'child',
        ticks: stat(ticks.map((t) => t.durationMs)),
        steadyTicks: stat(ticks.slice(1).map((t) => t.durationMs)),
        firstTickMs: 3000,
        ticksWithLateNodes: 0,
        cpuPctOfCore: 20,
        cpuPctOfCoreAtTargetInterval: 20,
        steadyCpuPctOfCore: 18,
        cpuMsPerNodeSample: 2,
        steadyCpuMsPerTick: stat(ticks.slice(1).map((t) => t.cpuMs)),
        rssPeakMb: 321,
        rssAfterFirstTickMb: 200,
        rssLaterTicksMaxMb: 200,
        nodeCpuPctOfCore: null,
        nodeFloorMsPerTick: null,
        nodeCpuMsPerSample: null,
        machineBusyPctOfCore: null,
      },
      openssh: null,
      micro: null,
      targets: { nodes: 500, tickP95Ms: 2000, cpuPctOfCore: 50, rssMb: 300, intervalMs: 5000 },
      earlier: {
        connectAuthMs: { noDelay: 27, nagle: 71 },
        keptExecMs: { noDelay: 4.7, nagle: 48 },
        fiftyExecsS: { oneConnection: 0.26, freshConnections: 5.5 },
        opensshRunMs: 187,
      },
      misses: ['engine RSS peak 321 MB > 300 MB'],
      warnings: [],
      seconds: 100,
    };
    const text = formatSshBench(result);
    expect(text).toMatch(/tick \/ round duration p95 +<= 2\.00 s +400 ms ok/);
    expect(text).toMatch(/RSS peak, MB +<= 300 +321 MISS/);
    expect(text).toMatch(/CPU, % of one core +<= 50 +20\.0 ok/);
    expect(text).toContain('OpenSSH loop: not run');
    expect(text).toMatch(/Misses\n {2}engine RSS peak 321 MB > 300 MB/);
  });
});
