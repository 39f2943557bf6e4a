import { describe, expect, it } from 'vitest';
import { colorFor, contrastText, gradientOf, interpolate, scaleIndex, SCALES } from '../../../renderer/src/fleet/heatmap/colors';
import {
  cellRect,
  computeLayout,
  DEFAULT_LAYOUT,
  fitLayout,
  hitTest,
  moveFocus,
  tileRect,
  type LayoutOptions,
} from '../../../renderer/src/fleet/heatmap/layout';
import {
  cellValue,
  describeHeatmap,
  fleetMean,
  heatmapGroups,
  noReadingCount,
  staleKey,
  tooltipText,
  type HeatmapGroup,
} from '../../../renderer/src/fleet/heatmap/model';
import type { FleetNode, GpuReading } from '../../../renderer/src/fleet/records';
import type { FleetRow } from '../../../renderer/src/fleet/rows';

const OPTIONS: LayoutOptions = { cell: 10, gap: 2, tileGapX: 6, tileGapY: 4, labelHeight: 12, maxCols: 4, minTileWidth: 20 };

describe('heatmap layout', () => {
  it('gives every node the same tile: columns up to maxCols, rows for the rest', () => {
    const layout = computeLayout([{ cells: 8 }, { cells: 2 }, { cells: 0 }, { cells: 5 }], 100, OPTIONS);
    expect(layout.tileCols).toBe(4);
    expect(layout.tileRows).toBe(2);
    expect(layout.tileWidth).toBe(4 * 10 + 3 * 2); // 46
    expect(layout.tileHeight).toBe(12 + 2 * 10 + 2); // 34
    expect(layout.tilesPerRow).toBe(2); // (100 + 6) / (46 + 6)
    expect(layout.rows).toBe(2);
    expect(layout.height).toBe(2 * 34 + 4);
    expect(layout.totalCells).toBe(15);
  });

  it('keeps a minimum tile width for names, and at least one tile per row on a narrow canvas', () => {
    const small = computeLayout([{ cells: 1 }], 300, { ...OPTIONS, minTileWidth: 56 });
    expect(small.tileWidth).toBe(56);
    const narrow = computeLayout([{ cells: 8 }, { cells: 8 }], 10, OPTIONS);
    expect(narrow.tilesPerRow).toBe(1);
    expect(narrow.rows).toBe(2);
  });

  it('places tiles left to right, then down, and cells in rows inside a tile', () => {
    const layout = computeLayout([{ cells: 8 }, { cells: 8 }, { cells: 8 }], 100, OPTIONS);
    expect(tileRect(layout, 0)).toEqual({ x: 0, y: 0, w: 46, h: 34 });
    expect(tileRect(layout, 1)).toEqual({ x: 52, y: 0, w: 46, h: 34 });
    expect(tileRect(layout, 2)).toEqual({ x: 0, y: 38, w: 46, h: 34 });
    expect(cellRect(layout, 1, 0)).toEqual({ x: 52, y: 12, w: 10, h: 10 });
    expect(cellRect(layout, 1, 5)).toEqual({ x: 52 + 12, y: 12 + 12, w: 10, h: 10 });
    expect(cellRect(layout, 2, 3)).toEqual({ x: 36, y: 38 + 12, w: 10, h: 10 });
  });

  it('finds the cell under a point by arithmetic, for every cell of a large fleet', () => {
    const groups = Array.from({ length: 128 }, (_, i) => ({ cells: i % 13 === 0 ? 4 : 8 }));
    const layout = computeLayout(groups, 1380, { ...DEFAULT_LAYOUT, cell: 12 });
    for (let g = 0; g < groups.length; g += 1) {
      for (let c = 0; c < groups[g]!.cells; c += 1) {
        const r = cellRect(layout, g, c);
        expect(hitTest(layout, r.x + 1, r.y + 1)).toEqual({ group: g, cell: c });
        expect(hitTest(layout, r.x + r.w - 0.5, r.y + r.h - 0.5)).toEqual({ group: g, cell: c });
      }
    }
  });

  it('tells names, empty slots, gaps and the outside apart', () => {
    const layout = computeLayout([{ cells: 8 }, { cells: 3 }], 200, OPTIONS);
    expect(hitTest(layout, 5, 5)).toEqual({ group: 0, cell: null }); // the name line
    const lastSlot = cellRect(layout, 1, 7);
    expect(hitTest(layout, lastSlot.x + 1, lastSlot.y + 1)).toEqual({ group: 1, cell: null }); // node 1 has 3 GPUs
    expect(hitTest(layout, 47, 20)).toBeNull(); // between tiles
    expect(hitTest(layout, -1, 5)).toBeNull();
    expect(hitTest(layout, 5, 500)).toBeNull();
    expect(hitTest(layout, 3 * 52 + 1, 20)).toBeNull(); // a third column with no node
    // The 2 px gap between cells belongs to the cell before it: no flicker.
    expect(hitTest(layout, 10.5, 15)).toEqual({ group: 0, cell: 0 });
    expect(hitTest(computeLayout([], 100, OPTIONS), 1, 1)).toBeNull();
  });

  it('picks the biggest cells that fit the height: big for a few GPUs, small for a thousand', () => {
    const few = fitLayout([{ cells: 2 }, { cells: 1 }], 1380, 520);
    expect(few.options.cell).toBe(22);
    const many = fitLayout(
      Array.from({ length: 128 }, () => ({ cells: 8 })),
      1380,
      520,
    );
    expect(many.height).toBeLessThanOrEqual(520);
    expect(many.totalCells).toBe(1024);
    expect(many.options.cell).toBeLessThan(22);
    const huge = fitLayout(
      Array.from({ length: 2000 }, () => ({ cells: 8 })),
      800,
      520,
    );
    expect(huge.options.cell).toBe(8);
    expect(huge.options.gap).toBe(1);
  });

  it('moves a keyboard focus across GPUs and nodes, skipping nodes without any', () => {
    const layout = computeLayout([{ cells: 2 }, { cells: 0 }, { cells: 3 }], 400, OPTIONS);
    expect(moveFocus(layout, null, 'right')).toEqual({ group: 0, cell: 0 });
    expect(moveFocus(layout, { group: 0, cell: 1 }, 'right')).toEqual({ group: 2, cell: 0 });
    expect(moveFocus(layout, { group: 2, cell: 0 }, 'left')).toEqual({ group: 0, cell: 1 });
    expect(moveFocus(layout, { group: 2, cell: 2 }, 'right')).toEqual({ group: 2, cell: 2 });
    expect(moveFocus(layout, { group: 2, cell: 2 }, 'up')).toEqual({ group: 0, cell: 1 });
    expect(moveFocus(layout, { group: 0, cell: 1 }, 'down')).toEqual({ group: 2, cell: 1 });
    expect(moveFocus(layout, { group: 0, cell: 1 }, 'end')).toEqual({ group: 2, cell: 2 });
    expect(moveFocus(layout, { group: 2, cell: 1 }, 'home')).toEqual({ group: 0, cell: 0 });
    expect(moveFocus(computeLayout([{ cells: 0 }], 100, OPTIONS), null, 'right')).toBeNull();
  });
});

