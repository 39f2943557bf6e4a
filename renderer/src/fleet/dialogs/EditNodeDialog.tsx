import { useState } from 'react';
import type { NodeState, SshConnectionSpec, SshNode } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { nodeToForm } from './forms';
import { NodeFormDialog, type OtherNode } from './NodeFormDialog';

interface EditNodeDialogProps {
  nodeId: string;
  labels: readonly string[];
  /** How the node is reached now (its state's `ssh`). */
  spec: SshConnectionSpec;
  others: readonly OtherNode[];
  onClose(): void;
  onSaved(state: NodeState, node: SshNode): void;
}

const edit = (node: SshNode) => api.call('nodes:edit', { node });

/** Changes how a node is reached (same form as Add; the alias fixed, so its history stays). */
export function EditNodeDialog({ nodeId, labels, spec, others, onClose, onSaved }: EditNodeDialogProps) {
  // The node as it was when the dialog opened: later state changes do not overwrite the typing.
  const [initial] = useState(() => nodeToForm(nodeId, labels, spec));
  return <NodeFormDialog mode="edit" initial={initial} others={others} send={edit} onClose={onClose} onSaved={onSaved} />;
}
