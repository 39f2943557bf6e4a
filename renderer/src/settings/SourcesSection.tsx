import { useId, useRef, useState, type ReactNode } from 'react';
import type { AppInfo } from '../../../shared/contract';
import type { SourceInfo, SourceTestResult } from '../../../shared/model/sources';
import { api } from '../api';
import { describeError } from '../errors';
import { formatDateTime, formatDuration } from '../format';
import { Field, FormError, Modal } from '../ui/Modal';
import { Notice } from '../ui/Notice';
import {
  emptySourceForm,
  fieldOfMessage,
  formFromSource,
  formToRequest,
  keptSecretStands,
  secretsKeptBy,
  type SourceForm,
  type SourceFormErrors,
  type SourceFormField,
} from './sourceForm';
import { useSources } from './useSources';

const TONE = { ok: 'ok', error: 'error', unknown: 'neutral' } as const;

function HealthCell({ info }: { info: SourceInfo }) {
  const { health } = info;
  return (
    <span data-testid={`source-health-${info.config.id}`} data-state={health.state} data-error-kind={health.errorKind ?? ''}>
      <span className={`dot dot--${TONE[health.state]}`} aria-hidden="true" />{' '}
      {health.state === 'ok' ? 'Answering' : health.state === 'error' ? (health.message ?? 'failing') : 'Not asked yet'}
      {health.lastOkAt !== null && health.state !== 'ok' && <span className="muted"> · last answered {formatDateTime(health.lastOkAt)}</span>}
      {health.state === 'ok' && health.answerMs !== null && (
        <span className="muted" data-testid={`source-answer-${info.config.id}`} data-late={String(health.late)}>
          {' '}
          · a tick&apos;s queries answered in {formatDuration(health.answerMs)}
          {health.late && ': later than a tick allows, so its values come a tick late (a longer collection interval fits it)'}
        </span>
      )}
    </span>
  );
}

function secretText(info: SourceInfo): string {
  const { kind, keptIn } = info.secret;
  if (kind === 'none') return 'none';
  return `${kind === 'basic' ? `basic (${info.config.basic?.username ?? ''})` : 'bearer token'}${keptIn ? `, in the ${keptIn === 'keychain' ? 'OS keychain' : 'file'}` : ''}`;
}

/** The classified answer of test-connection, in words a user can act on. */
function TestResult({ result }: { result: SourceTestResult }) {
  return (
    <div data-testid="source-test-result" data-ok={String(result.ok)} data-error-kind={result.errorKind ?? ''}>
      <Notice tone={result.ok ? 'info' : 'error'}>
        {result.ok ? '' : `Failed (${result.errorKind}). `}
        {result.message} <span className="muted">({Math.round(result.elapsedMs)} ms)</span>
      </Notice>
    </div>
  );
}

interface EditorProps {
  kept: SourceInfo | null;
  keychain: boolean;
  onDone(): void;
  onCancel(): void;
}

