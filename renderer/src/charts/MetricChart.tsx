import { memo, useCallback, useEffect, useRef, useState } from 'react';
import { isAbortError } from '../abort';
import { describeError } from '../errors';
import { rangeById, type ChartWindow } from '../ranges';
import { readChartPalette, useColorScheme } from '../theme';
import { queryHistory } from './history';
import { LiveChart, type LiveChartSpec } from './liveChart';
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
  /** Called the first time history is drawn. */
  onShown?: () => void;
}

interface LoadState {
  key: string;
  error: string | null;
  /** What the last loaded history draws; kept while the next window loads. */
  drawn: DrawnResolution | null;
}

const windowKey = (nodeId: string, w: ChartWindow, attempt: number) => `${nodeId}|${w.range}|${w.fromMs}|${w.toMs}|${attempt}`;

/**
 * A titled chart panel. The Chart.js instance lives in a ref and takes live points straight
 * from the snapshot feed; React only re-renders this panel when the window or loading state
 * changes.
 */
function MetricChartPanel({ testId, title, nodeId, timeWindow, intervalMs, spec, yMax, ySuggestedMax, size = 'regular', onShown }: MetricChartProps) {
  const wrapperRef = useRef<HTMLElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const chartRef = useRef<LiveChart | null>(null);
  const intervalRef = useRef(intervalMs);
  intervalRef.current = intervalMs;
  const onShownRef = useRef(onShown);
  onShownRef.current = onShown;
  const scheme = useColorScheme();
  const [attempt, setAttempt] = useState(0);
  const [loaded, setLoaded] = useState<LoadState>({ key: '', error: null, drawn: null });
  const currentKey = windowKey(nodeId, timeWindow, attempt);
  const loading = loaded.key !== currentKey;
  const range = rangeById(timeWindow.range);

  useEffect(() => {
    const chart = new LiveChart(
      canvasRef.current!,
      wrapperRef.current!,
      spec,
      timeWindow,
      rangeById(timeWindow.range),
      readChartPalette(),
      intervalRef.current,
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
    const windowRange = rangeById(timeWindow.range);
    chart.beginLoading();
    const queries = spec.sources.map((source) =>
      queryHistory({ nodeId, metric: source.metric, fromMs: timeWindow.fromMs, toMs: timeWindow.toMs, maxPoints: windowRange.maxPoints }, abort.signal),
    );
    Promise.all(queries).then(
      (results) => {
        if (abort.signal.aborted) return;
        const drawn = chart.loadHistory(timeWindow, windowRange, results, intervalRef.current);
        setLoaded({ key, error: null, drawn });
        onShownRef.current?.();
      },
      (reason: unknown) => {
        if (abort.signal.aborted || isAbortError(reason)) return;
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

  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const resolution = loaded.drawn ? describeResolution(loaded.drawn) : null;

  return (
    <section
      ref={wrapperRef}
      className={`chart-panel chart-panel--${size}`}
      data-testid={testId}
      data-range={timeWindow.range}
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
      </header>
      <div className="chart-panel__plot">
        <canvas ref={canvasRef} role="img" aria-label={`${title}, last ${range.label}`} />
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
