/**
 * Draws the GPU heatmap on one canvas, outside React: a tick of a thousand GPUs is one redraw in
 * one animation frame (coalesced), each cell one fillRect with a precomputed colour. The pointer
 * and the keyboard find cells by arithmetic (layout.hitTest), and the tooltip is one element
 * whose text is set in place.
 */
import { FrameBatcher } from '../batcher';
import { colorFor, SCALES, type HeatmapMode } from './colors';
import { cellRect, fitLayout, hitTest, moveFocus, tileRect, type HeatmapLayout } from './layout';
import { alertCellsKey, cellValue, describeHeatmap, noReadingCount, tooltipText, type HeatmapGroup } from './model';

export interface HeatmapPalette {
  text: string;
  muted: string;
  /** A GPU that reports no value for the current mode. */
  empty: string;
  /** Outline of the hovered or focused cell. */
  focus: string;
  fontFamily: string;
  /** Outline of a GPU with a firing critical alert, and with a lesser one. */
  alertCritical: string;
  alertWarning: string;
}

export function readHeatmapPalette(): HeatmapPalette {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: read('--text', '#1c2026'),
    muted: read('--text-muted', '#5f6873'),
    empty: read('--heatmap-empty', '#d5d9df'),
    focus: read('--text', '#1c2026'),
    fontFamily: read('--font-sans', 'system-ui, sans-serif'),
    alertCritical: read('--error', '#c62828'),
    alertWarning: read('--warn', '#8a5a00'),
  };
}

export interface HeatmapElements {
  /** Carries the test hooks (data-cells, data-draw-ms) and takes keyboard focus. */
  wrapper: HTMLElement;
  canvas: HTMLCanvasElement;
  tooltip: HTMLElement;
  /** A polite live region: what the focused cell is, for screen readers. */
  live: HTMLElement;
}

/** Tallest the heatmap grows before cells get smaller. */
const MAX_HEIGHT = 520;
/** The name of a node whose values are stale: faded, its cells drawn as "no reading". */
const STALE_LABEL_ALPHA = 0.55;
const LABEL_FONT_PX = 10;
const SECTION_FONT_PX = 11;

/** Runs of consecutive groups with the same section heading; null when not grouped. */
export function sectionRuns(groups: readonly HeatmapGroup[]): { counts: number[]; titles: string[] } | null {
  if (groups.length === 0 || groups[0]!.section === undefined) return null;
  const counts: number[] = [];
  const titles: string[] = [];
  for (const group of groups) {
    if (titles.length > 0 && titles[titles.length - 1] === group.section) counts[counts.length - 1]! += 1;
    else {
      titles.push(group.section ?? '');
      counts.push(1);
    }
  }
  return { counts, titles };
}

interface Position {
  group: number;
  cell: number;
}

export class HeatmapRenderer {
  private groups: readonly HeatmapGroup[] = [];
  private mode: HeatmapMode = 'util';
  private layout: HeatmapLayout | null = null;
  private width = 0;
  private hover: { group: number; cell: number | null } | null = null;
  private focus: Position | null = null;
  private readonly batcher: FrameBatcher;
  private readonly resize: ResizeObserver;
  private dprQuery: MediaQueryList | null = null;
  private readonly labelCache = new Map<string, string>();
  private labelCacheWidth = -1;
  private draws = 0;
  private totalDrawMs = 0;
  private readonly tip: { title: HTMLElement; gpu: HTMLElement; uuid: HTMLElement; lines: HTMLElement };
  private destroyed = false;
  /** The font last set on the context ('' after a resize, which resets the context's state). */
  private font = '';
  /** What the aria-label describes: it changes with the data or the mode, not with hovering. */
  private described: { groups: readonly HeatmapGroup[]; mode: HeatmapMode } | null = null;

