import type { NodeSummary } from '../../../shared/model/node';
import type { RangeId } from '../ranges';
import { NodePicker } from './NodePicker';
import { RangeSelector } from './RangeSelector';

/** The app's two views; a plain switch, no router. */
export type View = 'overview' | 'settings';

interface TopBarProps {
  view: View;
  onViewChange(view: View): void;
  nodes: NodeSummary[];
  nodeId: string | null;
  onNodeChange(nodeId: string): void;
  range: RangeId;
  onRangeChange(range: RangeId): void;
}

export function TopBar({ view, onViewChange, nodes, nodeId, onNodeChange, range, onRangeChange }: TopBarProps) {
  const settings = view === 'settings';
  return (
    <header className="topbar">
      <span className="topbar__brand">Clusterdeck</span>
      <span className="topbar__sep" aria-hidden="true">
        /
      </span>
      {settings ? <span className="topbar__node">Settings</span> : <NodePicker nodes={nodes} value={nodeId} onChange={onNodeChange} />}
      <span className="topbar__spacer" />
      {settings ? (
        <button type="button" className="button" data-testid="overview-open" onClick={() => onViewChange('overview')}>
          ← Overview
        </button>
      ) : (
        <RangeSelector value={range} onChange={onRangeChange} />
      )}
      <button
        type="button"
        className="topbar__settings"
        data-testid="settings-open"
        aria-pressed={settings}
        title={settings ? 'Back to the overview' : 'Settings'}
        onClick={() => onViewChange(settings ? 'overview' : 'settings')}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M6.6 1h2.8l.4 1.9c.4.2.8.4 1.2.7l1.8-.6 1.4 2.4-1.4 1.3a5 5 0 0 1 0 1.4l1.4 1.3-1.4 2.4-1.8-.6c-.4.3-.8.5-1.2.7L9.4 15H6.6l-.4-1.9c-.4-.2-.8-.4-1.2-.7l-1.8.6-1.4-2.4 1.4-1.3a5 5 0 0 1 0-1.4L1.8 6.6l1.4-2.4 1.8.6c.4-.3.8-.5 1.2-.7L6.6 1Zm1.4 4.6a2.4 2.4 0 1 0 0 4.8 2.4 2.4 0 0 0 0-4.8Z"
          />
        </svg>
        Settings
      </button>
    </header>
  );
}
