/**
 * The heatmap's data layer: which nodes and GPUs it draws, in which order, and what a cell's
 * tooltip says. Pure, so it is tested without a canvas.
 */
import { compareNames, statusWord, type FleetRow, type GpuReading, type RowStatus } from '../fleet/model';
import { formatMib, MISSING } from '../format';
import type { HeatmapMode } from './colors';

export interface HeatmapGroup {
  nodeId: string;
  label: string;
  status: RowStatus;
  /** The values are old: the node is not collected right now. */
  stale: boolean;
  collectedAt: number | null;
  cells: readonly GpuReading[];
}

/** Nodes whose last values are still current; the others are drawn faded. */
const LIVE: ReadonlySet<RowStatus> = new Set<RowStatus>(['up', 'degraded']);

/**
 * One group per node with GPUs, in name order (node2 before node10). Sorting the table does not
 * reorder the heatmap, so cells stay where the eye left them; filtering does narrow it.
 */
export function heatmapGroups(rows: readonly FleetRow[]): HeatmapGroup[] {
  const groups: HeatmapGroup[] = [];
  for (const row of rows) {
    const gpus = row.data?.gpus;
    if (!gpus || gpus.length === 0) continue;
    groups.push({ nodeId: row.id, label: row.hostname, status: row.status, stale: !LIVE.has(row.status), collectedAt: row.data?.collectedAt ?? null, cells: gpus });
  }
  return groups.sort((a, b) => compareNames(a.label, b.label) || compareNames(a.nodeId, b.nodeId));
}

export function cellValue(cell: GpuReading, mode: HeatmapMode): number | null {
  return mode === 'util' ? cell.utilPct : cell.tempC;
}

/** Mean of the mode's value over every drawn GPU that reports one. */
export function fleetMean(groups: readonly HeatmapGroup[], mode: HeatmapMode): number | null {
  let sum = 0;
  let n = 0;
  for (const group of groups) {
    for (const cell of group.cells) {
      const v = cellValue(cell, mode);
      if (v === null || !Number.isFinite(v)) continue;
      sum += v;
      n += 1;
    }
  }
  return n === 0 ? null : sum / n;
}

const fixed = (v: number | null, digits: number, unit: string) => (v === null || !Number.isFinite(v) ? MISSING : `${v.toFixed(digits)}${unit}`);

export interface TooltipText {
  title: string;
  gpu: string;
  uuid: string | null;
  lines: string[];
}

/** The hover text of one cell: node, GPU index and name, UUID, then the readings. */
export function tooltipText(group: HeatmapGroup, cellIndex: number): TooltipText {
  const cell = group.cells[cellIndex]!;
  const memory =
    cell.memUsedMib === null ? MISSING : cell.memTotalMib ? `${formatMib(cell.memUsedMib)} / ${formatMib(cell.memTotalMib)}` : formatMib(cell.memUsedMib);
  const lines = [`Util ${fixed(cell.utilPct, 0, ' %')} · Temp ${fixed(cell.tempC, 0, ' °C')}`, `Memory ${memory} · Power ${fixed(cell.powerW, 0, ' W')}`];
  if (group.stale) lines.push(`Node ${statusWord(group.status)}: last known values`);
  return {
    title: group.label === group.nodeId ? group.label : `${group.label} (${group.nodeId})`,
    gpu: `GPU ${cell.index ?? cellIndex}${cell.name ? ` · ${cell.name}` : ''}`,
    uuid: cell.uuid,
    lines,
  };
}

/** One sentence for assistive technology: what the picture shows overall. */
export function describeHeatmap(groups: readonly HeatmapGroup[], mode: HeatmapMode): string {
  const cells = groups.reduce((n, g) => n + g.cells.length, 0);
  if (cells === 0) return 'GPU heatmap: no GPUs to show';
  const mean = fleetMean(groups, mode);
  const what = mode === 'util' ? 'utilisation' : 'temperature';
  const meanText = mean === null ? 'no readings' : mode === 'util' ? `mean ${mean.toFixed(0)} %` : `mean ${mean.toFixed(0)} °C`;
  return `GPU heatmap of ${what}: ${cells} GPU${cells === 1 ? '' : 's'} on ${groups.length} node${groups.length === 1 ? '' : 's'}, ${meanText}. Use the arrow keys to read each GPU, Enter to open its node.`;
}
