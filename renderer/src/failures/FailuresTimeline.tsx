import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { FailureEvent } from '../../../shared/model/alerts';
import { gpuDeviceKey } from '../../../shared/model/metrics';
import type { NodeSnapshot } from '../../../shared/model/node';
import { axisLabel, axisTicks } from '../charts/axes';
import { formatClock, formatDateTime } from '../format';
import { followsLive, windowDefinition, windowRangeId, type ChartWindow } from '../ranges';
import { describeMark, kindLabel, layoutTimeline, markId, pixelOf, type LaneGpu, type TimelineMark } from './model';
import { useFailureTimeline } from './useFailureTimeline';

interface FailuresTimelineProps {
  nodeId: string;
  /** The node page's chart window: the timeline shares its time axis. */
  timeWindow: ChartWindow;
  /** The newest snapshot: its GPUs name the lanes, its time is the live end of the axis. */
  snapshot: NodeSnapshot | null;
}

/** The plot's width in pixels, followed as the page resizes. */
function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(el.clientWidth);
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

function EventDetail({ event }: { event: FailureEvent }) {
  return (
    <li className={`failure-event failure-event--${event.severity}`} data-testid="failure-event">
      <div className="failure-event__head">
        <span className={`failure-sev failure-sev--${event.severity}`}>{event.severity}</span>
        <strong className="failure-event__title">{event.title}</strong>
        <span className="muted">
          {kindLabel(event.kind)} · {formatDateTime(event.startMs)}
          {event.endMs !== null && event.endMs > event.startMs ? ` – ${formatDateTime(event.endMs)}` : ''}
          {event.gpu ? ` · ${event.gpu}` : ''}
        </span>
        {event.alertId !== null && (
          <a className="failure-event__alert" href={`#/alerts/${event.alertId}`} data-testid="failure-event-alert">
            Alert #{event.alertId}
          </a>
        )}
      </div>
      {event.detail && <p className="failure-event__detail">{event.detail}</p>}
      {event.raw.length > 0 && (
        <pre className="failure-event__raw" aria-label="Kernel log lines">
          {event.raw.join('\n')}
        </pre>
      )}
    </li>
  );
}

function MarkButton({ mark, selected, onPick, onHover }: { mark: TimelineMark; selected: boolean; onPick: () => void; onHover: (on: boolean) => void }) {
  const label = describeMark(mark, (ms) => formatClock(ms, true));
  const style = mark.shape === 'point' ? { left: `${mark.x}px` } : { left: `${mark.x}px`, width: `${mark.width}px` };
  return (
    <button
      type="button"
      className={`failure-mark failure-mark--${mark.shape} failure-mark--${mark.severity}${mark.ongoing ? ' failure-mark--ongoing' : ''}`}
      style={style}
      title={label}
      aria-label={label}
      aria-pressed={selected}
      data-testid="failure-mark"
      data-kind={mark.kind}
      data-severity={mark.severity}
      data-count={mark.events.length}
      onClick={onPick}
      onMouseEnter={() => onHover(true)}
      onMouseLeave={() => onHover(false)}
      onFocus={() => onHover(true)}
      onBlur={() => onHover(false)}
    >
      {mark.shape === 'point' && mark.events.length > 1 && <span className="failure-mark__count">{mark.events.length}</span>}
    </button>
  );
}

/**
 * The node's failures on the charts' time axis: one lane for the node, one per GPU; Xid, ECC
 * and fallen-off-the-bus events as points, unreachable, throttling and alert spans as bars.
 */
