import { useId, useState } from 'react';
import type { Alert } from '../../../shared/model/alerts';
import { api } from '../api';
import { describeError } from '../errors';
import { FormError } from '../ui/Modal';
import { SNOOZE_DURATIONS } from './model';

/** Runs one call at a time and keeps its error; `after` runs on success. */
function useAction(after: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (what: string, call: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    call().then(
      () => {
        setBusy(false);
        after();
      },
      (reason: unknown) => {
        setBusy(false);
        setError(`Could not ${what}: ${describeError(reason)}`);
      },
    );
  };
  return { busy, error, run };
}

/** Acknowledge (with a comment), snooze for a while, or open the silence form. */
export function AlertActions({ alert, onChanged, onSilence }: { alert: Alert; onChanged(): void; onSilence(): void }) {
  const ids = useId();
  const [comment, setComment] = useState('');
  const [snoozeMs, setSnoozeMs] = useState(SNOOZE_DURATIONS[1]!.ms);
  const action = useAction(() => {
    setComment('');
    onChanged();
  });
  const open = alert.state !== 'resolved';
  return (
    <div className="alert-actions" data-testid="alert-actions">
      {open && alert.ack === null && (
        <form
          className="alert-actions__row"
          onSubmit={(event) => {
            event.preventDefault();
            const text = comment.trim();
            action.run('acknowledge the alert', () => api.call('alerts:ack', { id: alert.id, ...(text ? { comment: text } : {}) }));
          }}
        >
          <label className="visually-hidden" htmlFor={`${ids}-comment`}>
            Comment
          </label>
          <input
            id={`${ids}-comment`}
            className="input alert-actions__comment"
            data-testid="alert-ack-comment"
            placeholder="Comment (optional): who is on it, what was done"
            maxLength={2048}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <button type="submit" className="button button--primary" data-testid="alert-ack" disabled={action.busy}>
            Acknowledge
          </button>
        </form>
      )}
      <div className="alert-actions__row">
        {open && (
          <>
            <label className="visually-hidden" htmlFor={`${ids}-snooze`}>
              Snooze for
            </label>
            <select
              id={`${ids}-snooze`}
              className="input"
              data-testid="alert-snooze-duration"
              value={snoozeMs}
              onChange={(e) => setSnoozeMs(Number(e.target.value))}
            >
              {SNOOZE_DURATIONS.map((d) => (
                <option key={d.ms} value={d.ms}>
                  {d.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button"
              data-testid="alert-snooze"
              disabled={action.busy}
              title="No notification for it for this long; it stays listed"
              onClick={() => action.run('snooze the alert', () => api.call('alerts:snooze', { id: alert.id, durationMs: snoozeMs }))}
            >
              Snooze
            </button>
          </>
        )}
        <button type="button" className="button" data-testid="alert-silence-open" onClick={onSilence}>
          Silence…
        </button>
      </div>
      <FormError error={action.error} testId="alert-action-error" />
    </div>
  );
}
