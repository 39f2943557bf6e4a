/**
 * Where a live chart breaks its line: a gap wider than a few usual point spacings is where
 * collection stopped, drawn as a break rather than a straight bridge; a point with no neighbour
 * within the gap gets a marker, or it would not be seen (lines have no point markers).
 */
import type { ScriptableContext } from 'chart.js';
import type { Point } from './seriesBuffer';

/** A gap wider than this many point spacings breaks the line. */
export const GAP_SPACINGS = 3;

/** Radius of a point with no neighbour to draw a line to (a lone first tick, or one between gaps). */
const ISOLATED_POINT_RADIUS = 2.5;

/**
 * The usual distance between neighbouring points: the median, so a few gaps do not inflate it.
 * History may be sparser than the current interval (collected under another config).
 */
export function typicalSpacing(lines: Point[][]): number {
  const deltas: number[] = [];
  for (const line of lines) {
    for (let i = 1; i < line.length && deltas.length < 4000; i++) deltas.push(line[i]!.x - line[i - 1]!.x);
  }
  if (deltas.length === 0) return 0;
  deltas.sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)]!;
}

/** Chart.js's point radius option: a marker on a point alone within `maxGapMs`, none elsewhere. */
export function isolatedPointRadius(maxGapMs: number): (ctx: ScriptableContext<'line'>) => number {
  return (ctx) => {
    const data = ctx.dataset.data as Point[];
    const point = data[ctx.dataIndex];
    if (!point) return 0;
    const prev = data[ctx.dataIndex - 1];
    const next = data[ctx.dataIndex + 1];
    const alone = (!prev || point.x - prev.x > maxGapMs) && (!next || next.x - point.x > maxGapMs);
    return alone ? ISOLATED_POINT_RADIUS : 0;
  };
}
