/**
 * Light and dark follow the system. Colours live in styles.css as CSS variables; charts draw on
 * a canvas, so they read the variables when created and again when the scheme changes.
 */
import { useEffect, useState } from 'react';

export type ColorScheme = 'light' | 'dark';

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)');

export function useColorScheme(): ColorScheme {
  const [scheme, setScheme] = useState<ColorScheme>(() => (darkQuery().matches ? 'dark' : 'light'));
  useEffect(() => {
    const query = darkQuery();
    const onChange = () => setScheme(query.matches ? 'dark' : 'light');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return scheme;
}

export interface ChartPalette {
  text: string;
  muted: string;
  grid: string;
  axis: string;
  tooltipBackground: string;
  tooltipText: string;
  fontFamily: string;
  /** Series colours as #rrggbb, so envelope fills can derive a translucent variant. */
  series: string[];
}

const SERIES_COUNT = 8;

export function readChartPalette(): ChartPalette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text', '#1b1f24'),
    muted: read('--text-muted', '#5d6670'),
    grid: read('--chart-grid', '#e5e7eb'),
    axis: read('--chart-axis', '#c7ccd3'),
    tooltipBackground: read('--tooltip-bg', '#1b1f24'),
    tooltipText: read('--tooltip-text', '#ffffff'),
    fontFamily: read('--font-sans', 'system-ui, sans-serif'),
    series: Array.from({ length: SERIES_COUNT }, (_, i) => read(`--series-${i + 1}`, '#2563eb')),
  };
}

/** '#rrggbb' (or '#rgb') to rgba() with the given alpha; other colour syntaxes pass through. */
export function withAlpha(color: string, alpha: number): string {
  let hex = color.startsWith('#') ? color.slice(1) : '';
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join('');
  if (!/^[0-9a-f]{6}$/i.test(hex)) return color;
  const n = parseInt(hex, 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
