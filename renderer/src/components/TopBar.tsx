import type { NodeSummary } from '../../../shared/model/node';
import type { RangeId } from '../ranges';
import { NodePicker } from './NodePicker';
import { RangeSelector } from './RangeSelector';

interface TopBarProps {
  nodes: NodeSummary[];
  nodeId: string | null;
  onNodeChange(nodeId: string): void;
  range: RangeId;
  onRangeChange(range: RangeId): void;
}

export function TopBar({ nodes, nodeId, onNodeChange, range, onRangeChange }: TopBarProps) {
  return (
    <header className="topbar">
      <span className="topbar__brand">Clusterdeck</span>
      <span className="topbar__sep" aria-hidden="true">
        /
      </span>
      <NodePicker nodes={nodes} value={nodeId} onChange={onNodeChange} />
      <span className="topbar__spacer" />
      <RangeSelector value={range} onChange={onRangeChange} />
    </header>
  );
}