export function FailuresTimeline({ nodeId, timeWindow, snapshot }: FailuresTimelineProps) {
  // A custom window (zoomed, panned, typed) ends where it ends; a preset one follows live ticks.
  const live = followsLive(timeWindow);
  const liveEndMs = live ? Math.max(timeWindow.toMs, snapshot?.collectedAt ?? 0) : timeWindow.toMs;
  const { events, truncated, loading, error, retry } = useFailureTimeline(nodeId, timeWindow, liveEndMs);
  const [onlyGpu, setOnlyGpu] = useState<string | null>(null);
  const [pinned, setPinned] = useState<string | null>(null);
  const [hovered, setHovered] = useState<string | null>(null);
  const plotRef = useRef<HTMLDivElement>(null);
  const width = useWidth(plotRef);

  const range = windowDefinition(timeWindow);
  // As the charts do: a preset window slides with live ticks and keeps its span.
  const shown = useMemo(
    () => (live ? { fromMs: liveEndMs - range.spanMs, toMs: liveEndMs } : { fromMs: timeWindow.fromMs, toMs: timeWindow.toMs }),
    [live, liveEndMs, range.spanMs, timeWindow.fromMs, timeWindow.toMs],
  );
  const gpus = useMemo<LaneGpu[]>(
    () => (snapshot?.gpus ?? []).map((g) => ({ key: gpuDeviceKey(g), index: g.index, uuid: g.uuid, pciBusId: g.pciBusId })),
    [snapshot?.gpus],
  );
  const allLanes = useMemo(() => layoutTimeline(events, gpus, shown, width, null).lanes, [events, gpus, shown, width]);
  const layout = useMemo(() => layoutTimeline(events, gpus, shown, width, onlyGpu), [events, gpus, shown, width, onlyGpu]);
  const marks = layout.lanes.flatMap((l) => l.marks);
  const active = marks.find((m) => markId(m) === (hovered ?? pinned)) ?? marks.find((m) => markId(m) === pinned) ?? null;
  const ticks = width > 0 ? axisTicks(range.ticks, shown.fromMs, shown.toMs) : [];

  // A filter on a GPU the node no longer shows would hide everything.
  useEffect(() => {
    if (onlyGpu !== null && !allLanes.some((l) => l.lane.id === onlyGpu)) setOnlyGpu(null);
  }, [allLanes, onlyGpu]);

  const gpuLanes = allLanes.filter((l) => l.lane.gpu !== null);
  return (
    <section
      className="section failures"
      aria-labelledby="failures-title"
      data-testid="failures-timeline"
      data-loading={String(loading)}
      data-events={layout.shown}
      data-range={windowRangeId(timeWindow)}
    >
      <header className="failures__head">
        <h2 className="section__title" id="failures-title">
          Failures <span className="section__count">{layout.shown}</span>
        </h2>
        {gpuLanes.length > 0 && (
          <div className="failures__filter" role="group" aria-label="Show lanes">
            <button type="button" className="chip" aria-pressed={onlyGpu === null} onClick={() => setOnlyGpu(null)} data-testid="failures-filter-all">
              All
            </button>
            {gpuLanes.map(({ lane, marks: laneMarks }) => (
              <button
                key={lane.id}
                type="button"
                className="chip"
                aria-pressed={onlyGpu === lane.id}
                onClick={() => setOnlyGpu(onlyGpu === lane.id ? null : lane.id)}
                data-testid={`failures-filter-${lane.label}`}
              >
                {lane.label}
                {laneMarks.length > 0 ? ` · ${laneMarks.reduce((n, m) => n + m.events.length, 0)}` : ''}
              </button>
            ))}
          </div>
        )}
        {loading && <span className="failures__note">Loading…</span>}
        {truncated && !loading && <span className="failures__note">Showing the newest events only; narrow the range to see all.</span>}
      </header>
      {error && !loading && (
        <div className="failures__error" role="alert">
          <span>{error}</span>
          <button type="button" className="button button--small" onClick={retry}>
            Retry
          </button>
        </div>
      )}
      <div className="failures__grid panel">
        {layout.lanes.map(({ lane, marks: laneMarks }) => (
          <div className="failures__lane" key={lane.id} data-testid={`failures-lane-${lane.label}`} data-lane={lane.id}>
            {lane.gpu !== null ? (
              <button
                type="button"
                className="failures__lane-label failures__lane-label--button"
                title={onlyGpu === lane.id ? 'Show every lane' : `Show ${lane.label} only`}
                onClick={() => setOnlyGpu(onlyGpu === lane.id ? null : lane.id)}
              >
                {lane.label}
              </button>
            ) : (
              <span className="failures__lane-label">{lane.label}</span>
            )}
            <div className="failures__track">
              {ticks.map((t) => (
                <span key={t.value} className="failures__gridline" style={{ left: `${pixelOf(t.value, shown, width)}px` }} aria-hidden="true" />
              ))}
              {laneMarks.map((mark) => {
                const id = markId(mark);
                return (
                  <MarkButton
                    key={id}
                    mark={mark}
                    selected={pinned === id}
                    onPick={() => setPinned(pinned === id ? null : id)}
                    onHover={(on) => setHovered(on ? id : null)}
                  />
                );
              })}
            </div>
          </div>
        ))}
        <div className="failures__lane failures__lane--axis" aria-hidden="true">
          <span className="failures__lane-label" />
          <div className="failures__track failures__track--axis" ref={plotRef}>
            {ticks.map((t) => (
              <span key={t.value} className="failures__tick" style={{ left: `${pixelOf(t.value, shown, width)}px` }}>
                {axisLabel(range.ticks, t.value)}
              </span>
            ))}
          </div>
        </div>
      </div>
      {layout.shown === 0 && !loading && !error && <p className="failures__empty">No failures in the last {range.label}.</p>}
      {active && (
        <div className="failures__detail panel" data-testid="failures-detail" aria-live="polite">
          <ul className="failures__events">
            {active.events.map((event, i) => (
              <EventDetail key={`${event.startMs}-${i}`} event={event} />
            ))}
          </ul>
          {pinned !== null && (
            <button type="button" className="button button--quiet button--small failures__close" onClick={() => setPinned(null)}>
              Close
            </button>
          )}
        </div>
      )}
    </section>
  );
}
