// The administrator's fleet (issue 14): view state in the URL, grouping by label with totals,
// search by GPU model/driver/UUID, CSV, GPU detail (flags, processes, power), sparklines,
// focus after Remove, and the heatmap's sections.
import { describe, expect, it } from 'vitest';
import { csvField, fleetCsv, CSV_COLUMNS } from '../../../renderer/src/fleet/csv';
import { DEFAULT_FILTER, matchesFilter } from '../../../renderer/src/fleet/filter';
import { nextRowAfter } from '../../../renderer/src/fleet/focus';
import { groupKeys, groupRows, groupTotals, groupValueOf, labelKey } from '../../../renderer/src/fleet/groups';
import { gpuSummary } from '../../../renderer/src/fleet/gpuSummary';
import { computeLayout, hitTest, tileRect, SECTION_HEADING_PX, type LayoutOptions } from '../../../renderer/src/fleet/heatmap/layout';
import { groupedHeatmap, processLines, tooltipText } from '../../../renderer/src/fleet/heatmap/model';
import { sectionRuns } from '../../../renderer/src/fleet/heatmap/renderer';
import { gpuFlags, summarizeSnapshot, topProcesses } from '../../../renderer/src/fleet/records';
import { buildRows, reuseRows, type FleetRow } from '../../../renderer/src/fleet/rows';
import { SPARK_MAX_POINTS, SPARK_WINDOW_MS, SparkStore, sparkPaths } from '../../../renderer/src/fleet/sparks';
import { DEFAULT_FLEET_VIEW_STATE, fleetStateFromParams, fleetStateToParams } from '../../../renderer/src/fleet/viewState';
import type { GpuProcess } from '../../../shared/model/gpu';
import type { NodeState } from '../../../shared/model/inventory';
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

/** A row from a real snapshot summary, as the store builds it. */
function rowOf(id: string, labels: string[], gpus: ReturnType<typeof gpu>[], overrides: Partial<NodeState> = {}): FleetRow {
  const node = summarizeSnapshot(snapshot(60_000, { id, hostname: id, gpus }));
  return buildRows([state(id, { labels, ...overrides })], new Map([[id, node]]), new Map())[0]!;
}

const proc = (pid: number, user: string, command: string, mib: number | null): GpuProcess => ({
  pid,
  type: 'C',
  name: command.split(' ')[0]!,
  command,
  user,
  usedMemoryMib: mib,
  startedAtMs: null,
  gpuInstanceId: null,
  computeInstanceId: null,
});

describe('fleet view state in the URL', () => {
  it('writes only what differs from the defaults and reads it back', () => {
    expect(fleetStateToParams(DEFAULT_FLEET_VIEW_STATE)).toEqual({});
    const state = {
      filter: { text: 'A100 rack', status: 'problems' as const, label: 'rack-1', showRetired: true },
      sort: { key: 'gpuUtil' as const, dir: 'desc' as const },
      groupBy: 'rack',
    };
    const params = fleetStateToParams(state);
    expect(params).toEqual({ q: 'A100 rack', status: 'problems', label: 'rack-1', retired: '1', sort: '-gpuUtil', group: 'rack' });
    expect(fleetStateFromParams(new URLSearchParams(params))).toEqual(state);
  });

  it('reads unknown or malformed parameters as the defaults', () => {
    const read = fleetStateFromParams(new URLSearchParams({ status: 'evil', sort: '-nope', q: 'x'.repeat(500), group: '' }));
    expect(read).toEqual(DEFAULT_FLEET_VIEW_STATE);
  });
});

