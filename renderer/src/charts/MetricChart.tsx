import { memo, useCallback, useEffect, useRef, useState } from 'react';
import type { MetricQueryResult } from '../../../shared/contract';
import { isAbortError } from '../abort';
import { describeError } from '../errors';
import { formatDateTime } from '../format';
import { windowDefinition, windowKey as chartWindowKey, windowRangeId, zoomWindow, type ChartWindow } from '../ranges';
import { readChartPalette, useColorScheme } from '../theme';
import { ChartLegend } from './ChartLegend';
import { buildChartCsv } from './csv';
import { exportFileName, saveCsv, savePng } from './download';
import { queryHistory } from './history';
import { LiveChart, type LegendEntry, type LiveChartSpec, type ReferenceLine } from './liveChart';
import { describeResolution, type DrawnResolution } from './resolution';
import { onSnapshot } from '../live';

export interface MetricChartProps {
  /** data-testid of the wrapper, e.g. "chart-cpu.util_pct" or "gpu-0-gpu.util_pct". */
  testId: string;
  title: string;
  nodeId: string;
  timeWindow: ChartWindow;
  intervalMs: number;
  /** Read once when the chart is created; give a chart a new key to change it. */
  spec: LiveChartSpec;
  yMax?: number;
  ySuggestedMax?: number;
  size?: 'regular' | 'compact';
  /** Horizontal reference lines (a power limit, a memory size). */
  references?: ReferenceLine[];
  /** Called the first time history is drawn. */
  onShown?: () => void;
  /** A drag across the plot zooms: the page's window becomes that custom window. */
  onWindowChange?: (window: ChartWindow) => void;
}

interface LoadState {
  key: string;
  error: string | null;
  /** What the last loaded history draws; kept while the next window loads. */
  drawn: DrawnResolution | null;
}

const windowKey = (nodeId: string, w: ChartWindow, attempt: number) => `${nodeId}|${chartWindowKey(w)}|${attempt}`;

/** What the canvas is said to show, for screen readers. */
function describeWindow(w: ChartWindow): string {
  return w.custom ? `from ${formatDateTime(w.fromMs)} to ${formatDateTime(w.toMs)}` : `last ${windowDefinition(w).label}`;
}

/**
 * A titled chart panel. The Chart.js instance lives in a ref and takes live points straight
 * from the snapshot feed; React only re-renders this panel when the window or loading state
 * changes.
 */
