import { describe, expect, it } from 'vitest';
import { FrameBatcher } from '../../../renderer/src/fleet/batcher';
import { allLabels, DEFAULT_FILTER, filterRows, matchesFilter } from '../../../renderer/src/fleet/filter';
import { countStatuses, progressText, progressTone } from '../../../renderer/src/fleet/progress';
import { fromLatestValues, meanOf, summarizeSnapshot, worstDisk, type FleetNode } from '../../../renderer/src/fleet/records';
import { buildRows, rowStale, type FleetRow } from '../../../renderer/src/fleet/rows';
import { DEFAULT_SORT, nextSort, sortRows } from '../../../renderer/src/fleet/sort';
import { needsPassphrase, noDataReason, passphraseKeyPaths, statusTone, statusWord } from '../../../renderer/src/fleet/status';
import { troubleDetails, troubleText } from '../../../renderer/src/fleet/trouble';
import type { LatestValue } from '../../../shared/contract';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSummary } from '../../../shared/model/node';
import { gpu, snapshot } from '../../helpers/snapshots';

function state(id: string, overrides: Partial<NodeState> = {}): NodeState {
  return {
    id,
    kind: 'ssh',
    status: 'up',
    since: 1000,
    lastError: null,
    address: `u@${id}:22`,
    labels: [],
    missing: [],
    hostKey: null,
    passphraseFor: null,
    ...overrides,
  };
}

function fleetNode(id: string, overrides: Partial<FleetNode> = {}): FleetNode {
  return {
    id,
    hostname: id,
    collectedAt: 5000,
    cpuPct: 10,
    memPct: 20,
    worstDisk: null,
    gpus: [],
    gpuUtilMean: null,
    gpuState: 'no-gpu',
    gpusUnread: false,
    source: 'snapshot',
    ...overrides,
  };
}

function row(id: string, overrides: Partial<FleetRow> = {}, data: Partial<FleetNode> | null = {}): FleetRow {
  return buildRows([state(id)], data === null ? new Map() : new Map([[id, fleetNode(id, data)]]), new Map()).map((r) => ({ ...r, ...overrides }))[0]!;
}

