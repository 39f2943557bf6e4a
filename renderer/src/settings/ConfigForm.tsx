import { useEffect, useId, useMemo, useState, type ReactNode } from 'react';
import type { Config, SettingsPatch } from '../../../shared/config';
import { AlertSeveritySchema, type AlertSeverity } from '../../../shared/model/alerts';
import { describeError } from '../errors';
import { formatClock } from '../format';
import { Field, FormError } from '../ui/Modal';
import { countChanges, formFromConfig, formToPatch, type NumberField, type SettingsForm } from './settingsForm';

interface ConfigFormProps {
  config: Config;
  configPath: string;
  writable: boolean;
  save(patch: SettingsPatch): Promise<Config>;
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="config-form__group">
      <legend className="config-form__legend">{title}</legend>
      <div className="config-form__fields">{children}</div>
    </fieldset>
  );
}

/**
 * The settings config.yaml holds, as a form: checked with the engine's schema as you type, saved
 * as a patch of only the changed settings; the engine's refusal is shown above the buttons.
 */
export function ConfigForm({ config, configPath, writable, save }: ConfigFormProps) {
  const [form, setForm] = useState<SettingsForm>(() => formFromConfig(config));
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const [savedAt, setSavedAt] = useState<number | null>(null);
  const [submitted, setSubmitted] = useState(false);
  const base = useId();
  const id = (name: string) => `${base}-${name}`;

  // A config read again (another window saved) replaces the form when nothing is being edited.
  const pristine = useMemo(() => formFromConfig(config), [config]);
  const result = useMemo(() => formToPatch(form, config), [form, config]);
  const changes = result.ok ? countChanges(result.value) : null;
  const dirty = JSON.stringify(form) !== JSON.stringify(pristine);
  useEffect(() => {
    if (!dirty) setForm(pristine);
    // Only a new config should reset the form, not each keystroke.
  }, [pristine]);

  // Errors show once a field differs from the file or after Save was tried.
  const errors = result.ok ? {} : result.errors;
  const shownError = (field: keyof SettingsForm) => (submitted || form[field] !== pristine[field] ? errors[field] : undefined);

  const set = <K extends keyof SettingsForm>(key: K, value: SettingsForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    setSavedAt(null);
  };

  const reset = () => {
    setForm(pristine);
    setServerError(null);
    setSubmitted(false);
  };

  const submit = () => {
    setSubmitted(true);
    if (!result.ok || saving || countChanges(result.value) === 0) return;
    setSaving(true);
    setServerError(null);
    save(result.value).then(
      (next) => {
        setSaving(false);
        setSubmitted(false);
        setForm(formFromConfig(next));
        setSavedAt(Date.now());
      },
      (reason: unknown) => {
        setSaving(false);
        setServerError(describeError(reason));
      },
    );
  };

  const number = (field: NumberField, label: string, unit: string, hint?: ReactNode) => (
    <Field label={label} id={id(field)} error={shownError(field)} hint={hint} className="config-form__field">
      {(describedBy, invalid) => (
        <span className="config-form__input">
          <input
            id={id(field)}
            className="input"
            inputMode="decimal"
            value={form[field]}
            onChange={(e) => set(field, e.target.value)}
            aria-describedby={describedBy}
            aria-invalid={invalid}
            data-testid={`settings-${field}`}
          />
          {unit && <span className="config-form__unit">{unit}</span>}
        </span>
      )}
    </Field>
  );

  const toggle = (field: 'diskCapOn' | 'desktop' | 'webhookOn' | 'quietOn', label: string) => (
    <label className="check config-form__check">
      <input type="checkbox" checked={form[field]} onChange={(e) => set(field, e.target.checked)} data-testid={`settings-${field}`} />
      {label}
    </label>
  );

  const text = (field: 'webhookUrl' | 'quietStart' | 'quietEnd', label: string, placeholder: string, className = '') => (
    <Field label={label} id={id(field)} error={shownError(field)} className={`config-form__field ${className}`}>
      {(describedBy, invalid) => (
        <input
          id={id(field)}
          className="input"
          value={form[field]}
          placeholder={placeholder}
          onChange={(e) => set(field, e.target.value)}
          aria-describedby={describedBy}
          aria-invalid={invalid}
          data-testid={`settings-${field}`}
        />
      )}
    </Field>
  );

  return (
    <form
      className="config-form"
      data-testid="settings-form"
      data-writable={String(writable)}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {!writable && (
        <p className="config-form__readonly" role="status" data-testid="settings-readonly">
          The config file cannot be changed from here (it is not writable, or it is not valid now). Edit it by hand; the values below are the ones in force.
        </p>
      )}
      <fieldset className="config-form__body" disabled={!writable || saving}>
        <Group title="Collection">
          {number('intervalS', 'Collection interval', 's', 'How often every node is read.')}
          {number('nvidiaSmiTimeoutS', 'nvidia-smi timeout', 's', 'A slower nvidia-smi gives up that tick’s GPU data.')}
          {number('kernelLogIntervalS', 'Kernel log interval', 's', 'How often each node’s kernel log is read for Xid lines.')}
        </Group>
        <Group title="Storage">
          {number('rawRetentionDays', 'Raw samples kept', 'days')}
          {number('minuteRetentionDays', '1-minute rollups kept', 'days')}
          {number('hourRetentionDays', '1-hour rollups kept', 'days')}
          <div className="config-form__switched">
            {toggle('diskCapOn', 'Cap the database size')}
            {form.diskCapOn ? (
              number('maxDiskMb', 'Size cap', 'MB', 'Past it the oldest, finest data goes first.')
            ) : (
              <span className="field__hint">No cap.</span>
            )}
          </div>
        </Group>
        <Group title="Notifications">
          {toggle('desktop', 'Desktop notifications')}
          <Field label="Notify from" id={id('minSeverity')} className="config-form__field">
            {(describedBy) => (
              <select
                id={id('minSeverity')}
                className="input"
                value={form.minSeverity}
                onChange={(e) => set('minSeverity', e.target.value as AlertSeverity)}
                aria-describedby={describedBy}
                data-testid="settings-minSeverity"
              >
                {AlertSeveritySchema.options.map((s) => (
                  <option key={s} value={s}>
                    {s} and worse
                  </option>
                ))}
              </select>
            )}
          </Field>
          {number('burstCount', 'Burst size', '', 'This many within the window become one summary.')}
          {number('burstWindowS', 'Burst window', 's')}
          {number('perRulePerHour', 'Per rule, at most', 'an hour')}
          <div className="config-form__switched config-form__switched--wide">
            {toggle('webhookOn', 'Webhook (JSON POST)')}
            {form.webhookOn ? (
              <>
                {text('webhookUrl', 'URL', 'https://hooks.example.org/clusterdeck', 'config-form__field--url')}
                {number('webhookTimeoutS', 'Timeout', 's')}
                {number('webhookRetries', 'Retries', '')}
              </>
            ) : (
              <span className="field__hint">No webhook.</span>
            )}
          </div>
          <div className="config-form__switched config-form__switched--wide">
            {toggle('quietOn', 'Quiet hours (critical alerts still notify)')}
            {form.quietOn ? (
              <>
                {text('quietStart', 'From', 'HH:MM')}
                {text('quietEnd', 'To', 'HH:MM')}
              </>
            ) : (
              <span className="field__hint">No quiet hours.</span>
            )}
          </div>
        </Group>
      </fieldset>
      {errors.form && submitted && <FormError error={errors.form} />}
      <FormError error={serverError} prefix="Not saved: " testId="settings-server-error" />
      <footer className="config-form__footer">
        <span className="config-form__status" role="status" data-testid="settings-status">
          {saving
            ? 'Saving…'
            : savedAt !== null
              ? `Saved at ${formatClock(savedAt, true)}; applied now.`
              : changes === null
                ? 'Fix the marked fields to save.'
                : changes === 0
                  ? 'No changes.'
                  : `${changes} unsaved ${changes === 1 ? 'change' : 'changes'}.`}
        </span>
        <button type="button" className="button" disabled={!dirty || saving} onClick={reset}>
          Reset
        </button>
        <button type="submit" className="button button--primary" disabled={!writable || saving || changes === 0} data-testid="settings-save">
          Save
        </button>
      </footer>
      <p className="settings-note">
        Saved to{' '}
        <code className="settings-note__path" data-testid="settings-config-path">
          {configPath}
        </code>
        : only the changed settings are rewritten; your comments, their order and the other keys in the file are kept. Changes apply without a restart.
      </p>
    </form>
  );
}