  constructor(
    private readonly el: HeatmapElements,
    private palette: HeatmapPalette,
    private readonly onSelect: (nodeId: string, how: 'pointer' | 'keyboard') => void,
    /** Engine time, for the age of stale values in the tooltip. */
    private readonly clock: () => number = Date.now,
  ) {
    this.batcher = new FrameBatcher(() => this.draw());
    this.tip = this.buildTooltip();
    this.resize = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1]!.contentRect.width);
      if (width !== this.width) {
        this.width = width;
        this.batcher.mark();
      }
    });
    this.resize.observe(el.wrapper);
    this.width = Math.floor(el.wrapper.clientWidth);
    el.canvas.addEventListener('pointermove', this.onPointerMove);
    el.canvas.addEventListener('pointerleave', this.onPointerLeave);
    el.canvas.addEventListener('click', this.onClick);
    el.wrapper.addEventListener('keydown', this.onKeyDown);
    el.wrapper.addEventListener('blur', this.onBlur);
    this.watchDevicePixelRatio();
    el.wrapper.dataset.cells = '0';
    el.wrapper.dataset.draws = '0';
    this.batcher.mark();
  }

  /** New data (one call per coalesced store update); drawn at the next frame. */
  setGroups(groups: readonly HeatmapGroup[]): void {
    this.groups = groups;
    this.batcher.mark();
  }

  setMode(mode: HeatmapMode): void {
    if (mode === this.mode) return;
    this.mode = mode;
    this.batcher.mark();
  }

  setPalette(palette: HeatmapPalette): void {
    this.palette = palette;
    this.labelCache.clear();
    this.batcher.mark();
  }

  destroy(): void {
    this.destroyed = true;
    this.batcher.dispose();
    this.resize.disconnect();
    this.dprQuery?.removeEventListener('change', this.onDprChange);
    this.el.canvas.removeEventListener('pointermove', this.onPointerMove);
    this.el.canvas.removeEventListener('pointerleave', this.onPointerLeave);
    this.el.canvas.removeEventListener('click', this.onClick);
    this.el.wrapper.removeEventListener('keydown', this.onKeyDown);
    this.el.wrapper.removeEventListener('blur', this.onBlur);
  }

  // ---- drawing ----

  private draw(): void {
    if (this.destroyed) return;
    const started = performance.now();
    const { canvas, wrapper } = this.el;
    const groups = this.groups;
    const sections = sectionRuns(groups);
    const layout = fitLayout(
      groups.map((g) => ({ cells: g.cells.length })),
      this.width,
      MAX_HEIGHT,
      undefined,
      undefined,
      sections?.counts ?? null,
    );
    this.layout = layout;
    if (this.focus && (this.focus.group >= groups.length || this.focus.cell >= layout.cellCounts[this.focus.group]!)) this.focus = null;
    if (this.hover && this.hover.group >= groups.length) this.hover = null;

    const dpr = window.devicePixelRatio || 1;
    const cssHeight = layout.height;
    const backingW = Math.max(1, Math.round(this.width * dpr));
    const backingH = Math.max(1, Math.round(cssHeight * dpr));
    if (canvas.width !== backingW || canvas.height !== backingH) {
      canvas.width = backingW;
      this.font = '';
      canvas.height = backingH;
    }
    // CSSOM, which the style-src 'self' policy allows. The width follows the wrapper (so a
    // narrower window never overflows before the next draw); the backing store matches it.
    canvas.style.width = '100%';
    canvas.style.height = `${cssHeight}px`;
    const ctx = canvas.getContext('2d', { alpha: true });
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, backingW, backingH);

    const scale = SCALES[this.mode];
    const { empty, muted, focus, fontFamily } = this.palette;
    // Cells in device pixels, rounded, so edges stay crisp at 1.25x or 1.5x zoom.
    const px = (v: number) => Math.round(v * dpr);
    const labelHeight = layout.options.labelHeight;
    if (labelHeight > 0) {
      this.setFont(ctx, `${LABEL_FONT_PX * dpr}px ${fontFamily}`);
      ctx.textBaseline = 'alphabetic';
    }
    if (this.labelCacheWidth !== layout.tileWidth) {
      this.labelCache.clear();
      this.labelCacheWidth = layout.tileWidth;
    }
    if (sections) {
      this.setFont(ctx, `600 ${SECTION_FONT_PX * dpr}px ${fontFamily}`);
      ctx.fillStyle = this.palette.text;
      layout.sections.forEach((section, i) => {
        ctx.fillText(sections.titles[i] ?? '', 0, px(section.y + layout.sectionHeading - 5));
      });
      if (labelHeight > 0) this.setFont(ctx, `${LABEL_FONT_PX * dpr}px ${fontFamily}`);
    }
    for (let g = 0; g < groups.length; g++) {
      const group = groups[g]!;
      const tile = tileRect(layout, g);
      if (labelHeight > 0) {
        ctx.globalAlpha = group.stale ? STALE_LABEL_ALPHA : 1;
        ctx.fillStyle = muted;
        ctx.fillText(this.fitLabel(ctx, group.label, layout.tileWidth * dpr), px(tile.x), px(tile.y + labelHeight - 4));
        ctx.globalAlpha = 1;
      }
      const cells = group.cells;
      for (let c = 0; c < cells.length; c++) {
        const r = cellRect(layout, g, c);
        const x0 = px(r.x);
        const y0 = px(r.y);
        ctx.fillStyle = colorFor(scale, cellValue(cells[c]!, this.mode, group.stale), empty);
        ctx.fillRect(x0, y0, px(r.x + r.w) - x0, px(r.y + r.h) - y0);
      }
    }
    this.drawAlertOutlines(ctx, layout, px, dpr);
    const marked = this.focus ?? (this.hover && this.hover.cell !== null ? { group: this.hover.group, cell: this.hover.cell } : null);
    if (marked) {
      const r = cellRect(layout, marked.group, marked.cell);
      ctx.strokeStyle = focus;
      ctx.lineWidth = Math.max(1, Math.round(2 * dpr));
      ctx.strokeRect(px(r.x) - ctx.lineWidth / 2, px(r.y) - ctx.lineWidth / 2, px(r.w) + ctx.lineWidth, px(r.h) + ctx.lineWidth);
    } else if (this.hover) {
      const t = tileRect(layout, this.hover.group);
      ctx.strokeStyle = muted;
      ctx.lineWidth = Math.max(1, Math.round(dpr));
      ctx.strokeRect(px(t.x) - 2 * dpr, px(t.y) - 1, px(t.w) + 4 * dpr, px(t.h) + 2 * dpr);
    }

    const elapsed = performance.now() - started;
    this.draws += 1;
    this.totalDrawMs += elapsed;
    wrapper.dataset.cells = String(layout.totalCells);
    wrapper.dataset.nodes = String(groups.length);
    wrapper.dataset.noReading = String(noReadingCount(groups, this.mode));
    wrapper.dataset.staleNodes = groups
      .filter((g) => g.stale)
      .map((g) => g.nodeId)
      .join(' ');
    wrapper.dataset.alertGpus = alertCellsKey(groups);
    wrapper.dataset.sections = sections ? sections.titles.join('\n') : '';
    wrapper.dataset.drawMs = elapsed.toFixed(3);
    wrapper.dataset.drawAvgMs = (this.totalDrawMs / this.draws).toFixed(3);
    wrapper.dataset.draws = String(this.draws);
    wrapper.dataset.mode = this.mode;
    wrapper.dataset.dpr = String(dpr);
    if (this.described?.groups !== groups || this.described.mode !== this.mode) {
      canvas.setAttribute('aria-label', describeHeatmap(groups, this.mode));
      this.described = { groups, mode: this.mode };
    }
    this.refreshTooltip();
  }

  /**
   * Sets the context's font only when it changes: setting one makes Chromium bring the whole
   * page's style up to date first, which after a table update costs more than the drawing.
   */
  private setFont(ctx: CanvasRenderingContext2D, font: string): void {
    if (this.font === font) return;
    ctx.font = font;
    this.font = font;
  }

  /** A GPU with a firing alert stands out: a thick outline inside its cell, red when critical. */
  private drawAlertOutlines(ctx: CanvasRenderingContext2D, layout: HeatmapLayout, px: (v: number) => number, dpr: number): void {
    const width = Math.max(2, Math.round(2 * dpr));
    ctx.lineWidth = width;
    for (let g = 0; g < this.groups.length; g++) {
      const alerts = this.groups[g]!.alerts;
      if (!alerts) continue;
      for (let c = 0; c < alerts.length; c++) {
        const alert = alerts[c];
        if (!alert) continue;
        const r = cellRect(layout, g, c);
        ctx.strokeStyle = alert.worst === 'critical' ? this.palette.alertCritical : this.palette.alertWarning;
        ctx.strokeRect(px(r.x) + width / 2, px(r.y) + width / 2, Math.max(1, px(r.w) - width), Math.max(1, px(r.h) - width));
      }
    }
  }

  /** The node name cut to the tile's width with an ellipsis; measured once per name and width. */
  private fitLabel(ctx: CanvasRenderingContext2D, label: string, maxWidth: number): string {
    const cached = this.labelCache.get(label);
    if (cached !== undefined) return cached;
    let text = label;
    if (ctx.measureText(text).width > maxWidth) {
      let lo = 0;
      let hi = label.length;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (ctx.measureText(`${label.slice(0, mid)}…`).width <= maxWidth) lo = mid;
        else hi = mid - 1;
      }
      text = `${label.slice(0, lo)}…`;
    }
    if (this.labelCache.size > 10_000) this.labelCache.clear();
    this.labelCache.set(label, text);
    return text;
  }

  // ---- device pixel ratio ----

  private watchDevicePixelRatio(): void {
    this.dprQuery?.removeEventListener('change', this.onDprChange);
    this.dprQuery = window.matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    this.dprQuery.addEventListener('change', this.onDprChange);
  }

  private readonly onDprChange = () => {
    // Zoom or a move to another screen: redraw at the new density.
    this.watchDevicePixelRatio();
    this.labelCache.clear();
    this.batcher.mark();
  };

  // ---- pointer, keyboard and tooltip ----

  private pointAt(event: MouseEvent): { x: number; y: number } {
    const rect = this.el.canvas.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  private readonly onPointerMove = (event: PointerEvent) => {
    if (!this.layout) return;
    const { x, y } = this.pointAt(event);
    const hit = hitTest(this.layout, x, y);
    const same = hit?.group === this.hover?.group && hit?.cell === this.hover?.cell;
    this.el.canvas.classList.toggle('heatmap__canvas--link', hit !== null);
    if (same) return;
    this.hover = hit;
    this.focus = null;
    this.batcher.mark();
  };

  private readonly onPointerLeave = () => {
    if (this.hover === null) return;
    this.hover = null;
    this.batcher.mark();
  };

  private readonly onClick = (event: MouseEvent) => {
    if (!this.layout) return;
    const { x, y } = this.pointAt(event);
    const hit = hitTest(this.layout, x, y);
    if (hit) this.onSelect(this.groups[hit.group]!.nodeId, 'pointer');
  };

  private readonly onBlur = () => {
    if (this.focus === null) return;
    this.focus = null;
    this.batcher.mark();
  };

  private readonly onKeyDown = (event: KeyboardEvent) => {
    if (!this.layout) return;
    const keys: Record<string, 'left' | 'right' | 'up' | 'down' | 'home' | 'end'> = {
      ArrowLeft: 'left',
      ArrowRight: 'right',
      ArrowUp: 'up',
      ArrowDown: 'down',
      Home: 'home',
      End: 'end',
    };
    const move = keys[event.key];
    if (move) {
      event.preventDefault();
      this.focus = moveFocus(this.layout, this.focus, move);
      this.hover = null;
      this.batcher.mark();
      if (this.focus) {
        const text = tooltipText(this.groups[this.focus.group]!, this.focus.cell, this.clock());
        this.el.live.textContent = `${text.title}, ${text.gpu}. ${text.lines.join('. ')}`;
      }
    } else if ((event.key === 'Enter' || event.key === ' ') && this.focus) {
      event.preventDefault();
      this.onSelect(this.groups[this.focus.group]!.nodeId, 'keyboard');
    } else if (event.key === 'Escape' && this.focus) {
      this.focus = null;
      this.batcher.mark();
    }
  };

  private buildTooltip(): { title: HTMLElement; gpu: HTMLElement; uuid: HTMLElement; lines: HTMLElement } {
    const tooltip = this.el.tooltip;
    tooltip.replaceChildren();
    const make = (className: string) => {
      const el = document.createElement('div');
      el.className = className;
      tooltip.appendChild(el);
      return el;
    };
    return { title: make('heatmap__tip-title'), gpu: make('heatmap__tip-gpu'), uuid: make('heatmap__tip-uuid'), lines: make('heatmap__tip-lines') };
  }

  /** Shows the hovered or focused cell's tooltip beside it (or hides it); text set in place, never as HTML. */
  private refreshTooltip(): void {
    const { tooltip } = this.el;
    const at = this.focus ?? (this.hover && this.hover.cell !== null ? { group: this.hover.group, cell: this.hover.cell } : null);
    const layout = this.layout;
    const group = at ? this.groups[at.group] : undefined;
    if (!at || !layout || !group || at.cell >= group.cells.length) {
      tooltip.hidden = true;
      return;
    }
    const text = tooltipText(group, at.cell, this.clock());
    this.tip.title.textContent = text.title;
    this.tip.gpu.textContent = text.gpu;
    this.tip.uuid.textContent = text.uuid ?? '';
    this.tip.uuid.hidden = text.uuid === null;
    this.tip.lines.replaceChildren(
      ...text.lines.map((line) => {
        const div = document.createElement('div');
        div.textContent = line;
        return div;
      }),
    );
    tooltip.hidden = false;
    const r = cellRect(layout, at.group, at.cell);
    const tipWidth = tooltip.offsetWidth;
    const right = r.x + r.w + 8;
    const x = right + tipWidth > this.width ? Math.max(0, r.x - tipWidth - 8) : right;
    const y = Math.max(0, r.y - 4);
    tooltip.style.transform = `translate(${Math.round(x)}px, ${Math.round(y)}px)`;
  }
}
