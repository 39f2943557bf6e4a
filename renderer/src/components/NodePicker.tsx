import type { NodeSummary } from '../../../shared/model/node';

/** A select once there are several nodes (SSH nodes); just the name while there is one. */
export function NodePicker({ nodes, value, onChange }: { nodes: NodeSummary[]; value: string | null; onChange(nodeId: string): void }) {
  if (nodes.length <= 1) return <span className="topbar__node">{nodes[0]?.hostname ?? 'no nodes yet'}</span>;
  return (
    <label className="node-picker">
      <span className="visually-hidden">Node</span>
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value)} data-testid="node-picker">
        {nodes.map((node) => (
          <option key={node.id} value={node.id}>
            {node.hostname}
            {node.gpuCount > 0 ? ` (${node.gpuCount} GPU${node.gpuCount === 1 ? '' : 's'})` : ''}
          </option>
        ))}
      </select>
    </label>
  );
}