/** Add or edit one source: its fields checked as typed, Test connection without saving, Save. */
function SourceEditor({ kept, keychain, onDone, onCancel }: EditorProps) {
  const [form, setForm] = useState<SourceForm>(() => (kept ? formFromSource(kept, keychain) : emptySourceForm(keychain)));
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState<'test' | 'save' | null>(null);
  const [serverErrors, setServerErrors] = useState<SourceFormErrors>({});
  const [test, setTest] = useState<SourceTestResult | null>(null);
  const base = useId();
  const id = (name: string) => `${base}-${name}`;

  const result = formToRequest(form, kept);
  const errorOf = (field: SourceFormField) => serverErrors[field] ?? (submitted && !result.ok ? result.errors[field] : undefined);
  const set = <K extends SourceFormField>(key: K, value: SourceForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setServerErrors((e) => ({ ...e, [key]: undefined, form: undefined }));
    setTest(null);
  };

  const refused = (reason: unknown) => {
    const message = describeError(reason);
    setServerErrors({ [fieldOfMessage(message, form)]: message.replace(/^sources:[a-z]+: /, '') });
  };

  const run = (what: 'test' | 'save') => {
    setSubmitted(true);
    if (!result.ok || busy) return;
    setBusy(what);
    setServerErrors({});
    const done = () => setBusy(null);
    if (what === 'test') {
      setTest(null);
      api.call('sources:test', result.value).then(
        (answer) => {
          done();
          setTest(answer);
        },
        (reason: unknown) => {
          done();
          refused(reason);
        },
      );
    } else {
      api.call('sources:save', result.value).then(
        () => {
          done();
          onDone();
        },
        (reason: unknown) => {
          done();
          refused(reason);
        },
      );
    }
  };

  const input = (field: SourceFormField, label: string, options: { placeholder?: string; hint?: ReactNode; secret?: boolean; readOnly?: boolean } = {}) => (
    <Field label={label} id={id(field)} error={errorOf(field)} hint={options.hint} className="config-form__field">
      {(describedBy, invalid) => (
        <input
          id={id(field)}
          className="input"
          type={options.secret ? 'password' : 'text'}
          autoComplete={options.secret ? 'new-password' : 'off'}
          value={form[field] as string}
          placeholder={options.placeholder}
          readOnly={options.readOnly}
          onChange={(e) => set(field, e.target.value)}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          data-testid={`source-${field}`}
        />
      )}
    </Field>
  );

  // Kept for this source at this origin (a URL moved elsewhere needs the secret again).
  const keptSecret = keptSecretStands(kept, form);
  return (
    <form
      className="config-form"
      data-testid="source-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        run('save');
      }}
    >
      <fieldset className="config-form__body" disabled={busy === 'save'}>
        <fieldset className="config-form__group">
          <legend className="config-form__legend">{kept ? `Edit source ${kept.config.id}` : 'New source'}</legend>
          <div className="config-form__fields">
            {input('id', 'Name', { placeholder: 'prom', readOnly: kept !== null, hint: 'Shown in node states and logs.' })}
            {input('url', 'URL', {
              placeholder: 'https://prometheus.example.org:9090',
              hint: 'The API root, without credentials (Thanos, Mimir’s /prometheus path, VictoriaMetrics).',
            })}
            <Field label="Authentication" id={id('auth')} className="config-form__field">
              {(describedBy) => (
                <select
                  id={id('auth')}
                  className="input"
                  value={form.auth}
                  onChange={(e) => set('auth', e.target.value as SourceForm['auth'])}
                  aria-describedby={describedBy}
                  data-testid="source-auth"
                >
                  <option value="none">None</option>
                  <option value="bearer">Bearer token</option>
                  <option value="basic">Basic (user and password)</option>
                </select>
              )}
            </Field>
            {form.auth !== 'none' && keychain && (
              <Field label="Secret kept in" id={id('secretIn')} className="config-form__field">
                {(describedBy) => (
                  <select
                    id={id('secretIn')}
                    className="input"
                    value={form.secretIn}
                    onChange={(e) => set('secretIn', e.target.value as SourceForm['secretIn'])}
                    aria-describedby={describedBy}
                    data-testid="source-secretIn"
                  >
                    <option value="keychain">the OS keychain</option>
                    <option value="file">a file</option>
                  </select>
                )}
              </Field>
            )}
            {form.auth === 'basic' && input('username', 'User')}
            {form.auth === 'bearer' &&
              (form.secretIn === 'keychain'
                ? input('token', 'Token', {
                    secret: true,
                    hint: keptSecret ? 'Leave empty to keep the token already kept.' : 'Kept in the OS keychain, never in config.yaml.',
                  })
                : input('tokenFile', 'Token file', {
                    placeholder: '/etc/clusterdeck/prom.token',
                    hint: 'A file in the config folder holding the token (one line).',
                  }))}
            {form.auth === 'basic' &&
              (form.secretIn === 'keychain'
                ? input('password', 'Password', {
                    secret: true,
                    hint: keptSecret ? 'Leave empty to keep the password already kept.' : 'Kept in the OS keychain, never in config.yaml.',
                  })
                : input('passwordFile', 'Password file', {
                    placeholder: '/etc/clusterdeck/prom.password',
                    hint: 'A file in the config folder holding the password (one line).',
                  }))}
            {input('tenant', 'Tenant (Mimir, Cortex)', { placeholder: 'optional', hint: 'Sent as X-Scope-OrgID; tenants of a federated query joined by |.' })}
            {input('caFile', 'CA file', { placeholder: 'optional', hint: 'A PEM file of the CA that signed the server’s certificate, besides the system’s.' })}
            {input('nodeLabel', 'Node label', { hint: 'The label naming a node (its value without :port).' })}
            {input('timeoutS', 'Timeout (s)', { hint: 'Per query.' })}
          </div>
        </fieldset>
      </fieldset>
      {!keychain && form.auth !== 'none' && (
        <p className="settings-note" data-testid="source-files-only">
          Here (serve, or a desktop without an OS keychain) secrets cannot be kept by Clusterdeck: put the token or password in a file on the machine running
          it, readable only by its user, and give the file&apos;s path.
        </p>
      )}
      {test && <TestResult result={test} />}
      <FormError error={serverErrors.form ?? null} prefix="Refused: " testId="source-server-error" />
      <footer className="config-form__footer">
        <span className="config-form__status" role="status">
          {busy === 'test' ? 'Testing…' : busy === 'save' ? 'Saving…' : submitted && !result.ok ? 'Fix the marked fields.' : ''}
        </span>
        <button type="button" className="button" onClick={onCancel} disabled={busy === 'save'}>
          Cancel
        </button>
        <button type="button" className="button" onClick={() => run('test')} disabled={busy !== null} data-testid="source-test">
          Test connection
        </button>
        <button type="submit" className="button button--primary" disabled={busy !== null} data-testid="source-save">
          Save
        </button>
      </footer>
    </form>
  );
}

