/**
 * One Chart.js line chart fed by history queries and live snapshots, outside React: the React
 * wrapper creates it once and hands it data, so a tick costs one chart.update('none') and no
 * re-render.
 */
import type { ChartDataset, ChartOptions, Plugin } from 'chart.js';
import type { MetricQueryResult } from '../../../shared/contract';
import { METRICS, type MetricName, type MetricUnit } from '../../../shared/model/metrics';
import type { NodeSnapshot } from '../../../shared/model/node';
import { formatValue, MISSING } from '../format';
import { followsLive, type ChartWindow, type RangeDefinition } from '../ranges';
import { type ChartPalette, withAlpha } from '../theme';
import { xScaleOptions, yScaleOptions, type YLimits } from './axes';
import { Chart } from './register';
import { resolutionOf, type DrawnResolution } from './resolution';
import { SeriesBuffer, type Point, type SeriesResolution } from './seriesBuffer';
import { publishCrosshair, subscribeCrosshair } from './crosshair';
import { drawOverlay, type ReferenceLine } from './overlay';
import { timeZoneLabel } from './timeZone';
import { GAP_SPACINGS, isolatedPointRadius, typicalSpacing } from './gaps';
import { tooltipOptions, type DatasetRole } from './tooltip';

export type { ReferenceLine } from './overlay';

/** What the chart's HTML legend shows per line: name, colour, dash, and the newest value. */
export interface LegendEntry {
  key: string;
  label: string;
  color: string;
  dashed: boolean;
  hidden: boolean;
  /** The newest value in the window, formatted; readable without hovering. */
  last: string;
}

export interface LiveChartHooks {
  /** A drag across the plot selected aMs..bMs (either order). */
  onZoom?(aMs: number, bMs: number): void;
  /** The legend's entries changed (a series came, a value moved, a line was hidden). */
  onLegendChange?(): void;
}

/** A drag narrower than this many pixels is a click, not a zoom. */
const MIN_DRAG_PX = 6;

/** One metric drawn in a chart, optionally narrowed to one device. */
export interface ChartSource {
  metric: MetricName;
  /** Only this device's series (a GPU's key); every device when absent. */
  device?: string;
  /** Legend and tooltip name of one device's line. */
  label(device: string): string;
  /** Dashed lines tell a second metric of the same device apart (network tx next to rx). */
  dashed?: boolean;
}

export interface LiveChartSpec {
  unit: MetricUnit;
  sources: ChartSource[];
  /** A fixed colour slot; otherwise each device gets the next one. */
  colorSlot?: number;
  /** A device's own colour slot (a GPU's index), so colours follow GPUs, not arrival order. */
  deviceSlot?(device: string): number | undefined;
}

interface Series {
  key: string;
  source: ChartSource;
  buffer: SeriesBuffer;
  colorSlot: number;
}

type Role = DatasetRole['role'];
type LineDataset = ChartDataset<'line', Point[]>;

/** Snapshots kept while history loads, to be replayed on top of it (a few minutes' worth). */
const MAX_QUEUED_SNAPSHOTS = 120;

export class LiveChart {
  private readonly chart: Chart<'line', Point[]>;
  private readonly series = new Map<string, Series>();
  /** Which series and role each dataset index draws, for legend, tooltip and colours. */
  private roles: Array<{ series: Series; role: Role }> = [];
  private readonly deviceSlots = new Map<string, number>();
  private resolution: SeriesResolution;
  private range: RangeDefinition;
  private view: ChartWindow;
  /** Live windows slide with ticks; custom ones show view.fromMs..view.toMs and take no ticks. */
  private live: boolean;
  private windowEnd: number;
  private crosshairMs: number | null = null;
  private drag: { startPx: number; currentPx: number } | null = null;
  private references: ReferenceLine[] = [];
  /** Set while exporting a PNG, so the image has the panel's background instead of transparency. */
  private exportBackground: string | null = null;
  private legendSignature = '';
  private readonly detach: Array<() => void> = [];
  private loading = false;
  private queued: NodeSnapshot[] = [];
  private limits: YLimits = {};
  /** Points further apart than this are not joined (the engine was not collecting). */
  private maxGapMs: number;

