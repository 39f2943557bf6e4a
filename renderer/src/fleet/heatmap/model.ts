/**
 * The heatmap's data layer: which nodes and GPUs it draws, in which order, and what a cell's
 * tooltip says. Pure, so it is tested without a canvas.
 */
import type { AlertSummary } from '../../../../shared/model/alerts';
import { gpuBadge, type AlertBadgeInfo } from '../../alerts/model';
import { formatMib, MISSING } from '../../format';
import { isStale, lastSeenText } from '../../staleness';
import { groupRows, type GroupTotals } from '../groups';
import type { GpuReading } from '../records';
import type { FleetRow } from '../rows';
import { compareNames } from '../sort';
import { statusWord, type RowStatus } from '../status';
import type { HeatmapMode } from './colors';

export interface HeatmapGroup {
  nodeId: string;
  /** The node's id: two aliases of one host share a hostname, never an id. */
  label: string;
  hostname: string;
  status: RowStatus;
  /**
   * The values are not current: older than two intervals, or the node is not collected right
   * now. Its GPUs stay, drawn as "no reading"; the tooltip gives the last values and their age.
   */
  stale: boolean;
  /** The last collection could not read the GPUs (they are known from an earlier one). */
  unread: boolean;
  collectedAt: number | null;
  /** Engine time the staleness was judged at, for the tooltip's "last seen ... ago". */
  now: number;
  cells: readonly GpuReading[];
  /** Per cell, the GPU's firing alerts (worst severity, count, title), or null; absent: none anywhere. */
  alerts?: ReadonlyArray<AlertBadgeInfo | null>;
  /** When grouped by a label: the heading of the node's section (the same for each node of a group). */
  section?: string;
}

/** A section's heading: the label and its group's totals. */
export function sectionTitle(title: string, t: GroupTotals): string {
  const util = t.meanGpuUtilPct === null ? '' : ` · mean ${t.meanGpuUtilPct.toFixed(0)} %`;
  const problems = t.problems > 0 ? ` · ${t.problems} problem${t.problems === 1 ? '' : 's'}` : '';
  return `${title} · ${t.nodes} node${t.nodes === 1 ? '' : 's'} · ${t.gpus} GPU${t.gpus === 1 ? '' : 's'}${util}${problems}`;
}

/**
 * The heatmap's groups, in sections by a label key when `groupBy` is set (sections in the
 * table's group order, nodes by id inside each); plain `heatmapGroups` otherwise.
 */
export function groupedHeatmap(
  rows: readonly FleetRow[],
  now: number,
  intervalMs: number,
  alerts: AlertSummary | null,
  groupBy: string | null,
): HeatmapGroup[] {
  if (groupBy === null) return heatmapGroups(rows, now, intervalMs, alerts);
  const out: HeatmapGroup[] = [];
  for (const group of groupRows(rows, groupBy)) {
    const section = sectionTitle(group.title, group.totals);
    for (const g of heatmapGroups(group.rows, now, intervalMs, alerts)) out.push({ ...g, section });
  }
  return out;
}

/** Nodes whose last values may be current; the others' are stale whatever their age. */
const LIVE: ReadonlySet<RowStatus> = new Set<RowStatus>(['up', 'degraded']);

/**
 * One group per node with GPUs, in id order (node2 before node10). Sorting the table does not
 * reorder the heatmap, so cells stay where the eye left them; filtering does narrow it. `now` is
 * engine time; values older than two `intervalMs` are stale.
 */
export function heatmapGroups(rows: readonly FleetRow[], now: number, intervalMs: number, alerts: AlertSummary | null = null): HeatmapGroup[] {
  const groups: HeatmapGroup[] = [];
  for (const row of rows) {
    const data = row.data;
    if (!data || data.gpus.length === 0) continue;
    groups.push({
      nodeId: row.id,
      label: row.id,
      hostname: row.hostname,
      status: row.status,
      stale: !LIVE.has(row.status) || isStale(data.collectedAt, now, intervalMs),
      unread: data.gpusUnread,
      collectedAt: data.collectedAt,
      now,
      cells: data.gpus,
      ...cellAlerts(data.gpus, alerts),
    });
  }
  return groups.sort((a, b) => compareNames(a.nodeId, b.nodeId));
}

/** The cells' firing alerts, looked up by UUID then series key; nothing when no cell has one. */
function cellAlerts(cells: readonly GpuReading[], summary: AlertSummary | null): Pick<HeatmapGroup, 'alerts'> {
  if (!summary) return {};
  const alerts = cells.map((cell) => gpuBadge(summary, [cell.uuid, cell.key]));
  return alerts.some((a) => a !== null) ? { alerts } : {};
}

/** The cells with a firing alert, as "node:key" words (a test hook on the heatmap's element). */
export function alertCellsKey(groups: readonly HeatmapGroup[]): string {
  const words: string[] = [];
  for (const group of groups) group.alerts?.forEach((a, i) => a && words.push(`${group.nodeId}:${group.cells[i]!.key}`));
  return words.join(' ');
}

