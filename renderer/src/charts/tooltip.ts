/**
 * A live chart's tooltip: the point's time (with the bucket's width where history is averaged),
 * each line's value, and for an averaged point the low-high range of its bucket.
 */
import type { ChartOptions, TooltipItem } from 'chart.js';
import type { MetricUnit } from '../../../shared/model/metrics';
import { formatDateTime, formatDuration, formatValue } from '../format';
import type { ChartPalette } from '../theme';
import type { Point, SeriesBuffer, SeriesResolution } from './seriesBuffer';
import { utcOffsetLabel } from './timeZone';

/** What a dataset draws: a series' line, or the low or high edge of its band. */
export interface DatasetRole {
  role: 'line' | 'low' | 'high';
  series: { buffer: SeriesBuffer };
}

/** The tooltip's part of a line chart's options, as Chart.js takes it (every field optional). */
type LineTooltipOptions = NonNullable<NonNullable<ChartOptions<'line'>['plugins']>['tooltip']>;

export function tooltipOptions(
  unit: MetricUnit,
  palette: ChartPalette,
  roleOf: (datasetIndex: number) => DatasetRole | undefined,
  resolution: () => SeriesResolution,
): LineTooltipOptions {
  return {
    backgroundColor: palette.tooltipBackground,
    titleColor: palette.tooltipText,
    bodyColor: palette.tooltipText,
    titleFont: { size: 11, weight: 'normal' },
    bodyFont: { size: 11 },
    padding: 6,
    boxWidth: 8,
    boxHeight: 8,
    filter: (item: TooltipItem<'line'>) => roleOf(item.datasetIndex)?.role === 'line',
    callbacks: {
      title: (items) => {
        const x = (items[0]?.raw as Point | undefined)?.x;
        if (x === undefined) return '';
        const at = `${formatDateTime(x)} ${utcOffsetLabel(x)}`;
        const { bucketed, stepMs } = resolution();
        return bucketed ? `${at} · ${formatDuration(stepMs)} avg` : at;
      },
      label: (item) => {
        const role = roleOf(item.datasetIndex);
        const point = item.raw as Point;
        const text = `${item.dataset.label ?? ''}: ${formatValue(unit, point.y)}`;
        if (!role?.series.buffer.bucketed) return text;
        const { low, high } = role.series.buffer;
        const at = (points: Point[]) => (points[item.dataIndex]?.x === point.x ? points[item.dataIndex] : points.find((p) => p.x === point.x));
        const lo = at(low);
        const hi = at(high);
        return lo && hi ? `${text}  (${formatValue(unit, lo.y)} – ${formatValue(unit, hi.y)})` : text;
      },
    },
  };
}