function MetricChartPanel({
  testId,
  title,
  nodeId,
  timeWindow,
  intervalMs,
  spec,
  yMax,
  ySuggestedMax,
  size = 'regular',
  references,
  onShown,
  onWindowChange,
}: MetricChartProps) {
  const wrapperRef = useRef<HTMLElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<LiveChart | null>(null);
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const onShownRef = useRef(onShown);
  onShownRef.current = onShown;
  const windowRef = useRef(timeWindow);
  windowRef.current = timeWindow;
  const onWindowChangeRef = useRef(onWindowChange);
  onWindowChangeRef.current = onWindowChange;
  /** The history answers drawn now, for the CSV export; null until a window has loaded. */
  const historyRef = useRef<{ window: ChartWindow; results: MetricQueryResult[] } | null>(null);
  const [legend, setLegend] = useState<LegendEntry[]>([]);
  const scheme = useColorScheme();
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<LoadState>({ key: '', error: null, drawn: null });
  const currentKey = windowKey(nodeId, timeWindow, attempt);
  const loading = loaded.key !== currentKey;

  useEffect(() => {
    const chart = new LiveChart(
      canvasRef.current!,
      wrapperRef.current!,
      spec,
      timeWindow,
      windowDefinition(timeWindow),
      readChartPalette(),
      intervalRef.current,
      {
        onZoom: (aMs, bMs) => onWindowChangeRef.current?.(zoomWindow(windowRef.current, aMs, bMs)),
        onLegendChange: () => setLegend(chart.legendEntries()),
      },
    );
    chartRef.current = chart;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
    // Created once per mount on purpose: window and node changes go through the load effect.
  }, []);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    // The previous window stays drawn (dimmed after a moment, by CSS) until this one arrives.
    // Switching again aborts these queries, so a range no longer shown never lands.
    const abort = new AbortController();
    const key = windowKey(nodeId, timeWindow, attempt);
    const windowRange = windowDefinition(timeWindow);
    chart.beginLoading();
    const queries = spec.sources.map((source) =>
      queryHistory({ nodeId, metric: source.metric, fromMs: timeWindow.fromMs, toMs: timeWindow.toMs, maxPoints: windowRange.maxPoints }, abort.signal),
    );
    Promise.all(queries).then(
      (results) => {
        if (abort.signal.aborted) return;
        historyRef.current = { window: timeWindow, results };
        const drawn = chart.loadHistory(timeWindow, windowRange, results, intervalRef.current);
        setLoaded({ key, error: null, drawn });
        onShownRef.current?.();
      },
      (reason: unknown) => {
        if (abort.signal.aborted || isAbortError(reason)) return;
        historyRef.current = null;
        chart.loadFailed(timeWindow, windowRange, intervalRef.current);
        setLoaded({ key, error: `History unavailable: ${describeError(reason)}`, drawn: null });
      },
    );
    return () => {
      abort.abort();
    };
  }, [nodeId, timeWindow, attempt, spec]);

  useEffect(() => onSnapshot((snapshot) => snapshot.id === nodeId && chartRef.current?.pushSnapshot(snapshot)), [nodeId]);

  useEffect(() => {
    chartRef.current?.applyPalette(readChartPalette());
  }, [scheme]);

  useEffect(() => {
    chartRef.current?.setLimits({ max: yMax, suggestedMax: ySuggestedMax });
  }, [yMax, ySuggestedMax]);

  useEffect(() => {
    chartRef.current?.setReferences(references ?? []);
  }, [references]);

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const toggleSeries = useCallback((key: string) => chartRef.current?.toggleSeries(key), []);
  const exportCsv = useCallback(() => {
    const history = historyRef.current;
    if (!history) return;
    saveCsv(exportFileName(testId, nodeId, history.window.fromMs, history.window.toMs, 'csv'), buildChartCsv(spec.sources, history.results));
  }, [testId, nodeId, spec]);
  const exportPng = useCallback(() => {
    const chart = chartRef.current;
    const wrapper = wrapperRef.current;
    if (!chart || !wrapper) return;
    const w = windowRef.current;
    savePng(exportFileName(testId, nodeId, w.fromMs, w.toMs, 'png'), chart.toPng(getComputedStyle(wrapper).backgroundColor));
  }, [testId, nodeId]);
  const resolution = loaded.drawn ? describeResolution(loaded.drawn) : null;

  return (
    <section
      ref={wrapperRef}
      className={`chart-panel chart-panel--${size}`}
      data-testid={testId}
      data-range={windowRangeId(timeWindow)}
      data-from-ms={timeWindow.fromMs}
      data-to-ms={timeWindow.toMs}
      data-references={references && references.length > 0 ? references.map((r) => r.value).join(',') : undefined}
      data-loading={String(loading)}
      data-error={loaded.error && !loading ? 'true' : undefined}
      data-tier={loaded.drawn?.tier}
      data-step-ms={loaded.drawn?.stepMs}
    >
      <header className="chart-panel__head">
        <h3 className="chart-panel__title">{title}</h3>
        {loading && <span className="chart-panel__note chart-panel__note--loading">Loading…</span>}
        {resolution && (
          <span className="chart-panel__resolution" title={resolution.detail} data-testid={`${testId}-resolution`}>
            {resolution.text}
          </span>
        )}
        <span className="chart-panel__actions">
          <button
            type="button"
            className="chart-panel__action"
            data-testid={`${testId}-csv`}
            aria-label={`Download ${title} data as CSV`}
            title="Data of this window as CSV"
            disabled={loading || loaded.error !== null}
            onClick={exportCsv}
          >
            CSV
          </button>
          <button
            type="button"
            className="chart-panel__action"
            data-testid={`${testId}-png`}
            aria-label={`Download ${title} as PNG`}
            title="This chart as PNG"
            onClick={exportPng}
          >
            PNG
          </button>
        </span>
      </header>
      <ChartLegend testId={testId} title={title} entries={legend} onToggle={toggleSeries} />
      <div className="chart-panel__plot">
        <canvas ref={canvasRef} role="img" aria-label={`${title}, ${describeWindow(timeWindow)}`} />
        {/* Shown by CSS while data-points is 0, so live points hide it without a re-render. */}
        <p className="chart-panel__empty">No data in this range yet</p>
        {loaded.error && !loading && (
          <div className="chart-panel__error" role="alert">
            <span>{loaded.error}</span>
            <button type="button" onClick={retry}>
              Retry
            </button>
          </div>
        )}
      </div>
    </section>
  );
}

export const MetricChart = memo(MetricChartPanel);
