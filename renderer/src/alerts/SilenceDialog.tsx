import { useId, useState } from 'react';
import type { Alert } from '../../../shared/model/alerts';
import { api } from '../api';
import { describeError } from '../errors';
import { Field, FormError, Modal } from '../ui/Modal';
import { describeMatchers, gpuLabel, silenceMatchersFor, SILENCE_DURATIONS, type SilenceTarget } from './model';

/** A silence prefilled from an alert: tick its node, GPU and rule, a duration and a comment. */
export function SilenceDialog({ alert, onClose, onCreated }: { alert: Alert; onClose(): void; onCreated(): void }) {
  const ids = useId();
  const [targets, setTargets] = useState<ReadonlySet<SilenceTarget>>(() => new Set<SilenceTarget>(alert.gpu ? ['node', 'gpu', 'rule'] : ['node', 'rule']));
  const [durationMs, setDurationMs] = useState(SILENCE_DURATIONS[0]!.ms);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const matchers = silenceMatchersFor(alert, targets);
  const toggle = (target: SilenceTarget) =>
    setTargets((prev) => {
      const next = new Set(prev);
      if (next.has(target)) next.delete(target);
      else next.add(target);
      return next;
    });
  const submit = () => {
    if (matchers.length === 0 || busy) return;
    setBusy(true);
    setError(null);
    api.call('silences:create', { matchers, durationMs, comment: comment.trim() }).then(
      () => {
        setBusy(false);
        onCreated();
      },
      (reason: unknown) => {
        setBusy(false);
        setError(describeError(reason));
      },
    );
  };
  const gpu = gpuLabel(alert);
  const choices: Array<{ target: SilenceTarget; label: string; disabled?: boolean }> = [
    { target: 'node', label: `Node ${alert.nodeId}` },
    { target: 'gpu', label: gpu ? `${gpu}${gpu !== alert.gpu ? ` (${alert.gpu})` : ''}` : 'GPU (this alert is about the node)', disabled: alert.gpu === null },
    { target: 'rule', label: `Rule ${alert.title} (${alert.ruleId})` },
  ];
  return (
    <Modal
      title="Silence alerts"
      onClose={onClose}
      onSubmit={submit}
      testId="silence-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" data-testid="silence-create" disabled={busy || matchers.length === 0}>
            Silence
          </button>
        </>
      }
    >
      <p className="modal__lead">Every alert matching all the ticked labels is silenced until the silence expires: it shows, but notifies nobody.</p>
      <fieldset className="silence-dialog__matchers">
        <legend className="field__label">Match</legend>
        {choices.map((c) => (
          <label key={c.target} className="check">
            <input
              type="checkbox"
              data-testid={`silence-match-${c.target}`}
              checked={targets.has(c.target) && !c.disabled}
              disabled={c.disabled}
              onChange={() => toggle(c.target)}
            />
            {c.label}
          </label>
        ))}
        <span className="field__hint mono" data-testid="silence-matchers">
          {matchers.length > 0 ? describeMatchers(matchers) : 'Tick at least one label.'}
        </span>
      </fieldset>
      <Field label="For" id={`${ids}-duration`}>
        {() => (
          <select
            id={`${ids}-duration`}
            className="input"
            data-testid="silence-duration"
            value={durationMs}
            onChange={(e) => setDurationMs(Number(e.target.value))}
          >
            {SILENCE_DURATIONS.map((d) => (
              <option key={d.ms} value={d.ms}>
                {d.label}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Comment" id={`${ids}-comment`}>
        {() => (
          <input
            id={`${ids}-comment`}
            className="input"
            data-testid="silence-comment"
            maxLength={2048}
            placeholder="Why: maintenance, a known fault awaiting a part…"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
        )}
      </Field>
      <FormError error={error} prefix="Could not create the silence: " testId="silence-error" />
    </Modal>
  );
}