describe('grouping by label', () => {
  const a = rowOf(
    'a',
    ['rack-1', 'a100'],
    [
      gpu({ index: 0, gpuUtilPct: 80, fbMemoryUsedMib: 1000, fbMemoryTotalMib: 4000 }),
      gpu({ index: 1, gpuUtilPct: 40, fbMemoryUsedMib: 3000, fbMemoryTotalMib: 4000 }),
    ],
  );
  const b = rowOf('b', ['rack-1'], [gpu({ index: 0, gpuUtilPct: 0, fbMemoryUsedMib: 0, fbMemoryTotalMib: 4000 })], { status: 'unreachable' });
  const c = rowOf('c', ['rack-2'], []);
  const d = rowOf('d', [], [gpu({ gpuUtilPct: null, fbMemoryUsedMib: null, fbMemoryTotalMib: null })]);

  it('keys labels at their first separator, or whole', () => {
    expect(labelKey('rack-1')).toBe('rack');
    expect(labelKey('zone:eu/west')).toBe('zone');
    expect(labelKey('a100')).toBe('a100');
    expect(groupKeys([a, b, c, d])).toEqual(['a100', 'rack']);
    expect(groupValueOf({ labels: ['rack-9', 'rack-10'] }, 'rack')).toBe('rack-9');
  });

  it('puts each node in one group, in name order, those without the label last, with totals', () => {
    const groups = groupRows([d, c, b, a], 'rack');
    expect(groups.map((g) => [g.value, g.rows.map((r) => r.id)])).toEqual([
      ['rack-1', ['b', 'a']],
      ['rack-2', ['c']],
      [null, ['d']],
    ]);
    expect(groups[0]!.totals).toEqual({ nodes: 2, gpus: 3, meanGpuUtilPct: 40, gpuMemUsedMib: 4000, gpuMemTotalMib: 12000, problems: 1 });
    expect(groups[1]!.totals).toEqual({ nodes: 1, gpus: 0, meanGpuUtilPct: null, gpuMemUsedMib: null, gpuMemTotalMib: null, problems: 0 });
    expect(groups[2]!.title).toBe('No rack label');
    expect(groupRows([a, b], null)).toEqual([{ value: null, title: 'All nodes', rows: [a, b], totals: groupTotals([a, b]) }]);
  });

  it('sections the heatmap in the same order, each with its totals in the heading', () => {
    const hm = groupedHeatmap([d, c, b, a], 60_000, 5000, null, 'rack');
    expect(hm.map((g) => g.nodeId)).toEqual(['a', 'b', 'd']);
    expect(hm[0]!.section).toBe('rack-1 · 2 nodes · 3 GPUs · mean 40 % · 1 problem');
    expect(hm[2]!.section).toBe('No rack label · 1 node · 1 GPU');
    expect(sectionRuns(hm)).toEqual({ counts: [2, 1], titles: [hm[0]!.section, hm[2]!.section] });
    expect(sectionRuns(groupedHeatmap([a, b], 60_000, 5000, null, null))).toBeNull();
  });
});

describe('heatmap sections', () => {
  const OPTIONS: LayoutOptions = { cell: 10, gap: 2, tileGapX: 6, tileGapY: 4, labelHeight: 12, maxCols: 4, minTileWidth: 20 };
  it('starts each section on a new row under its heading, and hit-tests through them', () => {
    // Tiles 46 px wide: two per row in 100 px. Sections of 3 and 1 groups.
    const layout = computeLayout([{ cells: 4 }, { cells: 4 }, { cells: 4 }, { cells: 2 }], 100, OPTIONS, [3, 1]);
    expect(layout.tilesPerRow).toBe(2);
    expect(layout.sections.map((s) => [s.start, s.count, s.rows])).toEqual([
      [0, 3, 2],
      [3, 1, 1],
    ]);
    const tileH = layout.tileHeight;
    expect(tileRect(layout, 0).y).toBe(SECTION_HEADING_PX);
    expect(tileRect(layout, 2)).toMatchObject({ x: 0, y: SECTION_HEADING_PX + tileH + 4 });
    const second = layout.sections[1]!;
    expect(tileRect(layout, 3)).toMatchObject({ x: 0, y: second.tilesY });
    expect(second.y).toBe(SECTION_HEADING_PX + 2 * tileH + 4 + 8);
    // The heading is no tile; the first cell of group 3 is under the second heading.
    expect(hitTest(layout, 1, second.y + 2)).toBeNull();
    expect(hitTest(layout, 1, second.tilesY + OPTIONS.labelHeight + 1)).toEqual({ group: 3, cell: 0 });
    // Right of group 2 (the section's last) is empty, not group 3.
    expect(hitTest(layout, 50, SECTION_HEADING_PX + tileH + 4 + OPTIONS.labelHeight + 1)).toBeNull();
    expect(layout.height).toBe(second.tilesY + tileH);
  });

  it('without sections lays out as before', () => {
    const plain = computeLayout([{ cells: 4 }, { cells: 4 }, { cells: 4 }], 100, OPTIONS);
    expect(plain.sections).toHaveLength(1);
    expect(tileRect(plain, 2).y).toBe(plain.tileHeight + 4);
    expect(plain.height).toBe(2 * plain.tileHeight + 4);
  });
});

