/**
 * Axis options: the x axis is epoch milliseconds on a plain linear scale with our own ticks and
 * labels (no date adapter); each y axis follows its metric's unit.
 */
import type { Scale } from 'chart.js';
import type { MetricUnit } from '../../../shared/model/metrics';
import { formatAxisDay, formatAxisTime, formatValue } from '../format';
import type { AxisTicks, RangeDefinition } from '../ranges';
import type { ChartPalette } from '../theme';

/** Fixed y-axis width, so the plot areas of stacked charts line up. */
const Y_AXIS_WIDTH = 56;
const TICK_FONT_SIZE = 11;

/** Limits a chart knows from the snapshot, such as a GPU's memory size or power limit. */
export interface YLimits {
  max?: number;
  suggestedMax?: number;
}

/** Ticks on round local clock times (a 3 h step lands on 00:00, 03:00 ... in the viewer's zone). */
export function localClockTicks(min: number, max: number, stepMs: number): Array<{ value: number }> {
  const offsetMs = -new Date(min).getTimezoneOffset() * 60_000;
  const ticks: Array<{ value: number }> = [];
  for (let t = Math.ceil((min + offsetMs) / stepMs) * stepMs - offsetMs; t <= max; t += stepMs) ticks.push({ value: t });
  return ticks;
}

/**
 * Ticks on local midnights, `everyDays` apart (weekly ones on Mondays). Stepped with the
 * calendar rather than a fixed 24 h, so a daylight-saving change does not shift them to 01:00.
 */
export function localDayTicks(min: number, max: number, everyDays: number): Array<{ value: number }> {
  const day = new Date(min);
  day.setHours(0, 0, 0, 0);
  if (day.getTime() < min) day.setDate(day.getDate() + 1);
  if (everyDays === 7) day.setDate(day.getDate() + ((8 - day.getDay()) % 7));
  const ticks: Array<{ value: number }> = [];
  for (; day.getTime() <= max; day.setDate(day.getDate() + everyDays)) ticks.push({ value: day.getTime() });
  return ticks;
}

export function axisTicks(ticks: AxisTicks, min: number, max: number): Array<{ value: number }> {
  return ticks.unit === 'clock' ? localClockTicks(min, max, ticks.stepMs) : localDayTicks(min, max, ticks.everyDays);
}

export function axisLabel(ticks: AxisTicks, value: number): string {
  return ticks.unit === 'clock' ? formatAxisTime(value) : formatAxisDay(value, ticks.label);
}

/** Ticks at power-of-two steps, so memory axes read 4 GiB, 8 GiB rather than 4.88 GiB. */
function binaryTicks(max: number): Array<{ value: number }> {
  if (!(max > 0)) return [{ value: 0 }];
  const step = 2 ** Math.ceil(Math.log2(max / 5));
  const ticks: Array<{ value: number }> = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push({ value: v });
  return ticks;
}

/** `title` names the time zone the labels are in. */
export function xScaleOptions(range: RangeDefinition, fromMs: number, toMs: number, palette: ChartPalette, title?: string) {
  return {
    type: 'linear' as const,
    min: fromMs,
    max: toMs,
    title: { display: title !== undefined, text: title ?? '', color: palette.muted, font: { size: 10 }, padding: { top: 2, bottom: 0 } },
    grid: { color: palette.grid, drawTicks: false },
    border: { color: palette.axis },
    ticks: {
      color: palette.muted,
      font: { size: TICK_FONT_SIZE },
      padding: 4,
      maxRotation: 0,
      autoSkip: true,
      autoSkipPadding: 16,
      callback: (value: number | string) => axisLabel(range.ticks, Number(value)),
    },
    afterBuildTicks: (scale: Scale) => {
      scale.ticks = axisTicks(range.ticks, scale.min, scale.max);
    },
  };
}

export function yScaleOptions(unit: MetricUnit, limits: YLimits, palette: ChartPalette) {
  const base = {
    type: 'linear' as const,
    grid: { color: palette.grid, drawTicks: false },
    border: { display: false },
    ticks: {
      color: palette.muted,
      font: { size: TICK_FONT_SIZE },
      padding: 6,
      maxTicksLimit: 6,
      callback: (value: number | string) => formatValue(unit, Number(value)),
    },
    afterFit: (scale: Scale) => {
      scale.width = Y_AXIS_WIDTH;
    },
  };
  switch (unit) {
    case 'pct':
      return { ...base, min: 0, max: 100, ticks: { ...base.ticks, stepSize: 25 } };
    case 'mib':
    case 'bytes':
      return {
        ...base,
        min: 0,
        max: limits.max,
        suggestedMax: limits.suggestedMax,
        afterBuildTicks: (scale: Scale) => {
          scale.ticks = binaryTicks(scale.max);
        },
      };
    case 'celsius':
      // Idle GPUs sit near 30 °C and throttle near 85 °C: a fixed band keeps charts comparable.
      return { ...base, suggestedMin: 20, suggestedMax: limits.suggestedMax ?? 90, max: limits.max };
    case 'watts':
    case 'bytesPerSec':
    case 'load':
      return { ...base, min: 0, max: limits.max, suggestedMax: limits.suggestedMax };
  }
}
