import { useId, useRef, useState } from 'react';
import type { NodeState, SshNode } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { Field, FormError, Modal } from '../../ui/Modal';
import { EMPTY_FORM, EMPTY_HOP, engineFieldErrors, formToNode, type AddNodeForm, type FieldErrors, type HopForm } from './forms';
import { useDialogCall } from './useDialogCall';

const HOP_LABELS: Record<keyof HopForm, string> = { host: 'Host', port: 'Port', user: 'User', identityFiles: 'Identity file' };

interface AddNodeDialogProps {
  onClose(): void;
  onAdded(state: NodeState, node: SshNode): void;
}

/** Adds one SSH node: checked with the shared schema here, then by the engine, whose refusal is shown as is. */
export function AddNodeDialog({ onClose, onAdded }: AddNodeDialogProps) {
  const [form, setForm] = useState<AddNodeForm>(EMPTY_FORM);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { sending, error: engineError, run, clearError } = useDialogCall();
  const first = useRef<HTMLInputElement>(null);
  const base = useId();
  const id = (name: string) => `${base}-${name}`;

  const set = <K extends keyof AddNodeForm>(key: K, value: AddNodeForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => {
      if (!(key in e)) return e;
      const next = { ...e };
      delete next[key];
      return next;
    });
  };
  const setHop = (index: number, key: keyof HopForm, value: string) => {
    setForm((f) => ({ ...f, proxyJump: f.proxyJump.map((hop, i) => (i === index ? { ...hop, [key]: value } : hop)) }));
  };

  const submit = () => {
    if (sending) return;
    const result = formToNode(form);
    clearError();
    if (!result.ok) {
      setErrors(result.errors);
      // Focus the first field that needs fixing.
      const firstField = Object.keys(result.errors)[0];
      if (firstField) document.getElementById(id(firstField))?.focus();
      return;
    }
    setErrors({});
    const node = result.value;
    run(
      () => api.call('nodes:add', { node }),
      (state) => onAdded(state, node),
      (reason) => setErrors(engineFieldErrors(reason instanceof Error ? reason.message : String(reason))),
    );
  };

  const text = (
    name: keyof AddNodeForm & string,
    label: string,
    options: { placeholder?: string; hint?: string; testId: string; className?: string; inputMode?: 'numeric' },
  ) => (
    <Field label={label} id={id(name)} error={errors[name]} hint={options.hint} className={options.className}>
      {(describedBy, invalid) => (
        <input
          id={id(name)}
          ref={name === 'alias' ? first : undefined}
          className="input"
          type="text"
          autoComplete="off"
          spellCheck={false}
          inputMode={options.inputMode}
          placeholder={options.placeholder}
          value={form[name] as string}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          data-testid={options.testId}
          onChange={(event) => set(name, event.target.value as never)}
        />
      )}
    </Field>
  );

  return (
    <Modal
      title="Add an SSH node"
      onClose={onClose}
      testId="add-node-dialog"
      size="wide"
      initialFocus={first}
      onSubmit={submit}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={sending} data-testid="add-node-submit">
            {sending ? 'Adding…' : 'Add node'}
          </button>
        </>
      }
    >
      <p className="modal__lead">Clusterdeck connects over SSH from the machine the engine runs on and reads the node without installing anything on it.</p>
      <div className="form-grid">
        {text('alias', 'Alias', { placeholder: 'gpu-07', hint: 'How the node is named here; the host when left empty.', testId: 'add-node-alias' })}
        {text('host', 'Host', { placeholder: 'gpu-07.example.org or 10.0.3.17', testId: 'add-node-host' })}
        {text('port', 'Port', { placeholder: '22', testId: 'add-node-port', className: 'field--narrow', inputMode: 'numeric' })}
        {text('user', 'User', { placeholder: 'monitor', testId: 'add-node-user' })}
      </div>
      <Field
        label="Identity files"
        id={id('identityFiles')}
        error={errors.identityFiles}
        hint="Private key paths on the engine's machine, one per line (~ is your home folder)."
      >
        {(describedBy, invalid) => (
          <textarea
            id={id('identityFiles')}
            className="input input--mono"
            rows={2}
            spellCheck={false}
            placeholder="~/.ssh/id_ed25519"
            value={form.identityFiles}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            data-testid="add-node-identity"
            onChange={(event) => set('identityFiles', event.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={form.useAgent} data-testid="add-node-agent" onChange={(event) => set('useAgent', event.target.checked)} />
        Also use the keys of the running ssh-agent
      </label>

      <fieldset className="hops">
        <legend className="field__label">ProxyJump</legend>
        {form.proxyJump.length === 0 && (
          <p className="field__hint">Connected directly. Add jump hosts (bastions) in the order they are passed, outermost first.</p>
        )}
        {errors.proxyJump && <span className="field__error">{errors.proxyJump}</span>}
        {form.proxyJump.map((hop, i) => (
          <fieldset className="hop" key={i} data-testid={`add-node-hop-${i}`}>
            <legend className="visually-hidden">Jump host {i + 1}</legend>
            <span className="hop__number" aria-hidden="true">
              {i + 1}
            </span>
            {(['host', 'port', 'user', 'identityFiles'] as const).map((key) => (
              <Field key={key} label={HOP_LABELS[key]} id={id(`hop-${i}-${key}`)} error={errors[`hop-${i}-${key}`]} className={`hop__field hop__field--${key}`}>
                {(describedBy, invalid) => (
                  <input
                    id={id(`hop-${i}-${key}`)}
                    className={`input${key === 'identityFiles' ? ' input--mono' : ''}`}
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    placeholder={
                      key === 'port' ? '22' : key === 'user' ? 'same as the node' : key === 'identityFiles' ? "the node's keys" : 'bastion.example.org'
                    }
                    value={hop[key]}
                    aria-invalid={invalid || undefined}
                    aria-describedby={describedBy}
                    onChange={(event) => setHop(i, key, event.target.value)}
                  />
                )}
              </Field>
            ))}
            <button
              type="button"
              className="button button--quiet hop__remove"
              aria-label={`Remove jump host ${i + 1}`}
              onClick={() => setForm((f) => ({ ...f, proxyJump: f.proxyJump.filter((_, k) => k !== i) }))}
            >
              Remove
            </button>
          </fieldset>
        ))}
        {form.proxyJump.length < 8 && (
          <button
            type="button"
            className="button button--quiet"
            data-testid="add-node-hop-add"
            onClick={() => setForm((f) => ({ ...f, proxyJump: [...f.proxyJump, { ...EMPTY_HOP }] }))}
          >
            + Add jump host
          </button>
        )}
      </fieldset>

      {text('labels', 'Labels', {
        placeholder: 'rack-3, a100, team:vision',
        hint: 'Groups for filtering the fleet, separated by commas or spaces.',
        testId: 'add-node-labels',
      })}

      <FormError error={engineError} prefix="The engine refused the node: " testId="add-node-error" />
    </Modal>
  );
}
