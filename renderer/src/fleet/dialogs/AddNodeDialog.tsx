import type { NodeState, SshNode } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { EMPTY_FORM } from './forms';
import { NodeFormDialog, type OtherNode } from './NodeFormDialog';

interface AddNodeDialogProps {
  /** The nodes already there: a host already in the fleet is warned about, a taken alias refused. */
  others: readonly OtherNode[];
  onClose(): void;
  onAdded(state: NodeState, node: SshNode): void;
}

const add = (node: SshNode) => api.call('nodes:add', { node });

/** Adds one SSH node (the form it shares with the Edit dialog: NodeFormDialog). */
export function AddNodeDialog({ others, onClose, onAdded }: AddNodeDialogProps) {
  return <NodeFormDialog mode="add" initial={EMPTY_FORM} others={others} send={add} onClose={onClose} onSaved={onAdded} />;
}