/** Which groups are stale, as one string: the heatmap redraws on its timer only when this changes. */
export function staleKey(groups: readonly HeatmapGroup[]): string {
  return groups
    .filter((g) => g.stale)
    .map((g) => g.nodeId)
    .join('\n');
}

/** The value a cell is coloured by; none for a stale node (its last values are only in the tooltip). */
export function cellValue(cell: GpuReading, mode: HeatmapMode, stale = false): number | null {
  if (stale) return null;
  return mode === 'util' ? cell.utilPct : cell.tempC;
}

/** Cells drawn as "no reading": those of stale nodes and those without a value in this mode. */
export function noReadingCount(groups: readonly HeatmapGroup[], mode: HeatmapMode): number {
  let n = 0;
  for (const group of groups) for (const cell of group.cells) if (cellValue(cell, mode, group.stale) === null) n += 1;
  return n;
}

/** Mean of the mode's value over every drawn GPU that reports one. */
export function fleetMean(groups: readonly HeatmapGroup[], mode: HeatmapMode): number | null {
  let sum = 0;
  let n = 0;
  for (const group of groups) {
    for (const cell of group.cells) {
      const v = cellValue(cell, mode, group.stale);
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

/** The hover text of one cell: node, GPU index and name, UUID, then the readings (with their age when stale, at engine time `now`). */
export function tooltipText(group: HeatmapGroup, cellIndex: number, now: number = group.now): TooltipText {
  const cell = group.cells[cellIndex]!;
  const memory =
    cell.memUsedMib === null ? MISSING : cell.memTotalMib ? `${formatMib(cell.memUsedMib)} / ${formatMib(cell.memTotalMib)}` : formatMib(cell.memUsedMib);
  const readings = [`Util ${fixed(cell.utilPct, 0, ' %')} · Temp ${fixed(cell.tempC, 0, ' °C')}`, `Memory ${memory} · Power ${fixed(cell.powerW, 0, ' W')}`];
  let lines = readings;
  if (group.stale) {
    const why = group.status === 'up' ? '' : ` (node ${statusWord(group.status)})`;
    lines = [`No reading: ${lastSeenText(group.collectedAt, now)}${why}`, ...(group.unread ? [] : readings.map((line) => `Then: ${line}`))];
  } else if (group.unread) {
    lines = [`No reading: the last collection could not read the GPUs (node ${statusWord(group.status)})`];
  }
  if (!group.stale && !group.unread) lines = [...lines, ...processLines(cell)];
  const alert = group.alerts?.[cellIndex];
  if (alert) lines = [`Alert (${alert.worst}): ${alert.title}${alert.count > 1 ? ` and ${alert.count - 1} more` : ''}`, ...lines];
  return {
    title: group.hostname === group.nodeId ? group.nodeId : `${group.nodeId} (${group.hostname})`,
    gpu: `GPU ${cell.index ?? cellIndex}${cell.name ? ` · ${cell.name}` : ''}`,
    uuid: cell.uuid,
    lines,
  };
}

/** Processes a tooltip names, most GPU memory first. */
export const TOOLTIP_PROCESSES = 3;
const COMMAND_CHARS = 48;

/** "user · command · memory" for the GPU's top processes, and how many more run; nothing when processes were not read. */
export function processLines(cell: Pick<GpuReading, 'processes'>, limit = TOOLTIP_PROCESSES): string[] {
  const processes = cell.processes;
  if (!processes) return [];
  if (processes.length === 0) return ['No processes'];
  const lines = processes.slice(0, limit).map((p) => {
    const command = p.command ?? p.name ?? `PID ${p.pid}`;
    const short = command.length > COMMAND_CHARS ? `${command.slice(0, COMMAND_CHARS - 1)}…` : command;
    return `${p.user ?? '?'} · ${short} · ${p.usedMemoryMib === null ? MISSING : formatMib(p.usedMemoryMib)}`;
  });
  if (processes.length > limit) lines.push(`and ${processes.length - limit} more`);
  return lines;
}

/** One sentence for assistive technology: what the picture shows overall. */
export function describeHeatmap(groups: readonly HeatmapGroup[], mode: HeatmapMode): string {
  const cells = groups.reduce((n, g) => n + g.cells.length, 0);
  if (cells === 0) return 'GPU heatmap: no GPUs to show';
  const mean = fleetMean(groups, mode);
  const what = mode === 'util' ? 'utilisation' : 'temperature';
  const meanText = mean === null ? 'no readings' : mode === 'util' ? `mean ${mean.toFixed(0)} %` : `mean ${mean.toFixed(0)} °C`;
  const missing = noReadingCount(groups, mode);
  const missingText = missing > 0 && mean !== null ? `, ${missing} without a current reading` : '';
  return `GPU heatmap of ${what}: ${cells} GPU${cells === 1 ? '' : 's'} on ${groups.length} node${groups.length === 1 ? '' : 's'}, ${meanText}${missingText}. Use the arrow keys to read each GPU, Enter to open its node.`;
}
