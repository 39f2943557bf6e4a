import { memo, useEffect, useRef, useState } from 'react';
import { alertSummaryStore } from '../../alerts/summaryStore';
import { serverClock } from '../../live';
import { useColorScheme } from '../../theme';
import { filterRows, type FleetFilter } from '../filter';
import { fleetStore } from '../store';
import { gradientOf, SCALES, type HeatmapMode } from './colors';
import { focusHeadingAfterNavigation } from '../focus';
import { groupedHeatmap, staleKey, type HeatmapGroup } from './model';
import { HeatmapRenderer, readHeatmapPalette } from './renderer';

interface GpuHeatmapProps {
  filter: FleetFilter;
  /** Sections by this label key; null: none. */
  groupBy?: string | null;
  onOpenNode(nodeId: string): void;
  /** Drawn GPUs and nodes, for the heading (from the page's throttled render). */
  gpuCount: number;
  /** The collection interval: values older than two are drawn stale. */
  intervalMs: number;
}

/** How often the heatmap looks at the clock: values go stale even when no event arrives. */
const AGE_CHECK_MS = 1000;

const MODES: Array<{ id: HeatmapMode; label: string }> = [
  { id: 'util', label: 'Utilisation' },
  { id: 'temp', label: 'Temperature' },
];

function Legend({ mode }: { mode: HeatmapMode }) {
  const scale = SCALES[mode];
  return (
    <div className="heatmap__legend" aria-hidden="true">
      <span>
        {scale.min}
        {scale.unit === '%' ? '%' : ' °C'}
        {mode === 'temp' ? ' or less' : ''}
      </span>
      <span className="heatmap__ramp" style={{ background: gradientOf(scale) }} />
      <span>
        {scale.max}
        {scale.unit === '%' ? '%' : ' °C'}
        {mode === 'temp' ? '+' : ''}
      </span>
      <span className="heatmap__legend-missing">
        <span className="heatmap__swatch" /> no reading
      </span>
      <span className="heatmap__legend-missing">
        <span className="heatmap__swatch heatmap__swatch--alert" /> firing alert
      </span>
    </div>
  );
}

/**
 * The fleet's GPUs on one canvas. React renders the frame once; the HeatmapRenderer takes the
 * store's coalesced updates directly, so a tick never re-renders this component.
 */
export const GpuHeatmap = memo(function GpuHeatmap({ filter, groupBy = null, onOpenNode, gpuCount, intervalMs }: GpuHeatmapProps) {
  const wrapperRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const tooltipRef = useRef<HTMLDivElement>(null);
  const liveRef = useRef<HTMLParagraphElement>(null);
  const rendererRef = useRef<HeatmapRenderer | null>(null);
  const feedRef = useRef<(() => void) | null>(null);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const groupByRef = useRef(groupBy);
  groupByRef.current = groupBy;
  const onOpenRef = useRef(onOpenNode);
  onOpenRef.current = onOpenNode;
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const [mode, setMode] = useState<HeatmapMode>('util');
  const scheme = useColorScheme();

  useEffect(() => {
    const renderer = new HeatmapRenderer(
      { wrapper: wrapperRef.current!, canvas: canvasRef.current!, tooltip: tooltipRef.current!, live: liveRef.current! },
      readHeatmapPalette(),
      (nodeId, how) => {
        const page = wrapperRef.current?.closest<HTMLElement>('[data-testid="page-fleet"]') ?? null;
        onOpenRef.current(nodeId);
        // From the keyboard the focus follows to the node page's heading, not to <body>.
        if (how === 'keyboard') focusHeadingAfterNavigation(page);
      },
      () => serverClock.now(Date.now()),
    );
    rendererRef.current = renderer;
    const groups = () =>
      groupedHeatmap(
        filterRows(fleetStore.view().rows, filterRef.current),
        serverClock.now(Date.now()),
        intervalRef.current,
        alertSummaryStore.current(),
        groupByRef.current,
      );
    let drawnStale = '';
    const show = (next: HeatmapGroup[]) => {
      drawnStale = staleKey(next);
      renderer.setGroups(next);
    };
    const feed = () => show(groups());
    feed();
    const off = fleetStore.subscribe(feed);
    alertSummaryStore.start();
    const offAlerts = alertSummaryStore.subscribe(feed);
    // Between updates only ageing can change the picture: redraw when a node turns stale (or back).
    const ageing = window.setInterval(() => {
      const next = groups();
      if (staleKey(next) !== drawnStale) show(next);
    }, AGE_CHECK_MS);
    feedRef.current = feed;
    return () => {
      off();
      offAlerts();
      window.clearInterval(ageing);
      renderer.destroy();
      rendererRef.current = null;
      feedRef.current = null;
    };
  }, []);

  useEffect(() => {
    feedRef.current?.();
  }, [filter, groupBy, intervalMs]);

  useEffect(() => {
    rendererRef.current?.setMode(mode);
  }, [mode]);

  useEffect(() => {
    rendererRef.current?.setPalette(readHeatmapPalette());
  }, [scheme]);

  return (
    <section className="panel heatmap" aria-labelledby="heatmap-title">
      <header className="heatmap__head">
        <h2 className="section__title" id="heatmap-title">
          GPUs <span className="section__count">{gpuCount}</span>
        </h2>
        <div className="segmented segmented--small" role="group" aria-label="Colour GPUs by">
          {MODES.map((m) => (
            <button
              key={m.id}
              type="button"
              className="segmented__button"
              aria-pressed={mode === m.id}
              data-testid={`heatmap-mode-${m.id}`}
              onClick={() => setMode(m.id)}
            >
              {m.label}
            </button>
          ))}
        </div>
        <Legend mode={mode} />
      </header>
      <div className="heatmap__plot" ref={wrapperRef} data-testid="gpu-heatmap" tabIndex={0} aria-describedby="heatmap-help">
        <canvas ref={canvasRef} className="heatmap__canvas" role="img" aria-label="GPU heatmap" />
        <div className="heatmap__tooltip" ref={tooltipRef} hidden role="tooltip" />
        <p className="visually-hidden" ref={liveRef} aria-live="polite" />
        {gpuCount === 0 && (
          <p className="heatmap__empty">No GPUs to show{filter.text || filter.label || filter.status !== 'all' ? ' with this filter' : ' yet'}.</p>
        )}
      </div>
      <p className="visually-hidden" id="heatmap-help">
        Arrow keys move between GPUs, Enter opens the node.
      </p>
    </section>
  );
});
