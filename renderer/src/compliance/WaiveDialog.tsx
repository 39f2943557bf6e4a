import { useId, useState } from 'react';
import type { AuditResultView, Waiver, WaiverScope } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import { Field, FormError, Modal } from '../ui/Modal';
import { dateInputValue, expiryFromDate } from './model';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Waives a check for the node, a group or the fleet: justification, approver, expiry. */
export function WaiveDialog({ result, now, onClose, onDone }: { result: AuditResultView; now: number; onClose(): void; onDone(waiver: Waiver): void }) {
  const ids = useId();
  const [kind, setKind] = useState<WaiverScope['kind']>('node');
  const [group, setGroup] = useState('');
  const [justification, setJustification] = useState('');
  const [approver, setApprover] = useState('');
  const [expiry, setExpiry] = useState(() => dateInputValue(now + 30 * DAY_MS));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tried, setTried] = useState(false);
  const expiresAtMs = expiryFromDate(expiry);
  const problems = {
    group: kind === 'group' && group.trim() === '' ? 'Name the group.' : undefined,
    justification: justification.trim() === '' ? 'Say why the failure is accepted.' : undefined,
    approver: approver.trim() === '' ? 'Name who approved it.' : undefined,
    expiry: expiresAtMs === null ? 'Choose a date.' : expiresAtMs <= now ? 'Choose a date in the future.' : undefined,
  };
  const valid = Object.values(problems).every((p) => p === undefined);
  const shown = (p: string | undefined) => (tried ? p : undefined);
  const submit = () => {
    setTried(true);
    if (busy || !valid || expiresAtMs === null) return;
    const scope: WaiverScope = kind === 'fleet' ? { kind } : kind === 'group' ? { kind, group: group.trim() } : { kind, nodeId: result.nodeId };
    setBusy(true);
    setError(null);
    api.call('audits:waive', { checkId: result.checkId, scope, justification: justification.trim(), approver: approver.trim(), expiresAtMs }).then(
      (waiver) => {
        setBusy(false);
        onDone(waiver);
      },
      (reason: unknown) => {
        setBusy(false);
        setError(describeError(reason));
      },
    );
  };
  return (
    <Modal
      title={`Waive ${result.checkId}`}
      onClose={onClose}
      onSubmit={submit}
      testId="waive-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" data-testid="waive-submit" disabled={busy}>
            Waive
          </button>
        </>
      }
    >
      <p className="modal__lead">A waived failure shows as waived (never as passed) until the waiver expires or is revoked; then the failure is back.</p>
      <fieldset className="compliance-waive__scope">
        <legend className="field__label">Scope</legend>
        <label className="check">
          <input type="radio" name={`${ids}-scope`} data-testid="waive-scope-node" checked={kind === 'node'} onChange={() => setKind('node')} />
          Node {result.nodeId}
        </label>
        <label className="check">
          <input type="radio" name={`${ids}-scope`} data-testid="waive-scope-group" checked={kind === 'group'} onChange={() => setKind('group')} />A group
        </label>
        <label className="check">
          <input type="radio" name={`${ids}-scope`} data-testid="waive-scope-fleet" checked={kind === 'fleet'} onChange={() => setKind('fleet')} />
          The whole fleet
        </label>
      </fieldset>
      {kind === 'group' && (
        <Field label="Group" id={`${ids}-group`} error={shown(problems.group)}>
          {(d, inv) => (
            <input
              id={`${ids}-group`}
              className="input"
              data-testid="waive-group"
              maxLength={256}
              aria-describedby={d}
              aria-invalid={inv}
              value={group}
              onChange={(e) => setGroup(e.target.value)}
            />
          )}
        </Field>
      )}
      <Field label="Justification" id={`${ids}-why`} error={shown(problems.justification)}>
        {(d, inv) => (
          <textarea
            id={`${ids}-why`}
            className="input"
            rows={3}
            maxLength={8192}
            data-testid="waive-justification"
            aria-describedby={d}
            aria-invalid={inv}
            value={justification}
            onChange={(e) => setJustification(e.target.value)}
          />
        )}
      </Field>
      <Field label="Approver" id={`${ids}-approver`} error={shown(problems.approver)}>
        {(d, inv) => (
          <input
            id={`${ids}-approver`}
            className="input"
            maxLength={256}
            data-testid="waive-approver"
            aria-describedby={d}
            aria-invalid={inv}
            value={approver}
            onChange={(e) => setApprover(e.target.value)}
          />
        )}
      </Field>
      <Field label="Expires at the end of" id={`${ids}-expiry`} error={shown(problems.expiry)}>
        {(d, inv) => (
          <input
            id={`${ids}-expiry`}
            type="date"
            className="input"
            data-testid="waive-expiry"
            aria-describedby={d}
            aria-invalid={inv}
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
          />
        )}
      </Field>
      <FormError error={error} prefix="Could not waive the check: " testId="waive-error" />
    </Modal>
  );
}
