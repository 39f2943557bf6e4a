import { useState } from 'react';
import type { Silence } from '../../../shared/model/alerts';
import { api } from '../api';
import { describeError } from '../errors';
import { formatDateTime } from '../format';
import { Notice } from '../ui/Notice';
import { describeMatchers, durationText } from './model';

/** The silences, active ones first, each with what it matches, until when, and an Expire button. */
export function SilencesPanel({ silences, error, now, onChanged }: { silences: Silence[] | null; error: string | null; now: number; onChanged(): void }) {
  const [actionError, setActionError] = useState<string | null>(null);
  const sorted = [...(silences ?? [])].sort((a, b) => Number(b.active) - Number(a.active) || b.endsAtMs - a.endsAtMs);
  const expire = (id: number) => {
    setActionError(null);
    api.call('silences:expire', { id }).then(onChanged, (reason: unknown) => setActionError(`Could not expire silence #${id}: ${describeError(reason)}`));
  };
  return (
    <section className="panel alerts-silences" aria-labelledby="silences-title" data-testid="silences">
      <h2 className="section__title" id="silences-title">
        Silences <span className="section__count">{sorted.filter((s) => s.active).length} active</span>
      </h2>
      {error && <Notice tone="error">{error}</Notice>}
      {actionError && <Notice tone="error">{actionError}</Notice>}
      {silences !== null && sorted.length === 0 && <p className="muted">No silence. Silence alerts from an alert&apos;s detail.</p>}
      {sorted.length > 0 && (
        <ul className="alerts-silences__list">
          {sorted.map((s) => (
            <li
              key={s.id}
              className={`alerts-silence${s.active ? '' : ' alerts-silence--expired'}`}
              data-testid={`silence-${s.id}`}
              data-active={String(s.active)}
            >
              <span className="mono alerts-silence__matchers">{describeMatchers(s.matchers)}</span>
              <span className="alerts-silence__when" title={`${formatDateTime(s.startsAtMs)} – ${formatDateTime(s.endsAtMs)}`}>
                {s.active ? `ends in ${durationText(s.endsAtMs - now)}` : `ended ${durationText(now - s.endsAtMs)} ago`}
              </span>
              <span className="alerts-silence__who">
                {s.createdBy}
                {s.comment ? `: ${s.comment}` : ''}
              </span>
              {s.active && (
                <button type="button" className="button button--small" data-testid={`silence-expire-${s.id}`} onClick={() => expire(s.id)}>
                  Expire
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
