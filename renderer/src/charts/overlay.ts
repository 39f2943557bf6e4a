/**
 * What the chart draws over its lines: reference lines (a power limit, a memory size), the
 * page's shared crosshair and a drag-zoom selection. Drawn straight on the canvas after the
 * datasets, so none of it costs a chart update.
 */
import type { Chart } from 'chart.js';
import { type ChartPalette, withAlpha } from '../theme';

export interface ReferenceLine {
  value: number;
  label: string;
}

export interface OverlayState {
  references: readonly ReferenceLine[];
  crosshairMs: number | null;
  drag: { startPx: number; currentPx: number } | null;
  palette: ChartPalette;
}

export function drawOverlay(chart: Chart, { references, crosshairMs, drag, palette }: OverlayState): void {
  const { ctx, chartArea } = chart;
  const x = chart.scales.x;
  const y = chart.scales.y;
  if (!x || !y || !chartArea) return;
  ctx.save();
  ctx.font = `10px ${palette.fontFamily}`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'bottom';
  for (const line of references) {
    const py = y.getPixelForValue(line.value);
    if (py < chartArea.top - 0.5 || py > chartArea.bottom + 0.5) continue;
    ctx.strokeStyle = palette.muted;
    ctx.lineWidth = 1;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    ctx.moveTo(chartArea.left, py);
    ctx.lineTo(chartArea.right, py);
    ctx.stroke();
    ctx.fillStyle = palette.muted;
    ctx.fillText(line.label, chartArea.right - 2, Math.max(chartArea.top + 10, py - 1));
  }
  ctx.setLineDash([]);
  if (crosshairMs !== null && crosshairMs >= x.min && crosshairMs <= x.max) {
    const px = Math.round(x.getPixelForValue(crosshairMs)) + 0.5;
    ctx.strokeStyle = palette.axis;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(px, chartArea.top);
    ctx.lineTo(px, chartArea.bottom);
    ctx.stroke();
  }
  if (drag && drag.currentPx !== drag.startPx) {
    const left = Math.min(drag.startPx, drag.currentPx);
    ctx.fillStyle = withAlpha(palette.series[0] ?? '#2563eb', 0.15);
    ctx.fillRect(left, chartArea.top, Math.abs(drag.currentPx - drag.startPx), chartArea.bottom - chartArea.top);
  }
  ctx.restore();
}
