import { useId, useRef, useState } from 'react';
import type { AppInfo } from '../../../../shared/contract';
import { api, ApiError } from '../../api';
import { Field, FormError, Modal } from '../../ui/Modal';
import { useDialogCall } from './useDialogCall';

interface PassphraseDialogProps {
  nodeId: string;
  /** Key files the node is known to use (from the Add dialog or the ssh config), if any. */
  keyPaths: string[];
  mode: AppInfo['mode'] | null;
  onClose(): void;
}

/**
 * An encrypted private key needs its passphrase. The desktop app keeps it in the OS keychain;
 * `serve` keeps none, so there the way is ssh-agent.
 */
export function PassphraseDialog({ nodeId, keyPaths, mode, onClose }: PassphraseDialogProps) {
  const [keyPath, setKeyPath] = useState(keyPaths[0] ?? '');
  const [passphrase, setPassphrase] = useState('');
  const [errors, setErrors] = useState<{ keyPath?: string; passphrase?: string }>({});
  const { sending, error, run } = useDialogCall();
  const [unavailable, setUnavailable] = useState(false);
  const [stored, setStored] = useState(false);
  const firstRef = useRef<HTMLInputElement>(null);
  const base = useId();
  const serve = mode === 'serve' || unavailable;

  const submit = () => {
    if (sending || serve || stored) return;
    const next: typeof errors = {};
    if (keyPath.trim() === '') next.keyPath = 'the private key file to unlock';
    if (passphrase === '') next.passphrase = 'required';
    setErrors(next);
    if (Object.keys(next).length > 0) return;
    run(
      () => api.call('keys:passphrase', { keyPath: keyPath.trim(), passphrase }),
      () => {
        setPassphrase('');
        setStored(true);
      },
      (reason) => {
        if (reason instanceof ApiError && reason.code === 'unavailable') setUnavailable(true);
      },
    );
  };

  const agentHelp = (
    <div className="passphrase-agent" data-testid="passphrase-agent-help">
      <p>
        {mode === 'serve' ? (
          <>
            <strong>clusterdeck serve keeps no passphrases.</strong> An encrypted key has to be unlocked by <code>ssh-agent</code> instead:
          </>
        ) : (
          <>
            The engine cannot keep passphrases here. Unlock the key with <code>ssh-agent</code> instead:
          </>
        )}
      </p>
      <ol className="passphrase-agent__steps">
        <li>
          On the machine running the engine, load the key: <code>ssh-add {keyPaths[0] ?? '~/.ssh/id_ed25519'}</code>
        </li>
        <li>
          Start <code>clusterdeck serve</code> from a shell where <code>SSH_AUTH_SOCK</code> points at that agent.
        </li>
        <li>The node must use the agent (&quot;Also use the keys of the running ssh-agent&quot; when adding it); remove and add it again if it does not.</li>
      </ol>
    </div>
  );

  return (
    <Modal
      title={`Unlock the key of ${nodeId}`}
      onClose={onClose}
      testId="passphrase-dialog"
      initialFocus={serve ? undefined : firstRef}
      onSubmit={submit}
      footer={
        serve || stored ? (
          <button type="button" className="button button--primary" onClick={onClose}>
            Close
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={sending} data-testid="passphrase-submit">
              {sending ? 'Saving…' : 'Save and reconnect'}
            </button>
          </>
        )
      }
    >
      <p className="modal__lead">The private key this node logs in with is encrypted, and no passphrase for it is available.</p>
      {serve ? (
        agentHelp
      ) : stored ? (
        <p role="status" data-testid="passphrase-stored">
          Saved in the OS keychain. Every node using this key reconnects now.
        </p>
      ) : (
        <>
          <p className="field__hint">
            The passphrase is kept in the operating system&apos;s keychain (Keychain, Credential Manager or the Secret Service), never in Clusterdeck&apos;s
            files, and is used for every node with this key.
          </p>
          <Field
            label="Key file"
            id={`${base}-key`}
            error={errors.keyPath}
            hint={keyPaths.length > 1 ? `This node offers ${keyPaths.length} key files.` : undefined}
          >
            {(describedBy, invalid) => (
              <>
                <input
                  id={`${base}-key`}
                  ref={keyPath === '' ? firstRef : undefined}
                  className="input input--mono"
                  type="text"
                  list={`${base}-keys`}
                  spellCheck={false}
                  value={keyPath}
                  placeholder="~/.ssh/id_ed25519"
                  aria-invalid={invalid || undefined}
                  aria-describedby={describedBy}
                  onChange={(event) => setKeyPath(event.target.value)}
                />
                <datalist id={`${base}-keys`}>
                  {keyPaths.map((p) => (
                    <option key={p} value={p} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
          <Field label="Passphrase" id={`${base}-pass`} error={errors.passphrase}>
            {(describedBy, invalid) => (
              <input
                id={`${base}-pass`}
                ref={keyPath === '' ? undefined : firstRef}
                className="input"
                type="password"
                autoComplete="off"
                value={passphrase}
                aria-invalid={invalid || undefined}
                aria-describedby={describedBy}
                data-testid="passphrase-input"
                onChange={(event) => setPassphrase(event.target.value)}
              />
            )}
          </Field>
        </>
      )}
      <FormError error={error} />
    </Modal>
  );
}
