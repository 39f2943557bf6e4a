import { SEVERITIES, severityTone } from './model';
import { useAlertSummary } from './useAlertSummary';

/**
 * The status bar's alert summary: what is firing, by severity, whatever the tray shows (there is
 * no tray under `serve`). The click opens the alerts page.
 */
export function AlertStatusItem() {
  const summary = useAlertSummary();
  if (!summary) return null;
  const firing = SEVERITIES.filter((s) => summary.firing[s] > 0).map((s) => `${summary.firing[s]} ${s}`);
  const tone = summary.worst ? severityTone(summary.worst) : firing.length > 0 ? 'neutral' : 'ok';
  const text = firing.length > 0 ? `${firing.join(', ')} firing` : 'no alert firing';
  const pending = summary.pending > 0 ? ` · ${summary.pending} pending` : '';
  return (
    <a
      className="statusbar__item statusbar__alerts"
      href="#/alerts"
      data-testid="alert-summary"
      data-worst={summary.worst ?? 'none'}
      title={`${text}${pending}\nOpen the alerts page.`}
    >
      <span className={`dot dot--${tone}`} aria-hidden="true" />
      {text}
      {pending && <span className="muted">{pending}</span>}
    </a>
  );
}