describe('fleet aggregation', () => {
  it('takes the fullest filesystem, ignoring ones without a percentage', () => {
    expect(
      worstDisk([
        { mount: '/', usedPct: 40 },
        { mount: '/boot/efi', usedPct: null },
        { mount: '/data', usedPct: 93.5 },
        { mount: '/scratch', usedPct: 12 },
      ]),
    ).toEqual({ mount: '/data', pct: 93.5 });
    expect(worstDisk([{ mount: '/x', usedPct: null }])).toBeNull();
    expect(worstDisk([])).toBeNull();
  });

  it('averages the GPUs that report a utilisation; none is not 0 %', () => {
    expect(meanOf([100, 50, null, 0])).toBe(50);
    expect(meanOf([null, null])).toBeNull();
    expect(meanOf([])).toBeNull();
    expect(meanOf([Number.NaN, 30])).toBe(30);
  });

  it('summarises a snapshot into the row and heatmap values', () => {
    const s = snapshot(60_000, {
      id: 'n1',
      hostname: 'n1.example',
      gpus: [
        gpu({ index: 0, uuid: 'GPU-a', gpuUtilPct: 80, temperatureC: 70 }),
        gpu({ index: 1, uuid: 'GPU-b', gpuUtilPct: 20, temperatureC: null }),
        gpu({ index: 2, uuid: null, pciBusId: null, gpuUtilPct: null }),
      ],
      filesystems: [
        { mount: '/', device: 'a', fsType: 'ext4', sizeBytes: 1, usedBytes: 1, availableBytes: 0, usedPct: 55, inodesTotal: null, inodesUsed: null },
        { mount: '/data', device: 'b', fsType: 'xfs', sizeBytes: 1, usedBytes: 1, availableBytes: 0, usedPct: 91, inodesTotal: null, inodesUsed: null },
      ],
    });
    const node = summarizeSnapshot(s);
    expect(node).toMatchObject({
      id: 'n1',
      hostname: 'n1.example',
      collectedAt: 60_000,
      memPct: 50,
      worstDisk: { mount: '/data', pct: 91 },
      gpuUtilMean: 50,
      gpuState: 'ok',
      source: 'snapshot',
    });
    expect(node.gpus.map((g) => [g.key, g.index, g.utilPct, g.tempC])).toEqual([
      ['GPU-a', 0, 80, 70],
      ['GPU-b', 1, 20, null],
      ['gpu-index-2', 2, null, 40],
    ]);
    expect(node.gpus[0]!.name).toBe('NVIDIA H100 80GB HBM3');
  });

  it('keeps the GPUs of a node whose last collection could not read them, as "no reading"', () => {
    const before = summarizeSnapshot(
      snapshot(60_000, { gpus: [gpu({ index: 0, uuid: 'GPU-a', gpuUtilPct: 80 }), gpu({ index: 1, uuid: 'GPU-b', gpuUtilPct: 20 })] }),
    );
    const timeout = { state: 'timeout' as const, message: 'nvidia-smi did not answer', driverVersion: null, cudaVersion: null };
    const missed = summarizeSnapshot(snapshot(65_000, { gpus: [], gpuStatus: timeout }), before);
    expect(missed).toMatchObject({ collectedAt: 65_000, gpuState: 'timeout', gpusUnread: true, gpuUtilMean: null });
    expect(missed.gpus.map((g) => [g.key, g.index, g.utilPct, g.tempC, g.memUsedMib, g.powerW])).toEqual([
      ['GPU-a', 0, null, null, null, null],
      ['GPU-b', 1, null, null, null, null],
    ]);
    // Still none at the next miss; back with values once read again.
    expect(summarizeSnapshot(snapshot(70_000, { gpus: [], gpuStatus: timeout }), missed).gpus).toHaveLength(2);
    expect(summarizeSnapshot(snapshot(75_000, { gpus: [gpu({ uuid: 'GPU-a', gpuUtilPct: 5 })] }), missed)).toMatchObject({ gpusUnread: false, gpuUtilMean: 5 });
    // A node that says it has no GPU has none; one never read has nothing to keep.
    const noGpu = { state: 'no-gpu' as const, message: 'no nvidia-smi', driverVersion: null, cudaVersion: null };
    expect(summarizeSnapshot(snapshot(65_000, { gpus: [], gpuStatus: noGpu }), before)).toMatchObject({ gpus: [], gpusUnread: false });
    expect(summarizeSnapshot(snapshot(65_000, { gpus: [], gpuStatus: timeout }), null)).toMatchObject({ gpus: [], gpusUnread: false });
  });

  it('rebuilds nodes from stored latest values before the first live tick', () => {
    const v = (nodeId: string, metric: LatestValue['metric'], device: string, value: number, t = 1000): LatestValue => ({
      nodeId,
      metric,
      device,
      t,
      v: value,
    });
    const summaries = new Map<string, NodeSummary>([
      ['a', { id: 'a', hostname: 'alpha', lastSeenAt: 2000, gpuCount: 2, gpuStatus: { state: 'ok', message: '', driverVersion: null, cudaVersion: null } }],
    ]);
    const nodes = fromLatestValues(
      [
        v('a', 'cpu.util_pct', '', 12),
        v('a', 'memory.used_pct', '', 34),
        v('a', 'fs.used_pct', '/', 40),
        v('a', 'fs.used_pct', '/data', 80, 2000),
        v('a', 'gpu.util_pct', 'GPU-2', 90),
        v('a', 'gpu.util_pct', 'GPU-1', 10),
        v('a', 'gpu.temperature_c', 'GPU-1', 55),
        v('a', 'gpu.power_w', 'GPU-2', 300),
        v('b', 'cpu.util_pct', '', 5),
      ],
      summaries,
    );
    const a = nodes.get('a')!;
    expect(a).toMatchObject({
      hostname: 'alpha',
      collectedAt: 2000,
      cpuPct: 12,
      memPct: 34,
      worstDisk: { mount: '/data', pct: 80 },
      gpuUtilMean: 50,
      gpuState: 'ok',
      source: 'latest',
    });
    expect(a.gpus.map((g) => [g.key, g.uuid, g.utilPct, g.tempC, g.powerW, g.index])).toEqual([
      ['GPU-1', 'GPU-1', 10, 55, null, null],
      ['GPU-2', 'GPU-2', 90, null, 300, null],
    ]);
    expect(nodes.get('b')).toMatchObject({ hostname: 'b', cpuPct: 5, gpus: [], gpuUtilMean: null });
  });
});

