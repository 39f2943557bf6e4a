import { useCallback, useEffect, useMemo, useState } from 'react';
import { useServerNow } from '../hooks/useServerNow';
import { Notice } from '../ui/Notice';
import { SeverityPill } from './AlertBadge';
import { AlertDetailPanel } from './AlertDetailPanel';
import { AlertFilters, type Grouping } from './AlertFilters';
import { AlertRow } from './AlertRow';
import { alertsHash, countByView, DEFAULT_ALERT_FILTER, filterAlerts, groupAlerts, sortAlerts, type AlertFilter, type AlertsRoute } from './model';
import { SilenceDialog } from './SilenceDialog';
import { SilencesPanel } from './SilencesPanel';
import { ALERT_LIST_LIMIT, useAlertDetail, useAlertList, useAlertsVersion, useSilences } from './useAlertData';

/** What the URL asked for; `seq` changes with every navigation, so asking twice for the same thing applies it twice. */
export interface AlertsFocus {
  route: AlertsRoute;
  seq: number;
}

interface AlertsPageProps {
  focus: AlertsFocus | null;
  /** Called once the list (or its error) is on screen (the app-ready test hook). */
  onShown(): void;
}

/** An alert opened by id shows whatever its state; a node or GPU opened shows all of its alerts. */
function filterFor(route: AlertsRoute): AlertFilter {
  return { ...DEFAULT_ALERT_FILTER, nodeId: route.nodeId, gpu: route.gpu };
}

/** Keeps the address bar on what the page shows, without a hashchange (so a reload comes back here). */
function replaceHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
}

/**
 * Firing, pending, acknowledged, silenced and resolved alerts, filtered and sorted worst first;
 * the chosen alert's detail (rule, rationale, runbook, history, actions) beside the list; the
 * silences below.
 */
export function AlertsPage({ focus, onShown }: AlertsPageProps) {
  const { version, bump } = useAlertsVersion();
  const list = useAlertList(version);
  const silences = useSilences(version);
  const now = useServerNow(5000);
  const [filter, setFilter] = useState<AlertFilter>(() => (focus ? filterFor(focus.route) : DEFAULT_ALERT_FILTER));
  const [grouping, setGrouping] = useState<Grouping>('none');
  const [selected, setSelected] = useState<number | null>(focus?.route.alertId ?? null);
  const [silencing, setSilencing] = useState(false);
  const detail = useAlertDetail(selected, version);

  useEffect(() => {
    if (!focus) return;
    setFilter(filterFor(focus.route));
    setSelected(focus.route.alertId);
  }, [focus]);

  useEffect(() => replaceHash(alertsHash({ alertId: selected, nodeId: filter.nodeId, gpu: filter.gpu })), [selected, filter.nodeId, filter.gpu]);

  const loaded = list.alerts !== null || list.error !== null;
  useEffect(() => {
    if (loaded) onShown();
  }, [loaded, onShown]);

  const alerts = useMemo(() => list.alerts ?? [], [list.alerts]);
  const counts = useMemo(() => countByView(alerts, filter), [alerts, filter]);
  const visible = useMemo(() => sortAlerts(filterAlerts(alerts, filter)), [alerts, filter]);
  const groups = useMemo(() => (grouping === 'none' ? null : groupAlerts(visible, grouping)), [visible, grouping]);
  const select = useCallback((id: number) => setSelected((s) => (s === id ? null : id)), []);
  const selectedAlert = detail.detail?.alert ?? null;

  const rows = (items: typeof visible) => (
    <ul className="alerts-list">
      {items.map((a) => (
        <AlertRow key={a.id} alert={a} now={now} selected={a.id === selected} onSelect={select} />
      ))}
    </ul>
  );

  return (
    <div className="alerts" data-testid="page-alerts" data-loaded={String(list.alerts !== null)}>
      <header className="fleet__head">
        <h1 className="fleet__title">Alerts</h1>
        <span className="fleet__count">
          {counts.firing} firing · {counts.pending} pending
        </span>
      </header>
      {list.error && (
        <Notice tone="error" onRetry={bump}>
          {list.error}
        </Notice>
      )}
      <section className="panel alerts-panel" aria-label="Alerts">
        <AlertFilters alerts={alerts} filter={filter} setFilter={setFilter} counts={counts} grouping={grouping} setGrouping={setGrouping} />
        {list.total > alerts.length && (
          <p className="muted alerts__truncated">
            Showing the {alerts.length} most relevant of {list.total} alerts (at most {ALERT_LIST_LIMIT}).
          </p>
        )}
        <div className={`alerts__body${selected !== null ? ' alerts__body--detail' : ''}`}>
          <div className="alerts__list-wrap" data-testid="alerts-list" data-shown={visible.length}>
            {list.alerts === null && !list.error && <p className="muted">Reading the alerts…</p>}
            {list.alerts !== null && visible.length === 0 && (
              <p className="alerts__empty">
                {alerts.length === 0 ? 'No alert yet: nothing has gone wrong that a rule watches.' : 'No alert matches the filter.'}
              </p>
            )}
            {groups
              ? groups.map((g) => (
                  <section key={g.key} className="alerts-group" data-testid={`alerts-group-${g.key}`}>
                    <h3 className="alerts-group__title">
                      <SeverityPill severity={g.worst} /> {g.label}{' '}
                      <span className="muted">
                        {g.open} open · {g.alerts.length} shown
                      </span>
                    </h3>
                    {rows(g.alerts)}
                  </section>
                ))
              : rows(visible)}
          </div>
          {selected !== null && (
            <AlertDetailPanel
              detail={detail.detail}
              error={detail.error}
              now={now}
              onClose={() => setSelected(null)}
              onChanged={bump}
              onSilence={() => setSilencing(true)}
            />
          )}
        </div>
      </section>
      <SilencesPanel silences={silences.silences} error={silences.error} now={now} onChanged={bump} />
      {silencing && selectedAlert && (
        <SilenceDialog
          alert={selectedAlert}
          onClose={() => setSilencing(false)}
          onCreated={() => {
            setSilencing(false);
            bump();
          }}
        />
      )}
    </div>
  );
}
