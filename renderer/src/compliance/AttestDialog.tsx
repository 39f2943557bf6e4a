import { useId, useState } from 'react';
import type { Attestation, AuditResultView } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import { Field, FormError, Modal } from '../ui/Modal';
import { readAsBase64 } from './download';

const MAX_FILES = 8;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** An auditor's answer for a node x check: status, note, attachments (stored by hash by the engine). */
export function AttestDialog({ result, onClose, onDone }: { result: AuditResultView; onClose(): void; onDone(attestation: Attestation): void }) {
  const ids = useId();
  const [status, setStatus] = useState<Attestation['status']>('pass');
  const [note, setNote] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const tooBig = files.find((f) => f.size > MAX_FILE_BYTES);
  const invalid = files.length > MAX_FILES ? `at most ${MAX_FILES} files` : tooBig ? `${tooBig.name} is over 10 MiB` : null;
  const submit = () => {
    if (busy || invalid) return;
    setBusy(true);
    setError(null);
    Promise.all(files.map(readAsBase64))
      .then((attachments) =>
        api.call('audits:attest', { runId: result.runId, nodeId: result.nodeId, checkId: result.checkId, status, note: note.trim(), attachments }),
      )
      .then(
        (attestation) => {
          setBusy(false);
          onDone(attestation);
        },
        (reason: unknown) => {
          setBusy(false);
          setError(describeError(reason));
        },
      );
  };
  return (
    <Modal
      title={`Attest ${result.checkId} on ${result.nodeId}`}
      onClose={onClose}
      onSubmit={submit}
      testId="attest-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" data-testid="attest-submit" disabled={busy || invalid !== null}>
            Attest
          </button>
        </>
      }
    >
      <p className="modal__lead">Recorded with your profile&apos;s name and the time; attachments are kept by their SHA-256.</p>
      <Field label="Status" id={`${ids}-status`}>
        {() => (
          <select
            id={`${ids}-status`}
            className="input"
            data-testid="attest-status"
            value={status}
            onChange={(e) => setStatus(e.target.value as Attestation['status'])}
          >
            <option value="pass">Pass</option>
            <option value="fail">Fail</option>
            <option value="not-applicable">Not applicable</option>
          </select>
        )}
      </Field>
      <Field label="Note" id={`${ids}-note`}>
        {() => (
          <textarea
            id={`${ids}-note`}
            className="input"
            data-testid="attest-note"
            maxLength={8192}
            rows={4}
            placeholder="What you checked and how"
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        )}
      </Field>
      <Field label="Attachments" id={`${ids}-files`} error={invalid ?? undefined} hint={`Up to ${MAX_FILES} files of 10 MiB each.`}>
        {(describedBy, isInvalid) => (
          <input
            id={`${ids}-files`}
            type="file"
            multiple
            data-testid="attest-files"
            aria-describedby={describedBy}
            aria-invalid={isInvalid}
            onChange={(e) => setFiles(Array.from(e.target.files ?? []))}
          />
        )}
      </Field>
      <FormError error={error} prefix="Could not record the attestation: " testId="attest-error" />
    </Modal>
  );
}