describe('heatmap colour scales', () => {
  it('interpolates between stops and clamps at the ends', () => {
    const stops = [
      { at: 0, rgb: [0, 0, 0] as [number, number, number] },
      { at: 100, rgb: [200, 100, 50] as [number, number, number] },
    ];
    expect(interpolate(stops, 50)).toEqual([100, 50, 25]);
    expect(interpolate(stops, -10)).toEqual([0, 0, 0]);
    expect(interpolate(stops, 1000)).toEqual([200, 100, 50]);
  });

  it('maps utilisation 0..100 % onto viridis, with the ends exact', () => {
    const util = SCALES.util;
    expect(util.table).toHaveLength(256);
    expect(colorFor(util, 0, 'none')).toBe('#440154');
    expect(colorFor(util, 100, 'none')).toBe('#fde725');
    expect(colorFor(util, 150, 'none')).toBe('#fde725');
    expect(colorFor(util, -5, 'none')).toBe('#440154');
    expect(colorFor(util, 50, 'none')).toBe('#21918c');
    expect(scaleIndex(util, 50)).toBe(128);
  });

  it('maps temperature from cool blue to throttling red, and missing readings to the empty colour', () => {
    const temp = SCALES.temp;
    expect(temp.min).toBe(25);
    expect(temp.max).toBe(88);
    expect(colorFor(temp, 20, 'none')).toBe('#2c7bb6');
    expect(colorFor(temp, 95, 'none')).toBe('#d7191c');
    expect(colorFor(temp, null, '#eeeeee')).toBe('#eeeeee');
    expect(colorFor(temp, Number.NaN, '#eeeeee')).toBe('#eeeeee');
    // Cool is blue, hot is red.
    const rgb = (v: number) => [1, 3, 5].map((i) => parseInt(colorFor(temp, v, '#000000').slice(i, i + 2), 16));
    const [r30, , b30] = rgb(30);
    const [r80, , b80] = rgb(80);
    expect(b30!).toBeGreaterThan(r30!);
    expect(r80!).toBeGreaterThan(b80!);
  });

  it('keeps the legend gradient and the tables in step', () => {
    expect(SCALES.util.stops.map((s) => s.offset)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(SCALES.temp.stops[0]).toEqual({ offset: 0, color: '#2c7bb6' });
  });

  it('picks readable text on a cell colour', () => {
    expect(contrastText('#fde725')).toBe('#000000');
    expect(contrastText('#440154')).toBe('#ffffff');
  });
});

function reading(overrides: Partial<GpuReading> = {}): GpuReading {
  return {
    key: 'GPU-x',
    index: 0,
    name: 'NVIDIA H100',
    uuid: 'GPU-x',
    utilPct: 50,
    tempC: 60,
    memUsedMib: 2048,
    memTotalMib: 81920,
    powerW: 300,
    ...overrides,
  };
}

const INTERVAL = 5000;
/** Engine time "now" in these tests; values collected at NOW are current. */
const NOW = 1_000_000;

function fleetRow(id: string, status: FleetRow['status'], gpus: GpuReading[] | null, hostname = id, data: Partial<FleetNode> = {}): FleetRow {
  return {
    id,
    kind: 'ssh',
    status,
    since: null,
    lastError: null,
    address: null,
    labels: [],
    missing: [],
    notes: [],
    hostKey: null,
    passphraseFor: null,
    hostname,
    data:
      gpus === null
        ? null
        : {
            id,
            hostname,
            collectedAt: NOW,
            cpuPct: null,
            memPct: null,
            worstDisk: null,
            gpus,
            gpuUtilMean: null,
            gpuState: 'ok',
            gpusUnread: false,
            source: 'snapshot',
            ...data,
          },
  };
}

function group(nodeId: string, cells: GpuReading[], overrides: Partial<HeatmapGroup> = {}): HeatmapGroup {
  return { nodeId, label: nodeId, hostname: nodeId, status: 'up', stale: false, unread: false, collectedAt: NOW, now: NOW, cells, ...overrides };
}

describe('heatmap data', () => {
  it('draws nodes with GPUs in human id order, marking stale the ones not collected now', () => {
    const groups = heatmapGroups(
      [
        fleetRow('node10', 'up', [reading()]),
        fleetRow('node2', 'unreachable', [reading(), reading({ index: 1 })]),
        fleetRow('cpu', 'up', []),
        fleetRow('new', 'connecting', null),
        fleetRow('node1', 'degraded', [reading()]),
      ],
      NOW,
      INTERVAL,
    );
    expect(groups.map((g) => [g.nodeId, g.cells.length, g.stale])).toEqual([
      ['node1', 1, false],
      ['node2', 2, true],
      ['node10', 1, false],
    ]);
  });

  it('labels each node by its id: two aliases of one host are two tiles with two names', () => {
    const groups = heatmapGroups([fleetRow('n3-b', 'up', [reading()], 'n3'), fleetRow('n3-a', 'up', [reading()], 'n3')], NOW, INTERVAL);
    expect(groups.map((g) => g.label)).toEqual(['n3-a', 'n3-b']);
    expect(tooltipText(groups[0]!, 0).title).toBe('n3-a (n3)');
  });

  it('keeps a node whose values are older than two intervals, whatever its status, with its GPUs drawn as no reading', () => {
    const rows = [
      fleetRow('fresh', 'up', [reading()]),
      fleetRow('frozen', 'up', [reading(), reading({ index: 1 })], 'frozen', { collectedAt: NOW - 2 * INTERVAL - 1 }),
    ];
    const justInTime = heatmapGroups(rows, NOW - 1, INTERVAL);
    expect(justInTime.map((g) => g.stale)).toEqual([false, false]);
    const later = heatmapGroups(rows, NOW, INTERVAL);
    expect(later.map((g) => [g.nodeId, g.cells.length, g.stale])).toEqual([
      ['fresh', 1, false],
      ['frozen', 2, true],
    ]);
    expect(staleKey(later)).toBe('frozen');
    expect(staleKey(justInTime)).toBe('');
    // Its cells are drawn in the "no reading" colour; the tooltip keeps the last values and their age.
    expect(cellValue(later[1]!.cells[0]!, 'util', true)).toBeNull();
    expect(noReadingCount(later, 'util')).toBe(2);
    expect(fleetMean(later, 'util')).toBe(50);
    expect(tooltipText(later[1]!, 0, NOW + 20_000).lines).toEqual([
      'No reading: last seen 30 s ago',
      'Then: Util 50 % · Temp 60 °C',
      'Then: Memory 2 GiB / 80 GiB · Power 300 W',
    ]);
    expect(describeHeatmap(later, 'util')).toMatch(/3 GPUs on 2 nodes, mean 50 %, 2 without a current reading\./);
  });

  it('averages the shown mode and describes the picture in words', () => {
    const groups: HeatmapGroup[] = [
      group('a', [reading({ utilPct: 100, tempC: 80 }), reading({ utilPct: null, tempC: 40 })]),
      group('b', [reading({ utilPct: 0, tempC: null })]),
    ];
    expect(fleetMean(groups, 'util')).toBe(50);
    expect(fleetMean(groups, 'temp')).toBe(60);
    expect(describeHeatmap(groups, 'util')).toMatch(/^GPU heatmap of utilisation: 3 GPUs on 2 nodes, mean 50 %, 1 without a current reading/);
    expect(describeHeatmap([], 'temp')).toBe('GPU heatmap: no GPUs to show');
  });

  it('tells node, GPU index and name, UUID and the readings in a tooltip', () => {
    const g = group('gpu-07', [reading(), reading({ index: 3, name: null, uuid: null, utilPct: 87.4, tempC: null, memTotalMib: null, powerW: null })], {
      hostname: 'gpu-07.example',
    });
    expect(tooltipText(g, 0)).toEqual({
      title: 'gpu-07 (gpu-07.example)',
      gpu: 'GPU 0 · NVIDIA H100',
      uuid: 'GPU-x',
      lines: ['Util 50 % · Temp 60 °C', 'Memory 2 GiB / 80 GiB · Power 300 W'],
    });
    expect(tooltipText(g, 1)).toEqual({ title: 'gpu-07 (gpu-07.example)', gpu: 'GPU 3', uuid: null, lines: ['Util 87 % · Temp —', 'Memory 2 GiB · Power —'] });
    const stale = tooltipText({ ...g, hostname: 'gpu-07', status: 'unreachable', stale: true, collectedAt: NOW - 65_000 }, 0);
    expect(stale.title).toBe('gpu-07');
    expect(stale.lines[0]).toBe('No reading: last seen 1 min ago (node unreachable)');
    const unread = tooltipText({ ...g, status: 'degraded', unread: true, cells: [reading({ utilPct: null, tempC: null, memUsedMib: null, powerW: null })] }, 0);
    expect(unread.lines).toEqual(['No reading: the last collection could not read the GPUs (node degraded)']);
  });
});

describe("the legend's gradient", () => {
  it('is made of the scale stops, at their places between the ends', () => {
    expect(gradientOf(SCALES.util)).toBe('linear-gradient(to right, #440154 0%, #3b528b 25%, #21918c 50%, #5ec962 75%, #fde725 100%)');
    expect(gradientOf(SCALES.temp)).toBe('linear-gradient(to right, #2c7bb6 0%, #abd9e9 31.7%, #ffffbf 58.7%, #fdae61 79.4%, #d7191c 100%)');
  });
});