function RemoveSourceDialog({ sourceId, onClose, onRemoved }: { sourceId: string; onClose(): void; onRemoved(): void }) {
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const remove = () => {
    setSending(true);
    api.call('sources:remove', { id: sourceId }).then(onRemoved, (reason: unknown) => {
      setSending(false);
      setError(describeError(reason));
    });
  };
  return (
    <Modal
      title={`Remove source ${sourceId}?`}
      onClose={onClose}
      testId="remove-source-dialog"
      initialFocus={cancelRef}
      footer={
        <>
          <button type="button" className="button" ref={cancelRef} onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="button button--danger" disabled={sending} onClick={remove} data-testid="remove-source-confirm">
            {sending ? 'Removing…' : 'Remove source'}
          </button>
        </>
      }
    >
      <p>
        Clusterdeck stops reading <strong className="mono">{sourceId}</strong>: its nodes leave the fleet, and a token or password kept for it is deleted.
      </p>
      <p className="field__hint">The history already stored stays until the retention period deletes it.</p>
      <FormError error={error} />
    </Modal>
  );
}

/** Prometheus-compatible sources: their health, and adding, editing, testing and removing them. */
export function SourcesSection({ info }: { info: AppInfo | null }) {
  const { sources, error, reload } = useSources();
  const [editing, setEditing] = useState<SourceInfo | 'new' | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  // Typed secrets only where the engine has an OS keychain (not serve, nor a desktop without one).
  const keychain = secretsKeptBy(info);
  return (
    <section className="panel settings-section" data-testid="settings-sources" aria-labelledby="sources-title">
      <header className="settings-section__head">
        <h2 className="settings-section__title" id="sources-title">
          Prometheus sources
        </h2>
        <span className="settings-section__meta">{sources === null && !error && 'Reading the sources…'}</span>
        <button type="button" className="button" data-testid="source-add" onClick={() => setEditing('new')} disabled={editing !== null}>
          Add source
        </button>
      </header>
      {error && (
        <Notice tone="error" onRetry={reload}>
          {error}
        </Notice>
      )}
      <div className="settings-section__body">
        {sources && sources.length === 0 && editing === null && (
          <p className="settings-section__placeholder">
            No source. Add a Prometheus, Thanos, Mimir or VictoriaMetrics API to read its nodes (node_exporter, dcgm-exporter) besides the SSH ones.
          </p>
        )}
        {sources && sources.length > 0 && (
          <div className="tier-table__wrap">
            <table className="tier-table" data-testid="sources-table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">URL</th>
                  <th scope="col">Secret</th>
                  <th scope="col">Tenant</th>
                  <th scope="col" className="num">
                    Nodes
                  </th>
                  <th scope="col">Health</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {sources.map((s) => (
                  <tr key={s.config.id} data-testid={`source-row-${s.config.id}`}>
                    <th scope="row" className="mono">
                      {s.config.id}
                    </th>
                    <td className="mono">{s.config.url}</td>
                    <td>{secretText(s)}</td>
                    <td className="mono">{s.config.tenant ?? '—'}</td>
                    <td className="num" data-testid={`source-nodes-${s.config.id}`}>
                      {s.health.nodeCount}
                    </td>
                    <td>
                      <HealthCell info={s} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="button button--quiet"
                        onClick={() => setEditing(s)}
                        disabled={editing !== null}
                        data-testid={`source-edit-${s.config.id}`}
                      >
                        Edit
                      </button>{' '}
                      <button
                        type="button"
                        className="button button--quiet"
                        onClick={() => setRemoving(s.config.id)}
                        data-testid={`source-remove-${s.config.id}`}
                      >
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {editing !== null && (
          <SourceEditor
            key={editing === 'new' ? 'new' : editing.config.id}
            kept={editing === 'new' ? null : editing}
            keychain={keychain}
            onCancel={() => setEditing(null)}
            onDone={() => {
              setEditing(null);
              reload();
            }}
          />
        )}
        <p className="settings-note">
          Saved under <code>sources</code> in the config file (comments kept) and applied without a restart.{' '}
          {keychain
            ? 'Tokens and passwords typed here go to the OS keychain, never into the file.'
            : 'Here (no OS keychain), tokens and passwords are files named in the config.'}
        </p>
      </div>
      {removing !== null && (
        <RemoveSourceDialog
          sourceId={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            reload();
          }}
        />
      )}
    </section>
  );
}
