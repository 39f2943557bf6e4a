import { useId, useRef, useState } from 'react';
import { OPENSSH_DEFAULT_IDENTITY_FILES, type ExporterKind, type NodeState, type SshNode } from '../../../../shared/model/inventory';
import { Field, FormError, Modal } from '../../ui/Modal';
import {
  duplicateOf,
  EMPTY_HOP,
  engineFieldErrors,
  formToNode,
  newExporter,
  type AddNodeForm,
  type ExporterForm,
  type FieldErrors,
  type HopForm,
} from './forms';
import { useDialogCall } from './useDialogCall';

const HOP_LABELS: Record<keyof HopForm, string> = { host: 'Host', port: 'Port', user: 'User', identityFiles: 'Identity file' };
const EXPORTER_KINDS: Record<ExporterKind, string> = {
  'node-exporter': 'node_exporter (CPU, memory, disks, network, load)',
  'dcgm-exporter': 'dcgm-exporter (GPUs)',
};
const MAX_EXPORTERS = 2;

/** Other nodes, for the duplicate warning and the aliases already taken. */
export type OtherNode = Pick<NodeState, 'id' | 'address' | 'ssh'>;

export interface NodeFormDialogProps {
  /** `edit`: the alias is fixed (the node's history and alerts are kept under it). */
  mode: 'add' | 'edit';
  initial: AddNodeForm;
  others: readonly OtherNode[];
  /** Sends the node to the engine (nodes:add or nodes:edit). */
  send(node: SshNode): Promise<NodeState>;
  onClose(): void;
  onSaved(state: NodeState, node: SshNode): void;
}

/**
 * The Add and Edit node form: checked with the shared schema here (each problem on its field, from
 * the zod issue's path), then by the engine, whose refusal is shown as is.
 */
