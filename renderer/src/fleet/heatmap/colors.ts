/**
 * Colour scales of the GPU heatmap, precomputed into lookup tables: a redraw of a thousand cells
 * picks a ready `rgb(...)` string per cell instead of interpolating and formatting one.
 */

export type HeatmapMode = 'util' | 'temp';

interface Stop {
  at: number;
  rgb: [number, number, number];
}

export interface ColorScale {
  mode: HeatmapMode;
  min: number;
  max: number;
  unit: string;
  /** The stops, for the legend's gradient. */
  stops: ReadonlyArray<{ offset: number; color: string }>;
  /** `steps` colours from min to max. */
  table: readonly string[];
}

const STEPS = 256;

/** Viridis (perceptually even, readable for colour-blind viewers and on light and dark panels). */
const UTIL_STOPS: Stop[] = [
  { at: 0, rgb: [68, 1, 84] },
  { at: 25, rgb: [59, 82, 139] },
  { at: 50, rgb: [33, 145, 140] },
  { at: 75, rgb: [94, 201, 98] },
  { at: 100, rgb: [253, 231, 37] },
];

/** Cool to hot: blue while idle-warm, yellow around 65 °C, red where GPUs start to throttle. */
const TEMP_STOPS: Stop[] = [
  { at: 25, rgb: [44, 123, 182] },
  { at: 45, rgb: [171, 217, 233] },
  { at: 62, rgb: [255, 255, 191] },
  { at: 75, rgb: [253, 174, 97] },
  { at: 88, rgb: [215, 25, 28] },
];

const hex = (rgb: readonly number[]) => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/** The colour at `value` between the stops (clamped to the ends). */
export function interpolate(stops: readonly Stop[], value: number): [number, number, number] {
  const first = stops[0]!;
  const last = stops[stops.length - 1]!;
  if (value <= first.at) return [...first.rgb];
  if (value >= last.at) return [...last.rgb];
  for (let i = 1; i < stops.length; i++) {
    const b = stops[i]!;
    if (value <= b.at) {
      const a = stops[i - 1]!;
      const f = (value - a.at) / (b.at - a.at);
      return [0, 1, 2].map((k) => a.rgb[k]! + (b.rgb[k]! - a.rgb[k]!) * f) as [number, number, number];
    }
  }
  return [...last.rgb];
}

function buildScale(mode: HeatmapMode, stops: Stop[], unit: string): ColorScale {
  const min = stops[0]!.at;
  const max = stops[stops.length - 1]!.at;
  const table: string[] = [];
  for (let i = 0; i < STEPS; i++) table.push(hex(interpolate(stops, min + ((max - min) * i) / (STEPS - 1))));
  return { mode, min, max, unit, stops: stops.map((s) => ({ offset: (s.at - min) / (max - min), color: hex(s.rgb) })), table };
}

export const SCALES: Record<HeatmapMode, ColorScale> = {
  util: buildScale('util', UTIL_STOPS, '%'),
  temp: buildScale('temp', TEMP_STOPS, '°C'),
};

/** The scale as a CSS gradient, for the legend (set through CSSOM, which the CSP allows). */
export function gradientOf(scale: ColorScale): string {
  return `linear-gradient(to right, ${scale.stops.map((s) => `${s.color} ${+(s.offset * 100).toFixed(1)}%`).join(', ')})`;
}

/** Index into the scale's table for a value, clamped; -1 for a missing value. */
export function scaleIndex(scale: ColorScale, value: number | null): number {
  if (value === null || !Number.isFinite(value)) return -1;
  const f = (value - scale.min) / (scale.max - scale.min);
  const clamped = f <= 0 ? 0 : f >= 1 ? 1 : f;
  return Math.round(clamped * (scale.table.length - 1));
}

/** The cell colour for a value, or `missing` when the GPU reports none. */
export function colorFor(scale: ColorScale, value: number | null, missing: string): string {
  const i = scaleIndex(scale, value);
  return i < 0 ? missing : scale.table[i]!;
}

/** Black or white, whichever reads better on `color` (#rrggbb), for text drawn on a cell. */
export function contrastText(color: string): '#000000' | '#ffffff' {
  const n = parseInt(color.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  // Relative luminance, sRGB approximated.
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 140 ? '#000000' : '#ffffff';
}