  constructor(
    canvas: HTMLCanvasElement,
    /** Carries the data-points test hook, updated after every chart update. */
    private readonly wrapper: HTMLElement,
    private readonly spec: LiveChartSpec,
    view: ChartWindow,
    range: RangeDefinition,
    private palette: ChartPalette,
    private intervalMs: number,
    private readonly hooks: LiveChartHooks = {},
  ) {
    this.range = range;
    this.view = view;
    this.live = followsLive(view);
    this.windowEnd = view.toMs;
    this.resolution = { stepMs: intervalMs, bucketed: false, intervalMs };
    this.maxGapMs = intervalMs * GAP_SPACINGS;
    const pointsHook: Plugin<'line'> = {
      id: 'clusterdeckPoints',
      afterUpdate: () => {
        this.wrapper.dataset.points = String(this.pointCount());
      },
    };
    const overlay: Plugin<'line'> = {
      id: 'clusterdeckOverlay',
      beforeDraw: (chart) => {
        if (!this.exportBackground) return;
        const { ctx, width, height } = chart;
        ctx.save();
        ctx.fillStyle = this.exportBackground;
        ctx.fillRect(0, 0, width, height);
        ctx.restore();
      },
      afterDatasetsDraw: (chart) => {
        drawOverlay(chart, { references: this.references, crosshairMs: this.crosshairMs, drag: this.drag, palette: this.palette });
      },
    };
    this.chart = new Chart(canvas, { type: 'line', data: { datasets: [] }, options: this.options(), plugins: [pointsHook, overlay] });
    this.wrapper.dataset.points = '0';
    this.listen(canvas);
    this.detach.push(
      subscribeCrosshair((timeMs) => {
        if (timeMs === this.crosshairMs) return;
        this.crosshairMs = timeMs;
        if (timeMs === null) delete this.wrapper.dataset.crosshair;
        else this.wrapper.dataset.crosshair = String(Math.round(timeMs));
        this.chart.draw();
      }),
    );
  }

  /** Hover publishes the shared crosshair; a drag across the plot asks to zoom to it. */
  private listen(canvas: HTMLCanvasElement): void {
    const inPlot = (px: number) => px >= this.chart.chartArea.left && px <= this.chart.chartArea.right;
    const clamp = (px: number) => Math.min(this.chart.chartArea.right, Math.max(this.chart.chartArea.left, px));
    const valueAt = (px: number) => this.chart.scales.x!.getValueForPixel(px)!;
    const on = <K extends keyof HTMLElementEventMap>(type: K, handler: (event: HTMLElementEventMap[K]) => void) => {
      canvas.addEventListener(type, handler);
      this.detach.push(() => canvas.removeEventListener(type, handler));
    };
    on('pointermove', (event) => {
      const px = event.offsetX;
      if (this.drag) {
        this.drag.currentPx = clamp(px);
        this.chart.draw();
      }
      publishCrosshair(inPlot(px) ? valueAt(px) : null);
    });
    on('pointerleave', () => {
      if (!this.drag) publishCrosshair(null);
    });
    on('pointerdown', (event) => {
      if (event.button !== 0 || !inPlot(event.offsetX)) return;
      this.drag = { startPx: event.offsetX, currentPx: event.offsetX };
      canvas.setPointerCapture?.(event.pointerId);
    });
    const finish = (zoom: boolean) => {
      const drag = this.drag;
      this.drag = null;
      this.chart.draw();
      if (zoom && drag && Math.abs(drag.currentPx - drag.startPx) >= MIN_DRAG_PX) this.hooks.onZoom?.(valueAt(drag.startPx), valueAt(drag.currentPx));
    };
    on('pointerup', () => finish(true));
    on('pointercancel', () => finish(false));
  }

  /** The legend's entries, in drawing order. */
  legendEntries(): LegendEntry[] {
    const entries: LegendEntry[] = [];
    this.roles.forEach(({ series, role }, i) => {
      if (role !== 'line') return;
      const dataset = this.chart.data.datasets[i];
      const last = series.buffer.line[series.buffer.line.length - 1];
      entries.push({
        key: series.key,
        label: dataset?.label ?? '',
        color: String(dataset?.borderColor ?? ''),
        dashed: series.source.dashed === true,
        hidden: !this.chart.isDatasetVisible(i),
        last: last ? formatValue(this.spec.unit, last.y) : MISSING,
      });
    });
    return entries;
  }

  /** Shows or hides one line with its envelope. */
  toggleSeries(key: string): void {
    const index = this.roles.findIndex((r) => r.role === 'line' && r.series.key === key);
    if (index < 0) return;
    const visible = !this.chart.isDatasetVisible(index);
    this.roles.forEach((r, i) => r.series.key === key && this.chart.setDatasetVisibility(i, visible));
    this.chart.update('none');
    this.notifyLegend();
  }