describe('search by GPU', () => {
  const a100 = rowOf('n1', [], [gpu({ productName: 'NVIDIA A100-SXM4-80GB', uuid: 'GPU-1234abcd-0000', driverVersion: '535.54.03' })]);
  const h100 = rowOf('n2', [], [gpu({ productName: 'NVIDIA H100 80GB HBM3', uuid: 'GPU-9999', driverVersion: '590.48.01' })]);
  const match = (row: FleetRow, text: string) => matchesFilter(row, { ...DEFAULT_FILTER, text });
  it('matches GPU model, driver version and UUID', () => {
    expect([a100, h100].filter((r) => match(r, 'A100')).map((r) => r.id)).toEqual(['n1']);
    expect(match(a100, '535.54')).toBe(true);
    expect(match(h100, '535.54')).toBe(false);
    expect(match(a100, 'gpu-1234ABCD')).toBe(true);
    expect(match(h100, 'h100 n2')).toBe(true);
    expect(match(h100, 'h100 n1')).toBe(false);
  });
});

describe('GPU detail', () => {
  it('flags uncorrected ECC errors and pending or failed remaps and retirements', () => {
    expect(gpuFlags(gpu())).toEqual([]);
    expect(
      gpuFlags(
        gpu({
          eccErrors: { volatile: { corrected: 5, uncorrected: 2 }, aggregate: { corrected: 9, uncorrected: 7 } },
          remappedRows: { correctable: 0, uncorrectable: 3, pending: 'Yes', failure: 'No' },
          retiredPages: { singleBit: 1, doubleBit: 2, pending: 'Yes' },
        }),
      ),
    ).toEqual(['ECC 2 uncorrected', '3 rows remapped (uncorrectable)', 'row remap pending', '2 pages retired (double bit)', 'page retirement pending']);
    expect(gpuFlags(gpu({ eccErrors: { volatile: null, aggregate: { corrected: 0, uncorrected: 4 } } }))).toEqual(['ECC 4 uncorrected (lifetime)']);
  });

  it('keeps the top processes by memory, MIG instances and the power limit', () => {
    const node = summarizeSnapshot(
      snapshot(1000, {
        gpus: [
          gpu({
            enforcedPowerLimitW: 400,
            processes: [
              proc(1, 'alice', 'python a.py', 100),
              proc(2, 'bob', 'b', null),
              proc(3, 'carol', 'c', 900),
              ...[4, 5, 6, 7].map((p) => proc(p, 'x', 'y', 1)),
            ],
            migDevices: [{ index: 0, gpuInstanceId: 1, computeInstanceId: 0, profile: '1g.10gb', smCount: 14, fbMemoryTotalMib: 9984, fbMemoryUsedMib: 12 }],
          }),
        ],
      }),
    );
    const g = node.gpus[0]!;
    expect(g.powerLimitW).toBe(400);
    expect(g.processes?.map((p) => p.pid)).toEqual([3, 1, 4, 5, 6]);
    expect(g.mig).toEqual([{ gpuInstanceId: 1, profile: '1g.10gb', memUsedMib: 12, memTotalMib: 9984 }]);
    expect(topProcesses(undefined)).toBeUndefined();
    expect(node.driverVersion).toBe(snapshot(1000).gpuStatus.driverVersion ?? '590.48.01');
  });

  it('sums memory and power (the limit only when every drawing GPU has one), takes the hottest', () => {
    const node = summarizeSnapshot(
      snapshot(1000, {
        gpus: [
          gpu({ index: 0, temperatureC: 60, powerDrawW: 100, powerLimitW: 300, fbMemoryUsedMib: 10, fbMemoryTotalMib: 100 }),
          gpu({
            index: 1,
            temperatureC: 75,
            powerDrawW: 200,
            powerLimitW: 300,
            fbMemoryUsedMib: 20,
            fbMemoryTotalMib: 100,
            eccErrors: { volatile: { corrected: 0, uncorrected: 1 }, aggregate: null },
          }),
        ],
      }),
    );
    expect(gpuSummary(node.gpus)).toEqual({
      memUsedMib: 30,
      memTotalMib: 200,
      hottestC: 75,
      powerW: 300,
      powerLimitW: 600,
      flags: ['GPU 1: ECC 1 uncorrected'],
    });
    expect(gpuSummary([{ ...node.gpus[0]!, powerLimitW: null }, node.gpus[1]!]).powerLimitW).toBeNull();
  });

  it('names the top processes in the tooltip: user, command, memory', () => {
    const cell = {
      processes: [
        proc(3, 'carol', 'python train.py --epochs 90', 2048),
        proc(1, 'alice', 'x'.repeat(80), 100),
        proc(2, 'bob', 'b', null),
        proc(9, 'dan', 'd', 1),
      ],
    };
    expect(processLines(cell)).toEqual(['carol · python train.py --epochs 90 · 2 GiB', `alice · ${'x'.repeat(47)}… · 100 MiB`, 'bob · b · —', 'and 1 more']);
    expect(processLines({ processes: [] })).toEqual(['No processes']);
    expect(processLines({})).toEqual([]);
    const row = rowOf('n', [], [gpu({ processes: [proc(3, 'carol', 'python train.py', 2048)] })]);
    const [group] = groupedHeatmap([row], 60_000, 5000, null, null);
    expect(tooltipText(group!, 0).lines).toContain('carol · python train.py · 2 GiB');
  });
});

