import { useCallback, useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import type { NodeState, SshConfigCandidate, SshNode } from '../../../shared/model/inventory';
import { AddNodeDialog } from './dialogs/AddNodeDialog';
import { EditNodeDialog } from './dialogs/EditNodeDialog';
import { focusNodeAfterDialog } from './dialogs/focusAfterDialog';
import { HostKeyDialog } from './dialogs/HostKeyDialog';
import { ImportDialog } from './dialogs/ImportDialog';
import { LabelsDialog, RemoveNodeDialog } from './dialogs/NodeDialogs';
import { PassphraseDialog } from './dialogs/PassphraseDialog';
import type { FleetRow } from './rows';
import { passphraseKeyPaths } from './status';
import { fleetStore } from './store';

/** The fleet page's dialogs; those about one node name it. */
export type FleetDialog =
  | { kind: 'add' }
  | { kind: 'import' }
  | { kind: 'host-key'; nodeId: string }
  | { kind: 'passphrase'; nodeId: string }
  | { kind: 'edit'; nodeId: string }
  | { kind: 'remove'; nodeId: string }
  | { kind: 'labels'; nodeId: string };

interface FleetDialogsProps {
  dialog: FleetDialog | null;
  rowById: ReadonlyMap<string, FleetRow>;
  /** Nodes added from this window whose host key is about to be asked for. */
  awaitingKeyReview: ReadonlySet<string>;
  mode: AppInfo['mode'] | null;
  onClose(): void;
}

/** The open dialog, if any; what each one changes goes to the fleet store. */
export function FleetDialogs({ dialog, rowById, awaitingKeyReview, mode, onClose }: FleetDialogsProps) {
  // A host key dialog just answered (Cancel or Trust): hidden at once, but closed only once the
  // page's view no longer awaits a review of these nodes. The view lags the store (it is
  // throttled), and closed at once the page saw the nodes still awaiting with their keys still
  // unknown and asked again: Cancel reopened the dialog, Trust reopened it for a moment and left
  // the focus on <body>. A dialog asked for meanwhile (a new object) is shown, not swallowed.
  const [closingKeyReview, setClosingKeyReview] = useState<{ ids: ReadonlySet<string>; dialog: FleetDialog } | null>(null);
  const closing = closingKeyReview !== null && closingKeyReview.dialog === dialog ? closingKeyReview.ids : null;
  const onAdded = useCallback(
    (state: NodeState, node: SshNode) => {
      fleetStore.rememberIdentityFiles(node.id, node.identityFiles);
      fleetStore.applyState(state);
      fleetStore.expectKeyReview([node.id]);
      onClose();
    },
    [onClose],
  );
  const onImported = useCallback((added: string[], candidates: readonly SshConfigCandidate[]) => {
    for (const candidate of candidates) if (added.includes(candidate.alias)) fleetStore.rememberIdentityFiles(candidate.alias, candidate.identityFiles);
    fleetStore.expectKeyReview(added);
  }, []);

  const dialogRow = dialog && 'nodeId' in dialog ? rowById.get(dialog.nodeId) : undefined;
  // The states carry how each SSH node is reached (for Edit) and what is already in the fleet (for Add's warning).
  const states = fleetStore.view().states ?? [];
  let dialogView = null;
  if (dialog?.kind === 'add') dialogView = <AddNodeDialog others={states} onClose={onClose} onAdded={onAdded} />;
  else if (dialog?.kind === 'edit' && dialogRow) {
    const nodeId = dialog.nodeId;
    const spec = states.find((s) => s.id === nodeId)?.ssh;
    const closeEdit = () => {
      onClose();
      focusNodeAfterDialog(nodeId);
    };
    if (spec)
      dialogView = (
        <EditNodeDialog
          key={nodeId}
          nodeId={nodeId}
          labels={dialogRow.labels}
          spec={spec}
          others={states}
          onClose={closeEdit}
          onSaved={(state, node) => {
            fleetStore.rememberIdentityFiles(node.id, node.identityFiles);
            fleetStore.applyState(state);
            // A new host key (another host, port or bastion) is asked for as for a new node.
            fleetStore.expectKeyReview([node.id]);
            closeEdit();
          }}
        />
      );
  } else if (dialog?.kind === 'import') dialogView = <ImportDialog onClose={onClose} onImported={onImported} />;
  else if (dialog?.kind === 'host-key' && closing !== null) dialogView = null;
  else if (dialog?.kind === 'host-key' && dialogRow?.hostKey) {
    const nodeId = dialog.nodeId;
    const queued = new Set([...awaitingKeyReview].filter((id) => id !== nodeId && rowById.get(id)?.hostKey)).size;
    dialogView = (
      <HostKeyDialog
        key={`${nodeId}|${dialogRow.hostKey.fingerprint}`}
        nodeId={nodeId}
        prompt={dialogRow.hostKey}
        mismatch={dialogRow.status === 'host-key-mismatch'}
        queued={queued}
        onClose={() => {
          // Cancel ends the automatic questions; the rows keep their "Review key" buttons.
          for (const id of awaitingKeyReview) fleetStore.doneKeyReview(id);
          setClosingKeyReview({ ids: new Set(awaitingKeyReview), dialog });
        }}
        onTrusted={(state) => {
          fleetStore.doneKeyReview(nodeId);
          fleetStore.applyState(state);
          setClosingKeyReview({ ids: new Set([nodeId]), dialog });
        }}
      />
    );
  } else if (dialog?.kind === 'passphrase' && dialogRow) {
    const keyPaths = passphraseKeyPaths(dialogRow.passphraseFor, fleetStore.identityFilesOf(dialog.nodeId));
    dialogView = <PassphraseDialog nodeId={dialog.nodeId} keyPaths={keyPaths} mode={mode} onClose={onClose} />;
  } else if (dialog?.kind === 'remove' && dialogRow) {
    dialogView = (
      <RemoveNodeDialog
        nodeId={dialog.nodeId}
        onClose={onClose}
        onRemoved={() => {
          fleetStore.forgetNode(dialog.nodeId);
          onClose();
        }}
      />
    );
  } else if (dialog?.kind === 'labels' && dialogRow) {
    dialogView = (
      <LabelsDialog
        nodeId={dialog.nodeId}
        labels={dialogRow.labels}
        onClose={onClose}
        onSaved={(state) => {
          fleetStore.applyState(state);
          onClose();
        }}
      />
    );
  }
  // A dialog whose node vanished (or whose key was settled elsewhere) closes.
  useEffect(() => {
    if (closingKeyReview !== null && closing === null) setClosingKeyReview(null);
    if (closing !== null) {
      if ([...closing].some((id) => awaitingKeyReview.has(id))) return;
      setClosingKeyReview(null);
      onClose();
      if (dialog && 'nodeId' in dialog) focusNodeAfterDialog(dialog.nodeId);
      return;
    }
    if (dialog && 'nodeId' in dialog && dialogView === null) onClose();
  });
  return dialogView;
}
