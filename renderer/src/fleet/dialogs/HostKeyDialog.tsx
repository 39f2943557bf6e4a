import { useId, useRef, useState } from 'react';
import type { HostKeyPrompt, NodeState } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { FormError, Modal } from '../../ui/Modal';
import { useDialogCall } from './useDialogCall';

interface HostKeyDialogProps {
  nodeId: string;
  /** The node's prompt as it is now (it follows the node's state while the dialog is open). */
  prompt: HostKeyPrompt;
  mismatch: boolean;
  /** "2 more nodes wait", when several do. */
  queued: number;
  onClose(): void;
  onTrusted(state: NodeState): void;
}

/** OpenSSH's name of a key type, for the ssh-keygen hint ("ssh-ed25519" → "ed25519"). */
function keyFileType(keyType: string): string {
  if (keyType.includes('ed25519')) return 'ed25519';
  if (keyType.includes('ecdsa')) return 'ecdsa';
  if (keyType.includes('rsa')) return 'rsa';
  return keyType;
}

/**
 * Asks the user to confirm a host key the engine has not seen (or one that changed). Trust sends
 * exactly the fingerprint shown; the engine refuses if the host presents another by then.
 */
export function HostKeyDialog({ nodeId, prompt, mismatch, queued, onClose, onTrusted }: HostKeyDialogProps) {
  const { sending, error, run } = useDialogCall();
  const [confirmed, setConfirmed] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const checkId = useId();
  const endpoint = `${prompt.host.includes(':') ? `[${prompt.host}]` : prompt.host}:${prompt.port}`;

  const trust = () => {
    if (mismatch && !confirmed) return;
    run(() => api.call('hostKeys:trust', { nodeId, fingerprint: prompt.fingerprint }), onTrusted);
  };

  return (
    <Modal
      title={mismatch ? `Host key of ${nodeId} has CHANGED` : `Trust the host key of ${nodeId}?`}
      tone={mismatch ? 'danger' : 'normal'}
      onClose={onClose}
      testId="host-key-dialog"
      initialFocus={cancelRef}
      footer={
        <>
          {queued > 0 && (
            <span className="modal__footer-note">
              {queued} more node{queued === 1 ? '' : 's'} waiting
            </span>
          )}
          <button type="button" className="button" ref={cancelRef} onClick={onClose} data-testid="host-key-cancel">
            Cancel
          </button>
          <button
            type="button"
            className={`button ${mismatch ? 'button--danger' : 'button--primary'}`}
            disabled={sending || (mismatch && !confirmed)}
            onClick={trust}
            data-testid="host-key-trust"
          >
            {sending ? 'Trusting…' : mismatch ? 'Trust the new key' : 'Trust'}
          </button>
        </>
      }
    >
      {mismatch ? (
        <div className="hostkey-warning" role="alert">
          <strong>Warning: this host now presents a different key than the one on record.</strong> Someone may be intercepting the connection (a
          man-in-the-middle attack), or the host was reinstalled or its keys were replaced. Clusterdeck refuses to connect until you decide. Trust the new key
          only if you know why it changed and have checked the fingerprint below with the host&apos;s administrator.
        </div>
      ) : (
        <p className="modal__lead">
          Clusterdeck has not connected to this host before. Check that the fingerprint below is the host&apos;s before trusting it: it is then written to
          Clusterdeck&apos;s known_hosts and checked on every connection.
        </p>
      )}
      <dl className="hostkey-facts">
        <div>
          <dt>Host</dt>
          <dd className="mono" data-testid="host-key-endpoint">
            {endpoint}
          </dd>
        </div>
        <div>
          <dt>Key type</dt>
          <dd className="mono">{prompt.keyType}</dd>
        </div>
      </dl>
      <div className="hostkey-fingerprint">
        <span className="field__label">{mismatch ? 'New fingerprint (presented now)' : 'Fingerprint'}</span>
        <pre className="hostkey-fingerprint__value" data-testid="host-key-fingerprint">
          {prompt.fingerprint}
        </pre>
      </div>
      {mismatch && prompt.knownFingerprints.length > 0 && (
        <div className="hostkey-fingerprint hostkey-fingerprint--old">
          <span className="field__label">On record until now</span>
          <pre className="hostkey-fingerprint__value" data-testid="host-key-old-fingerprints">
            {prompt.knownFingerprints.join('\n')}
          </pre>
        </div>
      )}
      <p className="field__hint">
        On the host, <code>ssh-keygen -lf /etc/ssh/ssh_host_{keyFileType(prompt.keyType)}_key.pub</code> prints its fingerprint.
      </p>
      {mismatch && (
        <label className="check check--danger" htmlFor={checkId}>
          <input id={checkId} type="checkbox" checked={confirmed} onChange={(event) => setConfirmed(event.target.checked)} data-testid="host-key-confirm" />I
          have verified the new fingerprint and want to replace the old key
        </label>
      )}
      <FormError error={error} testId="host-key-error" />
    </Modal>
  );
}