describe('fleet CSV', () => {
  it('quotes fields with commas, quotes and newlines, and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=cmd()')).toBe("'=cmd()");
    expect(csvField(12.3456)).toBe('12.35');
    expect(csvField(null)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
  });

  it('has one line per row shown, in order, with the values the table shows', () => {
    const a = rowOf(
      'a',
      ['rack-1', 'a100'],
      [gpu({ index: 0, productName: 'NVIDIA A100, "SXM"', gpuUtilPct: 80, temperatureC: 61, powerDrawW: 250, powerLimitW: 400 })],
    );
    const b = rowOf('b', [], [], { status: 'unreachable', address: 'u@b:22' });
    const csv = fleetCsv([b, a], 'rack');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe(['group', ...CSV_COLUMNS].join(','));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe('');
    expect(lines[1]!.startsWith(',b,b,unreachable,u@b:22,,')).toBe(true);
    const aFields = lines[2]!;
    expect(aFields).toContain('rack-1,a,a,up,u@a:22,rack-1 a100,');
    expect(aFields).toContain(',1,80,"NVIDIA A100, ""SXM""",');
    expect(aFields).toContain(',61,250,400,');
    expect(aFields).toContain(',1970-01-01T00:01:00.000Z');
  });
});

describe('sparklines', () => {
  it('keeps 15 minutes per GPU, bounded, and merges stored history before live points', () => {
    const store = new SparkStore();
    const t0 = 10_000_000;
    for (let i = 0; i < 1000; i += 1) store.push('n', t0 + i * 1000, [{ key: 'g0', v: i % 100 }]);
    const s = store.gpu('n', 'g0')!;
    expect(s.t.length).toBe(SPARK_MAX_POINTS);
    expect(s.t[s.t.length - 1]).toBe(t0 + 999_000);
    store.push('n', t0, [{ key: 'g0', v: 1 }]);
    expect(store.gpu('n', 'g0')!.t.length).toBe(SPARK_MAX_POINTS);

    const live = new SparkStore();
    const now = 100 * 60_000;
    live.push('m', now - 10_000, [
      { key: 'a', v: 50 },
      { key: 'b', v: 70 },
    ]);
    live.backfill('m', 'a', [now - SPARK_WINDOW_MS - 1, now - 60_000, now - 10_000], [1, 20, 99], now);
    expect(live.gpu('m', 'a')).toEqual({ t: [now - 60_000, now - 10_000], v: [20, 50] });
    expect(live.nodeMean('m')).toEqual({ t: [now - 60_000, now - 10_000], v: [20, 60] });
    const aligned = new SparkStore();
    aligned.push('k', 1000, [
      { key: 'a', v: 10 },
      { key: 'b', v: null },
    ]);
    aligned.push('k', 2000, [
      { key: 'a', v: 10 },
      { key: 'b', v: 30 },
    ]);
    expect(aligned.nodeMean('k')).toEqual({ t: [1000, 2000], v: [10, 20] });
    expect(aligned.nodeMean('k')).toBe(aligned.nodeMean('k'));
    expect(sparkPaths({ t: [now - SPARK_WINDOW_MS, now - 60_000, now], v: [0, null, 100] }, now, 60, 10)).toEqual(['0.0,10.0', '60.0,0.0']);
  });
});