  /** Horizontal reference lines (a power limit, a memory size), labelled at the right. */
  setReferences(lines: ReferenceLine[]): void {
    if (JSON.stringify(lines) === JSON.stringify(this.references)) return;
    this.references = lines;
    this.chart.draw();
  }

  /** The chart as a PNG data URL on an opaque background (the panel's colour). */
  toPng(background: string): string {
    this.exportBackground = background;
    try {
      this.chart.draw();
      return this.chart.toBase64Image('image/png');
    } finally {
      this.exportBackground = null;
      this.chart.draw();
    }
  }

  private notifyLegend(): void {
    const signature = JSON.stringify(this.legendEntries());
    if (signature === this.legendSignature) return;
    this.legendSignature = signature;
    this.hooks.onLegendChange?.();
  }

  /** Points currently drawn, summed over the value lines (envelope bounds not counted). */
  pointCount(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.buffer.line.length;
    return n;
  }

  /** Live snapshots arriving from now on wait until loadHistory or loadFailed. */
  beginLoading(): void {
    this.loading = true;
    this.queued = [];
  }

  /**
   * Shows a new window's history (one result per source, in order), then replays queued ticks.
   * Returns what is drawn (tier and point width), for the chart's label.
   */
  loadHistory(view: ChartWindow, range: RangeDefinition, results: MetricQueryResult[], intervalMs: number): DrawnResolution {
    this.setView(view, range);
    this.intervalMs = intervalMs;
    const drawn = resolutionOf(results, intervalMs, range.pointMs);
    const { stepMs } = drawn;
    this.resolution = { stepMs, bucketed: drawn.bucketed, intervalMs };
    this.series.clear();
    results.forEach((result, i) => {
      const source = this.spec.sources[i];
      if (!source) return;
      for (const points of result.series) {
        if (source.device !== undefined && points.device !== source.device) continue;
        this.seriesFor(source, points.device).buffer.loadHistory(points, this.resolution, view.toMs);
      }
    });
    const spacing = typicalSpacing([...this.series.values()].map((s) => s.buffer.line));
    this.maxGapMs = Math.max(stepMs, intervalMs, spacing) * GAP_SPACINGS;
    this.finishLoading();
    return drawn;
  }

  /** History could not be read: keep drawing live points at collection resolution. */
  loadFailed(view: ChartWindow, range: RangeDefinition, intervalMs: number): void {
    this.setView(view, range);
    this.intervalMs = intervalMs;
    this.resolution = { stepMs: intervalMs, bucketed: false, intervalMs };
    this.maxGapMs = intervalMs * GAP_SPACINGS;
    this.series.clear();
    this.finishLoading();
  }

  private setView(view: ChartWindow, range: RangeDefinition): void {
    this.view = view;
    this.range = range;
    this.live = followsLive(view);
    this.windowEnd = view.toMs;
  }

  pushSnapshot(snapshot: NodeSnapshot): void {
    if (this.loading) {
      this.queued.push(snapshot);
      if (this.queued.length > MAX_QUEUED_SNAPSHOTS) this.queued.shift();
      return;
    }
    // A custom window is history: live ticks do not belong in it.
    if (!this.live) return;
    const added = this.applySnapshot(snapshot);
    this.redraw(added);
  }

  applyPalette(palette: ChartPalette): void {
    this.palette = palette;
    this.redraw(true);
  }

  setLimits(limits: YLimits): void {
    if (limits.max === this.limits.max && limits.suggestedMax === this.limits.suggestedMax) return;
    this.limits = limits;
    this.redraw(true);
  }

  destroy(): void {
    for (const off of this.detach) off();
    this.chart.destroy();
  }

  private finishLoading(): void {
    this.loading = false;
    const queued = this.queued;
    this.queued = [];
    if (this.live) for (const snapshot of queued) this.applySnapshot(snapshot);
    this.redraw(true);
  }

  /** Appends a snapshot's values; returns true when a new series (device) appeared. */
  private applySnapshot(snapshot: NodeSnapshot): boolean {
    const before = this.series.size;
    for (const source of this.spec.sources) {
      for (const { device, value } of METRICS[source.metric].extract(snapshot)) {
        if (source.device !== undefined && device !== source.device) continue;
        this.seriesFor(source, device).buffer.append(snapshot.collectedAt, value);
      }
    }
    this.windowEnd = Math.max(this.windowEnd, snapshot.collectedAt);
    return this.series.size !== before;
  }

