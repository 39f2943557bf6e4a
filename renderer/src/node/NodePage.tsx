import { useCallback, useEffect, useRef, useState } from 'react';
import type { NodeSummary } from '../../../shared/model/node';
import { FailuresTimeline } from '../failures/FailuresTimeline';
import { isProblem } from '../fleet/status';
import { useFleetView } from '../fleet/store';
import { useLatestSnapshot } from '../hooks/useLatestSnapshot';
import { useServerNow } from '../hooks/useServerNow';
import type { ChartWindow } from '../ranges';
import { isStale } from '../staleness';
import { Notice } from '../ui/Notice';
import { GpuProcesses } from './GpuProcesses';
import { GpuSection } from './GpuSection';
import { HostCharts } from './HostCharts';
import { NodeHeader } from './NodeHeader';
import { NodeStateNotice } from './NodeStateNotice';
import { SummaryRow } from './SummaryRow';
import { TimeNav } from './TimeNav';

interface NodePageProps {
  node: NodeSummary;
  timeWindow: ChartWindow;
  intervalMs: number;
  /** Called once something real is on screen (the app-ready test hook). */
  onShown: () => void;
  onOpenFleet: () => void;
  /**
   * Drag-zoom, pan, a custom from/to and "back to live" produce a new window here. Without it
   * the page keeps such a window itself (until `timeWindow` changes).
   */
  onWindowChange?: (window: ChartWindow) => void;
}

/**
 * One node: who it is, its current values, and its charts. This component re-renders per tick
 * for the header and summary; the chart sections are memoised and update themselves.
 */
export function NodePage({ node, timeWindow: givenWindow, intervalMs, onShown, onOpenFleet, onWindowChange }: NodePageProps) {
  // Without onWindowChange the page keeps zooms and pans itself, until the given window changes.
  const [own, setOwn] = useState<{ base: ChartWindow; window: ChartWindow } | null>(null);
  const timeWindow = !onWindowChange && own && own.base === givenWindow ? own.window : givenWindow;
  const givenRef = useRef(givenWindow);
  givenRef.current = givenWindow;
  const changeWindow = useCallback(
    (window: ChartWindow) => (onWindowChange ? onWindowChange(window) : setOwn({ base: givenRef.current, window })),
    [onWindowChange],
  );
  const { snapshot, settled, error } = useLatestSnapshot(node.id);
  const hasSnapshot = snapshot !== null;
  const now = useServerNow(1000);
  const fleet = useFleetView(1000);
  const state = fleet.states?.find((s) => s.id === node.id) ?? null;
  // Old values, or a node that is not collected now: what is shown is how it was, not how it is.
  const stale =
    snapshot !== null && (isStale(snapshot.collectedAt, now, intervalMs) || (state !== null && state.status !== 'up' && state.status !== 'degraded'));

  useEffect(() => {
    if (hasSnapshot) onShown();
  }, [hasSnapshot, onShown]);

  return (
    <>
      <NodeHeader summary={node} snapshot={snapshot} stale={stale} now={now} />
      <NodeStateNotice nodeId={node.id} hasData={hasSnapshot} onOpenFleet={onOpenFleet} />
      {error && <Notice tone="error">{error}</Notice>}
      {settled && !snapshot && !error && !(state && isProblem(state.status)) && (
        <Notice tone="info">No snapshot of {node.hostname} yet; it appears after the next collection.</Notice>
      )}
      {snapshot && snapshot.errors.length > 0 && (
        <Notice tone="warn">
          Some collectors failed on the last tick; the rest of the data stands.
          <ul className="notice__list">
            {snapshot.errors.map((e) => (
              <li key={e.collector}>
                <strong>{e.collector}</strong>: {e.message}
              </li>
            ))}
          </ul>
        </Notice>
      )}
      {snapshot && <SummaryRow snapshot={snapshot} stale={stale} />}
      {snapshot && <GpuProcesses snapshot={snapshot} stale={stale} />}
      <TimeNav timeWindow={timeWindow} onWindowChange={changeWindow} />
      <FailuresTimeline nodeId={node.id} timeWindow={timeWindow} snapshot={snapshot} />
      <HostCharts nodeId={node.id} timeWindow={timeWindow} intervalMs={intervalMs} onShown={onShown} onWindowChange={changeWindow} />
      <GpuSection
        snapshot={snapshot}
        stale={stale}
        nodeId={node.id}
        timeWindow={timeWindow}
        intervalMs={intervalMs}
        onShown={onShown}
        onWindowChange={changeWindow}
      />
    </>
  );
}