describe('fleet rows', () => {
  it('carries what was cut from a node at the node bounds, and nothing for nodes without notes', () => {
    const cut = 'filesystems: more than 512 listed; only the first 512 are kept';
    const rows = buildRows([state('a', { notes: [cut] }), state('b')], new Map(), new Map());
    expect(rows.map((r) => [r.id, r.notes])).toEqual([
      ['a', [cut]],
      ['b', []],
    ]);
  });

  it('joins states with telemetry, and lists nodes that only have history last', () => {
    const rows = buildRows(
      [state('b', { status: 'connecting' }), state('a')],
      new Map([
        ['a', fleetNode('a', { hostname: 'alpha' })],
        ['old', fleetNode('old')],
      ]),
      new Map([['gone', { id: 'gone', hostname: 'gone.example', lastSeenAt: 1, gpuCount: 0, gpuStatus: null }]]),
    );
    expect(rows.map((r) => [r.id, r.status, r.hostname, r.data !== null])).toEqual([
      ['b', 'connecting', 'b', false],
      ['a', 'up', 'alpha', true],
      ['old', 'not-collected', 'old', true],
      ['gone', 'not-collected', 'gone.example', false],
    ]);
  });

  it('names and colours every status', () => {
    expect(statusWord('host-key-mismatch')).toBe('host key changed');
    expect(statusWord('auth-failed')).toBe('auth failed');
    expect(statusTone('up')).toBe('ok');
    expect(statusTone('degraded')).toBe('warn');
    expect(statusTone('host-key-unknown')).toBe('warn');
    expect(statusTone('unreachable')).toBe('error');
    expect(statusTone('connecting')).toBe('neutral');
  });

  it('asks for a passphrase when the engine names the encrypted key, whatever its message says', () => {
    const keyPath = '/home/a/.ssh/id_ed25519';
    const locked = row('a', {}, null);
    const waiting = buildRows(
      [state('a', { status: 'auth-failed', lastError: 'the key cannot be used yet', passphraseFor: keyPath })],
      new Map(),
      new Map(),
    )[0]!;
    expect(waiting.passphraseFor).toBe(keyPath);
    expect(needsPassphrase(waiting)).toBe(true);
    // The engine's word, not the message's: "encrypted" in a message without a key asks nothing.
    const encryptedWords =
      'the private key for cdtest@10.0.0.2:22 is encrypted and no passphrase is available (load it into ssh-agent, or enter it once in the app)';
    const saysEncrypted: FleetRow = { ...locked, status: 'auth-failed', lastError: encryptedWords, passphraseFor: null };
    const refused: FleetRow = {
      ...locked,
      status: 'auth-failed',
      lastError: 'authentication to x failed: the server accepted none of the offered keys',
      passphraseFor: null,
    };
    expect(needsPassphrase(saysEncrypted)).toBe(false);
    expect(needsPassphrase(refused)).toBe(false);
    expect(needsPassphrase({ ...locked, status: 'unreachable', passphraseFor: keyPath })).toBe(false);
    // A node no longer collected waits for nothing.
    expect(
      buildRows([], new Map(), new Map([['gone', { id: 'gone', hostname: 'gone', lastSeenAt: 1, gpuCount: 0, gpuStatus: null }]]))[0]!.passphraseFor,
    ).toBeNull();
  });

  it("offers the key the engine names first in the passphrase dialog, then the node's other key files once each", () => {
    expect(passphraseKeyPaths('/k/b', ['/k/a', '/k/b'])).toEqual(['/k/b', '/k/a']);
    expect(passphraseKeyPaths('/k/c', ['/k/a'])).toEqual(['/k/c', '/k/a']);
    expect(passphraseKeyPaths(null, ['/k/a'])).toEqual(['/k/a']);
  });
});

describe('staleness of rows', () => {
  it('draws a row stale once its values are older than two intervals, whatever its status', () => {
    const up = row('a', {}, { collectedAt: 100_000 });
    expect(rowStale(up, 110_000, 5000)).toBe(false);
    expect(rowStale(up, 110_001, 5000)).toBe(true);
    expect(rowStale(row('b', { status: 'degraded' }, { collectedAt: 100_000 }), 160_000, 5000)).toBe(true);
    // No values at all: nothing to draw stale.
    expect(rowStale(row('c', {}, null), 160_000, 5000)).toBe(false);
  });

  it('says why nothing was collected from a node that has never answered', () => {
    expect(noDataReason({ status: 'unreachable' })).toBe('it could not be reached');
    expect(noDataReason({ status: 'auth-failed' })).toBe('it refused the login');
    expect(noDataReason({ status: 'host-key-mismatch' })).toMatch(/host key has changed/);
  });
});

