import type { NodeSummary } from '../../../shared/model/node';
import { useFleetView } from '../fleet/store';

/**
 * A select once there are several nodes (SSH nodes); just the name while there is one. GPU counts
 * come from the fleet's records, which keep a node's GPUs through a reading that missed them.
 */
export function NodePicker({ nodes, value, onChange }: { nodes: NodeSummary[]; value: string | null; onChange(nodeId: string): void }) {
  const fleet = useFleetView(2000);
  if (nodes.length <= 1) return <span className="topbar__node">{nodes[0]?.hostname ?? 'no nodes yet'}</span>;
  return (
    <label className="node-picker">
      <span className="visually-hidden">Node</span>
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value)} data-testid="node-picker">
        {nodes.map((node) => {
          const gpuCount = fleet.nodes.get(node.id)?.gpus.length ?? node.gpuCount;
          return (
            <option key={node.id} value={node.id}>
              {node.hostname}
              {node.hostname !== node.id ? ` · ${node.id}` : ''}
              {gpuCount > 0 ? ` (${gpuCount} GPU${gpuCount === 1 ? '' : 's'})` : ''}
            </option>
          );
        })}
      </select>
    </label>
  );
}
