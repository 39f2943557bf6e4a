import { useId, useRef, useState } from 'react';
import type { NodeState } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { Field, FormError, Modal } from '../../ui/Modal';
import { labelsFromText } from './forms';
import { useDialogCall } from './useDialogCall';

/** Confirms removing an SSH node; its stored history stays until retention deletes it. */
export function RemoveNodeDialog({ nodeId, onClose, onRemoved }: { nodeId: string; onClose(): void; onRemoved(): void }) {
  const { sending, error, run } = useDialogCall();
  const cancelRef = useRef<HTMLButtonElement>(null);
  const remove = () => run(() => api.call('nodes:remove', { nodeId }), onRemoved);
  return (
    <Modal
      title={`Remove ${nodeId}?`}
      onClose={onClose}
      testId="remove-node-dialog"
      initialFocus={cancelRef}
      footer={
        <>
          <button type="button" className="button" ref={cancelRef} onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button--danger" disabled={sending} onClick={remove} data-testid="remove-node-confirm">
            {sending ? 'Removing…' : 'Remove node'}
          </button>
        </>
      }
    >
      <p>
        Clusterdeck stops collecting <strong className="mono">{nodeId}</strong> and forgets how to reach it.
      </p>
      <p className="field__hint">
        Its history is kept: charts of the past stay available until the retention period deletes the data. Adding the node again under the same alias continues
        the same history.
      </p>
      <FormError error={error} />
    </Modal>
  );
}

/** Edits a node's labels (its groups for filtering). */
export function LabelsDialog({
  nodeId,
  labels,
  onClose,
  onSaved,
}: {
  nodeId: string;
  labels: readonly string[];
  onClose(): void;
  onSaved(state: NodeState): void;
}) {
  const [text, setText] = useState(labels.join(', '));
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const { sending, error, run } = useDialogCall();
  const inputRef = useRef<HTMLInputElement>(null);
  const id = useId();
  const save = () => {
    if (sending) return;
    const parsed = labelsFromText(text);
    if (!parsed.ok) {
      setFieldError(parsed.errors.labels);
      return;
    }
    setFieldError(undefined);
    run(() => api.call('nodes:update', { nodeId, labels: parsed.value }), onSaved);
  };
  return (
    <Modal
      title={`Labels of ${nodeId}`}
      onClose={onClose}
      testId="labels-dialog"
      initialFocus={inputRef}
      onSubmit={save}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={sending} data-testid="labels-save">
            {sending ? 'Saving…' : 'Save labels'}
          </button>
        </>
      }
    >
      <Field label="Labels" id={id} error={fieldError} hint="Separated by commas or spaces: letters, digits and . _ - : /, up to 32 labels.">
        {(describedBy, invalid) => (
          <input
            id={id}
            ref={inputRef}
            className="input"
            type="text"
            autoComplete="off"
            spellCheck={false}
            value={text}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            data-testid="labels-input"
            onChange={(event) => setText(event.target.value)}
          />
        )}
      </Field>
      <FormError error={error} />
    </Modal>
  );
}