describe('troubled nodes in the status bar', () => {
  const node = (id: string, status: NodeState['status'], lastError: string | null = null) => ({ id, status, lastError });

  it('names how many nodes fail and the first few, counting the rest', () => {
    expect(troubleText(undefined)).toBeNull();
    expect(troubleText({ total: 4, troubled: 0, nodes: [] })).toBeNull();
    expect(troubleText({ total: 4, troubled: 1, nodes: [node('a', 'unreachable', 'connect timed out')] })).toBe('1 node down: a (unreachable)');
    const five = {
      total: 9,
      troubled: 5,
      nodes: [node('a', 'host-key-mismatch'), node('b', 'auth-failed'), node('c', 'unreachable'), node('d', 'unreachable'), node('e', 'unreachable')],
    };
    expect(troubleText(five)).toBe('5 nodes down: a (host key changed), b (auth failed), c (unreachable), and 2 more');
    expect(troubleText({ total: 9, troubled: 2, nodes: [node('a', 'unreachable'), node('b', 'degraded')] })).toBe(
      '2 nodes in trouble: a (unreachable), b (degraded)',
    );
    expect(troubleText({ total: 9, troubled: 1, nodes: [node('b', 'degraded')] })).toBe('1 node degraded: b (degraded)');
    // Degraded nodes only: each one's reason, cut short.
    expect(
      troubleText({
        total: 9,
        troubled: 2,
        nodes: [node('b', 'degraded', 'collection takes longer than 4 s'), node('c', 'degraded', `GPU: ${'x'.repeat(80)}`)],
      }),
    ).toBe(`2 nodes degraded: b (collection takes longer than 4 s), c (GPU: ${'x'.repeat(42)}…)`);
    // More troubled nodes than the engine lists: their kind is not known.
    expect(troubleText({ total: 90, troubled: 30, nodes: [node('a', 'unreachable')] })).toBe('30 nodes in trouble: a (unreachable), and 29 more');
  });

  it('details every listed node with its error for the tooltip', () => {
    expect(troubleDetails({ total: 90, troubled: 3, nodes: [node('a', 'unreachable', 'connect timed out'), node('b', 'auth-failed')] })).toBe(
      'a: unreachable (connect timed out)\nb: auth failed\nand 1 more: see the fleet page',
    );
  });
});

