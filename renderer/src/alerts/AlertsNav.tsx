import { navBadge, severityTone } from './model';
import { useAlertSummary } from './useAlertSummary';

/** The top bar's Alerts item: the count of firing alerts, coloured by the worst severity. */
export function AlertsNav({ current, onOpen }: { current: boolean; onOpen(): void }) {
  const badge = navBadge(useAlertSummary());
  return (
    <button
      type="button"
      className="topbar__tab"
      data-testid="nav-alerts"
      aria-current={current ? 'page' : undefined}
      title={badge?.title ?? 'No alert firing'}
      onClick={onOpen}
    >
      Alerts
      {badge && (
        <span
          className={`alerts-nav__count alerts-nav__count--${badge.quiet ? 'neutral' : severityTone(badge.worst)}`}
          data-testid="nav-alerts-count"
          data-severity={badge.quiet ? 'none' : badge.worst}
          aria-label={badge.title}
        >
          {badge.count}
        </span>
      )}
    </button>
  );
}