export function NodeFormDialog({ mode, initial, others, send, onClose, onSaved }: NodeFormDialogProps) {
  const [form, setForm] = useState<AddNodeForm>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const { sending, error: engineError, run, clearError } = useDialogCall();
  const first = useRef<HTMLInputElement>(null);
  const base = useId();
  const id = (name: string) => `${base}-${name}`;
  const prefix = mode === 'add' ? 'add-node' : 'edit-node';
  const editing = mode === 'edit';

  const clearErrors = (...fields: string[]) =>
    setErrors((e) => {
      if (!fields.some((f) => f in e)) return e;
      const next = { ...e };
      for (const f of fields) delete next[f];
      return next;
    });
  const set = <K extends keyof AddNodeForm>(key: K, value: AddNodeForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    clearErrors(key);
  };
  const setHop = (index: number, key: keyof HopForm, value: string) => {
    setForm((f) => ({ ...f, proxyJump: f.proxyJump.map((hop, i) => (i === index ? { ...hop, [key]: value } : hop)) }));
    clearErrors(`hop-${index}-${key}`);
  };
  const setExporter = <K extends keyof ExporterForm>(index: number, key: K, value: ExporterForm[K]) => {
    setForm((f) => ({ ...f, exporters: f.exporters.map((e, i) => (i === index ? { ...e, [key]: value } : e)) }));
    clearErrors(`exporter-${index}-${key}`);
  };

  const aliasOf = (f: AddNodeForm) => f.alias.trim() || f.host.trim();
  const port = /^\d{1,5}$/.test(form.port.trim()) ? Number(form.port.trim()) : form.port.trim() === '' ? 22 : null;
  const duplicate =
    form.host.trim() !== '' && form.user.trim() !== '' && port !== null
      ? duplicateOf({ id: aliasOf(form), host: form.host.trim(), user: form.user.trim(), port }, others)
      : null;
  const duplicateId = id('duplicate');

  const showErrors = (next: FieldErrors) => {
    setErrors(next);
    // Focus the first field that needs fixing.
    const firstField = Object.keys(next)[0];
    if (firstField) document.getElementById(id(firstField))?.focus();
  };

  const submit = () => {
    if (sending) return;
    const result = formToNode(form);
    clearError();
    if (!result.ok) {
      showErrors(result.errors);
      return;
    }
    const node = result.value;
    setErrors({});
    run(
      () => send(node),
      (state) => onSaved(state, node),
      (reason) => showErrors(engineFieldErrors(reason instanceof Error ? reason.message : String(reason))),
    );
  };

  const text = (
    name: keyof AddNodeForm & string,
    label: string,
    options: { placeholder?: string; hint?: string; testId: string; className?: string; inputMode?: 'numeric'; readOnly?: boolean; alsoDescribedBy?: string },
  ) => (
    <Field label={label} id={id(name)} error={errors[name]} hint={options.hint} className={options.className}>
      {(describedBy, invalid) => (
        <input
          id={id(name)}
          ref={name === (editing ? 'host' : 'alias') ? first : undefined}
          className="input"
          type="text"
          autoComplete="off"
          spellCheck={false}
          inputMode={options.inputMode}
          placeholder={options.placeholder}
          readOnly={options.readOnly}
          value={form[name] as string}
          aria-invalid={invalid || undefined}
          aria-describedby={[describedBy, options.alsoDescribedBy].filter(Boolean).join(' ') || undefined}
          data-testid={options.testId}
          onChange={(event) => set(name, event.target.value as never)}
        />
      )}
    </Field>
  );

  const title = editing ? `Edit ${initial.alias}` : 'Add an SSH node';
  return (
    <Modal
      title={title}
      onClose={onClose}
      testId={`${prefix}-dialog`}
      size="wide"
      initialFocus={first}
      onSubmit={submit}
      footer={
        <>
          <button type="button" className="button" onClick={onClose} data-testid={`${prefix}-cancel`}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={sending} data-testid={`${prefix}-submit`}>
            {editing ? (sending ? 'Saving…' : 'Save and reconnect') : sending ? 'Adding…' : 'Add node'}
          </button>
        </>
      }
    >
      <p className="modal__lead">
        {editing
          ? 'The node is reconnected with these settings. Its alias stays, and with it its history, alerts and labels.'
          : 'Clusterdeck connects over SSH from the machine the engine runs on and reads the node without installing anything on it.'}
      </p>
      <div className="form-grid">
        {text('alias', 'Alias', {
          placeholder: editing ? undefined : 'gpu-07',
          hint: editing ? 'Fixed: the node keeps its name.' : 'How the node is named here; the host when left empty.',
          testId: `${prefix}-alias`,
          readOnly: editing,
        })}
        {text('host', 'Host', {
          placeholder: 'gpu-07.example.org or 10.0.3.17',
          testId: `${prefix}-host`,
          alsoDescribedBy: duplicate ? duplicateId : undefined,
        })}
        {text('port', 'Port', { placeholder: '22', testId: `${prefix}-port`, className: 'field--narrow', inputMode: 'numeric' })}
        {text('user', 'User', { placeholder: 'monitor', testId: `${prefix}-user` })}
      </div>
      {duplicate && (
        <p className="notice notice--warn" id={duplicateId} role="status" data-testid={`${prefix}-duplicate`}>
          {form.user.trim()}@{form.host.trim()}:{port} is already in the fleet as <strong className="mono">{duplicate}</strong>. Adding it again reads the same
          machine twice.
        </p>
      )}
      <Field
        label="Identity files"
        id={id('identityFiles')}
        error={errors.identityFiles}
        hint={`Private key paths on the engine's machine, one per line (~ is your home folder). Left empty, OpenSSH's defaults are used, those that exist: ${OPENSSH_DEFAULT_IDENTITY_FILES.join(', ')}.`}
      >
        {(describedBy, invalid) => (
          <textarea
            id={id('identityFiles')}
            className="input input--mono"
            rows={2}
            spellCheck={false}
            value={form.identityFiles}
            aria-invalid={invalid || undefined}
            aria-describedby={describedBy}
            data-testid={`${prefix}-identity`}
            onChange={(event) => set('identityFiles', event.target.value)}
          />
        )}
      </Field>
      <label className="check">
        <input type="checkbox" checked={form.useAgent} data-testid={`${prefix}-agent`} onChange={(event) => set('useAgent', event.target.checked)} />
        Also use the keys of the running ssh-agent
      </label>

      <fieldset className="hops">
        <legend className="field__label">ProxyJump</legend>
        {form.proxyJump.length === 0 && (
          <p className="field__hint">Connected directly. Add jump hosts (bastions) in the order they are passed, outermost first.</p>
        )}
        {errors.proxyJump && <span className="field__error">{errors.proxyJump}</span>}
        {form.proxyJump.map((hop, i) => (
          <fieldset className="hop" key={i} data-testid={`${prefix}-hop-${i}`}>
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
                    data-testid={`${prefix}-hop-${i}-${key}`}
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
            data-testid={`${prefix}-hop-add`}
            onClick={() => setForm((f) => ({ ...f, proxyJump: [...f.proxyJump, { ...EMPTY_HOP }] }))}
          >
            + Add jump host
          </button>
        )}
      </fieldset>

      <fieldset className="hops" data-testid={`${prefix}-exporters`}>
        <legend className="field__label">Exporters</legend>
        <p className="field__hint">
          {form.exporters.length === 0 ? 'None: every reading comes from commands over SSH. ' : ''}A node_exporter or dcgm-exporter the node runs is read
          instead of the commands for what it covers. Through SSH: its port on the node&apos;s own loopback, over this node&apos;s connection (no port to open).
          Direct: HTTP to the host at that port.
        </p>
        {errors.exporters && <span className="field__error">{errors.exporters}</span>}
        {form.exporters.map((exporter, i) => (
          <fieldset className="hop" key={i} data-testid={`${prefix}-exporter-${i}`}>
            <legend className="visually-hidden">Exporter {i + 1}</legend>
            <Field label="Exporter" id={id(`exporter-${i}-kind`)} error={errors[`exporter-${i}-kind`]} className="hop__field">
              {(describedBy, invalid) => (
                <select
                  id={id(`exporter-${i}-kind`)}
                  className="input"
                  value={exporter.kind}
                  aria-invalid={invalid || undefined}
                  aria-describedby={describedBy}
                  data-testid={`${prefix}-exporter-${i}-kind`}
                  onChange={(event) => setExporter(i, 'kind', event.target.value as ExporterKind)}
                >
                  {(Object.keys(EXPORTER_KINDS) as ExporterKind[]).map((kind) => (
                    <option key={kind} value={kind}>
                      {EXPORTER_KINDS[kind]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {(['port', 'path'] as const).map((key) => (
              <Field
                key={key}
                label={key === 'port' ? 'Port' : 'Path'}
                id={id(`exporter-${i}-${key}`)}
                error={errors[`exporter-${i}-${key}`]}
                className={`hop__field hop__field--${key}`}
              >
                {(describedBy, invalid) => (
                  <input
                    id={id(`exporter-${i}-${key}`)}
                    className="input"
                    type="text"
                    autoComplete="off"
                    spellCheck={false}
                    inputMode={key === 'port' ? 'numeric' : undefined}
                    value={exporter[key]}
                    aria-invalid={invalid || undefined}
                    aria-describedby={describedBy}
                    data-testid={`${prefix}-exporter-${i}-${key}`}
                    onChange={(event) => setExporter(i, key, event.target.value)}
                  />
                )}
              </Field>
            ))}
            <Field label="Reached" id={id(`exporter-${i}-via`)} error={errors[`exporter-${i}-via`]} className="hop__field">
              {(describedBy, invalid) => (
                <select
                  id={id(`exporter-${i}-via`)}
                  className="input"
                  value={exporter.via}
                  aria-invalid={invalid || undefined}
                  aria-describedby={describedBy}
                  data-testid={`${prefix}-exporter-${i}-via`}
                  onChange={(event) => setExporter(i, 'via', event.target.value as ExporterForm['via'])}
                >
                  <option value="ssh">through SSH (node loopback)</option>
                  <option value="direct">direct HTTP to the host</option>
                </select>
              )}
            </Field>
            <button
              type="button"
              className="button button--quiet hop__remove"
              aria-label={`Remove exporter ${i + 1}`}
              onClick={() => setForm((f) => ({ ...f, exporters: f.exporters.filter((_, k) => k !== i) }))}
            >
              Remove
            </button>
          </fieldset>
        ))}
        {form.exporters.length < MAX_EXPORTERS && (
          <button
            type="button"
            className="button button--quiet"
            data-testid={`${prefix}-exporter-add`}
            onClick={() => setForm((f) => ({ ...f, exporters: [...f.exporters, newExporter(f.exporters)] }))}
          >
            + Add exporter
          </button>
        )}
      </fieldset>

      {text('labels', 'Labels', {
        placeholder: 'rack-3, a100, team:vision',
        hint: 'Groups for filtering the fleet, separated by commas or spaces.',
        testId: `${prefix}-labels`,
      })}

      <FormError error={engineError} prefix={editing ? 'The engine refused the change: ' : 'The engine refused the node: '} testId={`${prefix}-error`} />
    </Modal>
  );
}