describe('filters and sorting', () => {
  const rows: FleetRow[] = [
    row('gpu-10', { labels: ['rack-2', 'a100'], address: 'ops@10.0.0.10:22' }, { cpuPct: 90, gpuUtilMean: 10, gpus: [], worstDisk: { mount: '/', pct: 50 } }),
    row('gpu-2', { labels: ['rack-1', 'a100'], status: 'unreachable' }, { cpuPct: null, gpuUtilMean: 80, worstDisk: { mount: '/data', pct: 97 } }),
    row('cpu-1', { labels: ['rack-1'], status: 'host-key-unknown' }, null),
    row('old', { status: 'not-collected', kind: null }, { cpuPct: 5 }),
    row('gpu-3', { status: 'degraded' }, { cpuPct: 40, gpuUtilMean: null }),
  ];
  const ids = (list: FleetRow[]) => list.map((r) => r.id);

  it('hides nodes no longer collected unless asked, and filters by status, label and words', () => {
    expect(ids(filterRows(rows, DEFAULT_FILTER))).toEqual(['gpu-10', 'gpu-2', 'cpu-1', 'gpu-3']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, showRetired: true }))).toContain('old');
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, status: 'not-collected' }))).toEqual(['old']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, status: 'problems' }))).toEqual(['gpu-2', 'cpu-1', 'gpu-3']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, status: 'unreachable' }))).toEqual(['gpu-2']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, label: 'rack-1' }))).toEqual(['gpu-2', 'cpu-1']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, text: 'A100 rack-2' }))).toEqual(['gpu-10']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, text: '10.0.0.10' }))).toEqual(['gpu-10']);
    expect(ids(filterRows(rows, { ...DEFAULT_FILTER, text: 'host key' }))).toEqual(['cpu-1']);
    expect(matchesFilter(rows[0]!, { ...DEFAULT_FILTER, text: '   ' })).toBe(true);
  });

  it('sorts names in human order and numbers with missing values last in both directions', () => {
    const live = filterRows(rows, DEFAULT_FILTER);
    expect(ids(sortRows(live, DEFAULT_SORT))).toEqual(['cpu-1', 'gpu-2', 'gpu-3', 'gpu-10']);
    expect(ids(sortRows(live, { key: 'name', dir: 'desc' }))).toEqual(['gpu-10', 'gpu-3', 'gpu-2', 'cpu-1']);
    expect(ids(sortRows(live, { key: 'cpu', dir: 'desc' }))).toEqual(['gpu-10', 'gpu-3', 'cpu-1', 'gpu-2']);
    expect(ids(sortRows(live, { key: 'cpu', dir: 'asc' }))).toEqual(['gpu-3', 'gpu-10', 'cpu-1', 'gpu-2']);
    expect(ids(sortRows(live, { key: 'gpuUtil', dir: 'desc' }))).toEqual(['gpu-2', 'gpu-10', 'cpu-1', 'gpu-3']);
    expect(ids(sortRows(live, { key: 'disk', dir: 'desc' }))).toEqual(['gpu-2', 'gpu-10', 'cpu-1', 'gpu-3']);
    // Worst status first.
    expect(ids(sortRows(live, { key: 'status', dir: 'asc' }))).toEqual(['gpu-2', 'cpu-1', 'gpu-3', 'gpu-10']);
  });

  it('flips the direction on the same column; text starts ascending, numbers descending', () => {
    expect(nextSort({ key: 'name', dir: 'asc' }, 'name')).toEqual({ key: 'name', dir: 'desc' });
    expect(nextSort({ key: 'name', dir: 'asc' }, 'cpu')).toEqual({ key: 'cpu', dir: 'desc' });
    expect(nextSort({ key: 'cpu', dir: 'desc' }, 'address')).toEqual({ key: 'address', dir: 'asc' });
  });

  it('lists the labels in use', () => {
    expect(allLabels(rows)).toEqual(['a100', 'rack-1', 'rack-2']);
  });
});

describe('connection progress', () => {
  it('says how many connect while nodes connect, and the settled counts after', () => {
    const states = [
      ...Array.from({ length: 37 }, () => ({ status: 'connecting' as const })),
      ...Array.from({ length: 460 }, () => ({ status: 'up' as const })),
      ...Array.from({ length: 3 }, () => ({ status: 'unreachable' as const })),
    ];
    const counts = countStatuses(states);
    expect(progressText(counts)).toBe('connecting 37 of 500 · 460 up · 3 unreachable');
    expect(progressTone(counts)).toBe('error');
    expect(progressText(countStatuses([{ status: 'up' }, { status: 'up' }]))).toBe('2 nodes · 2 up');
    expect(progressTone(countStatuses([{ status: 'up' }]))).toBe('ok');
    expect(progressText(countStatuses([{ status: 'host-key-unknown' }, { status: 'degraded' }]))).toBe('2 nodes · 0 up · 1 degraded · 1 host key unknown');
    expect(progressTone(countStatuses([{ status: 'connecting' }, { status: 'up' }]))).toBe('neutral');
    expect(progressText(countStatuses([]))).toBe('no nodes');
  });

  it("never stays green while some nodes' values are not current", () => {
    const counts = countStatuses([{ status: 'up' }, { status: 'up' }, { status: 'up' }]);
    expect(progressText(counts, 2)).toBe('3 nodes · 3 up · 2 not current');
    expect(progressTone(counts, 2)).toBe('warn');
    expect(progressTone(countStatuses([{ status: 'up' }, { status: 'unreachable' }]), 1)).toBe('error');
  });
});

describe('frame batching', () => {
  it('runs once per frame however many updates arrive before it', () => {
    const frames: Array<() => void> = [];
    let runs = 0;
    const batcher = new FrameBatcher(
      () => (runs += 1),
      (cb) => frames.push(cb),
      () => {},
    );
    for (let i = 0; i < 500; i += 1) batcher.mark();
    expect(frames).toHaveLength(1);
    expect(runs).toBe(0);
    frames.shift()!();
    expect(runs).toBe(1);
    expect(batcher.marks).toBe(500);
    batcher.mark();
    expect(frames).toHaveLength(1);
    batcher.dispose();
    expect(batcher.pending).toBe(false);
  });
});