  private seriesFor(source: ChartSource, device: string): Series {
    const key = `${source.metric}\u0000${device}`;
    let series = this.series.get(key);
    if (!series) {
      series = { key, source, buffer: new SeriesBuffer(device, this.resolution), colorSlot: this.slotFor(device) };
      this.series.set(key, series);
    }
    return series;
  }

  /** A device keeps its colour across metrics (rx and tx of eth0) and across reloads. */
  private slotFor(device: string): number {
    if (this.spec.colorSlot !== undefined) return this.spec.colorSlot;
    const own = this.spec.deviceSlot?.(device);
    if (own !== undefined) return own;
    let slot = this.deviceSlots.get(device);
    if (slot === undefined) {
      slot = this.deviceSlots.size;
      this.deviceSlots.set(device, slot);
    }
    return slot;
  }

  /** Datasets per series: the line, then the envelope's low and high bounds filled between. */
  private rebuildDatasets(): void {
    const ordered = [...this.series.values()].sort(
      (a, b) => a.colorSlot - b.colorSlot || this.spec.sources.indexOf(a.source) - this.spec.sources.indexOf(b.source),
    );
    this.roles = [];
    const datasets: LineDataset[] = [];
    for (const series of ordered) {
      const color = this.palette.series[series.colorSlot % this.palette.series.length]!;
      const label = series.source.label(series.buffer.device);
      datasets.push({
        label,
        data: series.buffer.line,
        borderColor: color,
        backgroundColor: color,
        borderWidth: 1.5,
        borderDash: series.source.dashed ? [4, 3] : [],
        order: 0,
      });
      this.roles.push({ series, role: 'line' });
      if (series.buffer.bucketed) {
        const envelope = { borderWidth: 0, pointRadius: 0, backgroundColor: withAlpha(color, 0.16), borderColor: 'transparent', order: 1 };
        datasets.push({ ...envelope, label: `${label} min`, data: series.buffer.low, fill: false });
        this.roles.push({ series, role: 'low' });
        // '-1' fills down to the dataset just before: this series' low bound.
        datasets.push({ ...envelope, label: `${label} max`, data: series.buffer.high, fill: '-1' });
        this.roles.push({ series, role: 'high' });
      }
    }
    this.chart.data.datasets = datasets;
  }

  /** Trims to the window and draws; `reconfigure` rebuilds datasets and options too (new series, theme, limits). */
  private windowStart(): number {
    return this.live ? this.windowEnd - this.range.spanMs : this.view.fromMs;
  }

  private redraw(reconfigure = false): void {
    const fromMs = this.windowStart();
    // Bucket starts may precede the window by up to one step; keep what still shows.
    for (const s of this.series.values()) s.buffer.trimBefore(fromMs - this.resolution.stepMs);
    if (reconfigure) {
      this.rebuildDatasets();
      this.chart.options = this.options();
    } else {
      const x = this.chart.options.scales?.x;
      if (x) {
        x.min = fromMs;
        x.max = this.windowEnd;
      }
    }
    this.chart.update('none');
    this.notifyLegend();
  }

  private options(): ChartOptions<'line'> {
    const { unit } = this.spec;
    const palette = this.palette;
    const fromMs = this.windowStart();
    const roleOf = (datasetIndex: number) => this.roles[datasetIndex];
    const maxGapMs = this.maxGapMs;
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      // Break the line where collection stopped instead of drawing a straight bridge.
      spanGaps: maxGapMs,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      layout: { padding: { top: 4, right: 8 } },
      elements: {
        point: { radius: isolatedPointRadius(maxGapMs), hitRadius: 4, hoverRadius: 3 },
        line: { tension: 0, borderJoinStyle: 'round' },
      },
      scales: {
        x: xScaleOptions(this.range, fromMs, this.windowEnd, palette, `Time, ${timeZoneLabel(this.windowEnd)}`),
        y: yScaleOptions(unit, this.limits, palette),
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'min-max' },
        filler: { propagate: false },
        // The legend is HTML beside the canvas (ChartLegend): keyboard-usable, with values.
        legend: { display: false },
        tooltip: tooltipOptions(unit, palette, roleOf, () => this.resolution),
      },
    };
  }
}