describe('focus after Remove', () => {
  it('goes to the next row still there, else the one before, else none', () => {
    const there = (ids: string[]) => (id: string) => ids.includes(id);
    expect(nextRowAfter(['a', 'b', 'c'], 'b', there(['a', 'c']))).toBe('c');
    expect(nextRowAfter(['a', 'b', 'c'], 'c', there(['a', 'b']))).toBe('b');
    expect(nextRowAfter(['a', 'b', 'c'], 'b', there(['a']))).toBe('a');
    expect(nextRowAfter(['b'], 'b', there([]))).toBeNull();
    expect(nextRowAfter(['a'], 'x', there(['a']))).toBeNull();
  });
});

describe('rows kept across updates', () => {
  it('reuses a row object while nothing in it changed, so the table re-renders only changed rows', () => {
    const node = summarizeSnapshot(snapshot(60_000, { id: 'a', hostname: 'a', gpus: [gpu()] }));
    const states = [state('a', { labels: ['x'] }), state('b')];
    const first = buildRows(states, new Map([['a', node]]), new Map());
    // Same values, new objects (new arrays from a new 'nodes:changed' event).
    const again = reuseRows(first, buildRows([state('a', { labels: ['x'] }), state('b')], new Map([['a', node]]), new Map()));
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);
    const newer = summarizeSnapshot(snapshot(65_000, { id: 'a', hostname: 'a', gpus: [gpu()] }), node);
    const ticked = reuseRows(again, buildRows(states, new Map([['a', newer]]), new Map()));
    expect(ticked[0]).not.toBe(first[0]);
    expect(ticked[0]!.data).toBe(newer);
    expect(ticked[1]).toBe(first[1]);
    const relabelled = reuseRows(ticked, buildRows([state('a', { labels: ['y'] }), state('b', { status: 'unreachable' })], new Map([['a', newer]]), new Map()));
    expect(relabelled[0]!.labels).toEqual(['y']);
    expect(relabelled[1]!.status).toBe('unreachable');
  });
});
