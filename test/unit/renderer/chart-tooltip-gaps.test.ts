// A live chart's line breaks and tooltip (renderer/src/charts/gaps.ts, tooltip.ts), as Chart.js
// calls them: the point radius per data index, the tooltip's filter, title and label callbacks.
import type { ScriptableContext, TooltipItem } from 'chart.js';
import { describe, expect, it } from 'vitest';
import { GAP_SPACINGS, isolatedPointRadius, typicalSpacing } from '../../../renderer/src/charts/gaps';
import type { Point, SeriesBuffer, SeriesResolution } from '../../../renderer/src/charts/seriesBuffer';
import { tooltipOptions, type DatasetRole } from '../../../renderer/src/charts/tooltip';
import { formatDateTime } from '../../../renderer/src/format';
import type { ChartPalette } from '../../../renderer/src/theme';

const line = (...xs: number[]): Point[] => xs.map((x) => ({ x, y: x / 1000 }));

describe('line breaks', () => {
  it('takes the median spacing, so a few gaps do not widen it', () => {
    expect(typicalSpacing([line(0, 5000, 10_000, 15_000, 600_000), line(0, 5000)])).toBe(5000);
    expect(typicalSpacing([line(0), []])).toBe(0);
    expect(GAP_SPACINGS).toBe(3);
  });

  it('marks a point only where no neighbour is within the gap', () => {
    const data = line(0, 5000, 10_000, 60_000, 120_000, 125_000);
    const radius = isolatedPointRadius(15_000);
    const at = (dataIndex: number) => radius({ dataset: { data }, dataIndex } as unknown as ScriptableContext<'line'>);
    expect(data.map((_, i) => at(i))).toEqual([0, 0, 0, 2.5, 0, 0]);
    // A lone first reading is drawn; an index past the data is not.
    expect(isolatedPointRadius(15_000)({ dataset: { data: line(0) }, dataIndex: 0 } as unknown as ScriptableContext<'line'>)).toBe(2.5);
    expect(at(9)).toBe(0);
  });
});

describe('the tooltip', () => {
  const palette = { tooltipBackground: '#000', tooltipText: '#fff' } as ChartPalette;
  const bucketed = { bucketed: true, low: line(0, 60_000), high: line(0, 60_000) } as unknown as SeriesBuffer;
  bucketed.low[1] = { x: 60_000, y: 10 };
  bucketed.high[1] = { x: 60_000, y: 90 };
  const roles: DatasetRole[] = [
    { role: 'line', series: { buffer: bucketed } },
    { role: 'low', series: { buffer: bucketed } },
    { role: 'line', series: { buffer: { bucketed: false } as SeriesBuffer } },
  ];
  let resolution: SeriesResolution = { stepMs: 60_000, bucketed: true, intervalMs: 5000 };
  const tooltip = tooltipOptions(
    'pct',
    palette,
    (i) => roles[i],
    () => resolution,
  );
  const item = (datasetIndex: number, dataIndex: number, raw: Point, label = 'GPU 0') =>
    ({ datasetIndex, dataIndex, raw, dataset: { label } }) as unknown as TooltipItem<'line'>;
  const callbacks = tooltip.callbacks as {
    title(items: TooltipItem<'line'>[]): string;
    label(item: TooltipItem<'line'>): string;
  };

  it("lists lines only, not a band's edges", () => {
    const filter = tooltip.filter as (item: TooltipItem<'line'>) => boolean;
    expect([0, 1, 2, 3].map((i) => filter(item(i, 0, { x: 0, y: 0 })))).toEqual([true, false, true, false]);
  });

  it("titles the point's time, with the bucket's width while history is averaged", () => {
    const x = Date.UTC(2026, 11, 2, 12, 0, 0);
    expect(callbacks.title([item(0, 0, { x, y: 1 })])).toMatch(new RegExp(`^${formatDateTime(x)} UTC[+-]\\d{2}:\\d{2} · 1 min avg$`));
    resolution = { stepMs: 5000, bucketed: false, intervalMs: 5000 };
    expect(callbacks.title([item(0, 0, { x, y: 1 })])).not.toContain('avg');
    expect(callbacks.title([])).toBe('');
  });

  it("gives each line's value, and an averaged point's low-high range", () => {
    expect(callbacks.label(item(0, 1, { x: 60_000, y: 50 }))).toBe('GPU 0: 50%  (10% – 90%)');
    // Found by time where the index does not match.
    expect(callbacks.label(item(0, 0, { x: 60_000, y: 50 }))).toBe('GPU 0: 50%  (10% – 90%)');
    expect(callbacks.label(item(2, 0, { x: 60_000, y: 50 }, 'GPU 1'))).toBe('GPU 1: 50%');
  });
});
