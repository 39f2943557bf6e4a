import type { NodeSummary } from '../../../shared/model/node';
import { AlertsNav } from '../alerts/AlertsNav';
import { FleetProgress } from '../fleet/FleetProgress';
import { NodePicker } from '../node/NodePicker';
import type { ChartWindow, RangeId } from '../ranges';
import type { Route } from '../route';
import { RangeSelector } from '../ui/RangeSelector';
import { CopyLinkButton } from './CopyLinkButton';

/** The app's views, named in the URL's hash (see route.ts). 'node' is one node's overview. */
export type View = Route['view'];

interface TopBarProps {
  view: View;
  onViewChange(view: View): void;
  nodes: NodeSummary[];
  nodeId: string | null;
  onNodeChange(nodeId: string): void;
  range: RangeId;
  onRangeChange(range: RangeId): void;
  /** The node page's window (a preset's live window, or a custom one). */
  timeWindow: ChartWindow;
  onWindowChange(window: ChartWindow): void;
  /** Where leaving the settings goes back to (for its label), and how to go there. */
  returnView: Exclude<View, 'settings'>;
  onLeaveSettings(): void;
  /** The route to copy when the address bar names none yet. */
  route: Route | null;
  /** The collection interval: values older than two are not current. */
  intervalMs: number;
}

/**
 * Views and the node on the left; the fleet's progress, the range, "copy link" and Settings on
 * the right. Narrow windows (1024 px) keep one row: labels give way to icons, the node picker
 * and the fleet pill shorten with an ellipsis (their full text in a title), nothing wraps.
 */
export function TopBar({
  view,
  onViewChange,
  nodes,
  nodeId,
  onNodeChange,
  range,
  onRangeChange,
  timeWindow,
  onWindowChange,
  returnView,
  onLeaveSettings,
  route,
  intervalMs,
}: TopBarProps) {
  const back = returnView === 'fleet' ? 'fleet' : returnView === 'alerts' ? 'alerts' : returnView === 'compliance' ? 'compliance page' : 'node overview';
  const settings = view === 'settings';
  return (
    <header className="topbar">
      <span className="topbar__brand">Clusterdeck</span>
      <nav className="topbar__nav" aria-label="Views">
        <button
          type="button"
          className="topbar__tab"
          data-testid="nav-fleet"
          aria-current={view === 'fleet' ? 'page' : undefined}
          onClick={() => onViewChange('fleet')}
        >
          Fleet
        </button>
        <button
          type="button"
          className="topbar__tab"
          data-testid="nav-node"
          aria-current={view === 'node' ? 'page' : undefined}
          onClick={() => onViewChange('node')}
        >
          Node
        </button>
        <AlertsNav current={view === 'alerts'} onOpen={() => onViewChange('alerts')} />
        <button
          type="button"
          className="topbar__tab"
          data-testid="nav-compliance"
          aria-current={view === 'compliance' ? 'page' : undefined}
          onClick={() => onViewChange('compliance')}
        >
          Compliance
        </button>
      </nav>
      {view === 'node' && (
        <>
          <span className="topbar__sep" aria-hidden="true">
            /
          </span>
          <NodePicker nodes={nodes} value={nodeId} onChange={onNodeChange} />
        </>
      )}
      {settings && (
        <>
          <span className="topbar__sep" aria-hidden="true">
            /
          </span>
          <span className="topbar__node">Settings</span>
        </>
      )}
      <span className="topbar__spacer" />
      <span className="topbar__progress">
        <FleetProgress onOpenFleet={() => onViewChange('fleet')} intervalMs={intervalMs} />
      </span>
      {view === 'node' && (
        <span className="topbar__range">
          <RangeSelector value={range} onChange={onRangeChange} timeWindow={timeWindow} onWindowChange={onWindowChange} />
        </span>
      )}
      {settings && (
        <button type="button" className="button topbar__back" data-testid="overview-open" onClick={onLeaveSettings}>
          ← Back to the {back}
        </button>
      )}
      <CopyLinkButton fallbackRoute={route} />
      <button
        type="button"
        className="topbar__settings"
        data-testid="settings-open"
        aria-pressed={settings}
        title={settings ? `Back to the ${back}` : 'Settings'}
        onClick={() => (settings ? onLeaveSettings() : onViewChange('settings'))}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M6.6 1h2.8l.4 1.9c.4.2.8.4 1.2.7l1.8-.6 1.4 2.4-1.4 1.3a5 5 0 0 1 0 1.4l1.4 1.3-1.4 2.4-1.8-.6c-.4.3-.8.5-1.2.7L9.4 15H6.6l-.4-1.9c-.4-.2-.8-.4-1.2-.7l-1.8.6-1.4-2.4 1.4-1.3a5 5 0 0 1 0-1.4L1.8 6.6l1.4-2.4 1.8.6c.4-.3.8-.5 1.2-.7L6.6 1Zm1.4 4.6a2.4 2.4 0 1 0 0 4.8 2.4 2.4 0 0 0 0-4.8Z"
          />
        </svg>
        <span className="topbar__action-label">Settings</span>
      </button>
    </header>
  );
}
