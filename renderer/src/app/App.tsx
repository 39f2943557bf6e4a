import { useCallback, useEffect, useMemo, useState } from 'react';
import type { NodeSummary } from '../../../shared/model/node';
import { AlertsPage } from '../alerts/AlertsPage';
import { useAlertsHash } from '../alerts/useAlertsHash';
import { CompliancePage } from '../compliance/CompliancePage';
import { useComplianceHash } from '../compliance/useComplianceHash';
import { FleetPage } from '../fleet/FleetPage';
import { fleetStore } from '../fleet/store';
import { useAppInfo } from '../hooks/useAppInfo';
import { useNodes } from '../hooks/useNodes';
import { useStreamReconnects } from '../hooks/useStreamState';
import { NodePage } from '../node/NodePage';
import { DEFAULT_FLEET_VIEW_STATE, type FleetViewState } from '../fleet/viewState';
import { windowFor, type ChartWindow, type RangeId } from '../ranges';
import { DEFAULT_RANGE, parseRoute, routeWindowOf, windowMatchesRoute, windowOfRoute, type Route } from '../route';
import { SettingsPage } from '../settings/SettingsPage';
import { Notice } from '../ui/Notice';
import { ConfigBanner } from './ConfigBanner';
import { ErrorBoundary } from './ErrorBoundary';
import { StatusBar } from './StatusBar';
import { TopBar, type View } from './TopBar';
import { useRoute } from './useRoute';

/** Used until 'app:info' answers (or if it fails): the engine's default collection interval. */
const DEFAULT_INTERVAL_MS = 5000;

/**
 * The first view: the fleet when the engine collects more than one node, else that node's
 * overview. Decided once, when the node states first arrive (or cannot be read).
 */
function useLandingView(): 'fleet' | 'node' | null {
  const [landing, setLanding] = useState<'fleet' | 'node' | null>(null);
  useEffect(() => {
    fleetStore.start();
    const decide = () => {
      const view = fleetStore.view();
      if (view.states === null && view.error === null) return false;
      setLanding((view.states?.length ?? 0) > 1 ? 'fleet' : 'node');
      return true;
    };
    if (decide()) return;
    const off = fleetStore.subscribe(() => {
      if (decide()) off();
    });
    return off;
  }, []);
  return landing;
}

/** A node chosen on the fleet page before its first snapshot reached the node list. */
function placeholderSummary(nodeId: string): NodeSummary {
  return { id: nodeId, hostname: nodeId, lastSeenAt: null, gpuCount: 0, gpuStatus: null };
}

export function App() {
  const appInfo = useAppInfo();
  const nodesState = useNodes();
  const nodes = useMemo(() => nodesState.nodes ?? [], [nodesState.nodes]);
  const initial = useMemo(() => parseRoute(window.location.hash), []);
  // The node the Node tab shows: the one in the URL, else the last one shown, else the first.
  const [lastNodeId, setLastNodeId] = useState<string | null>(initial?.view === 'node' ? initial.nodeId : null);
  const [timeWindow, setTimeWindow] = useState<ChartWindow>(() =>
    initial?.view === 'node' ? windowOfRoute(initial.window, Date.now()) : windowFor(DEFAULT_RANGE, Date.now()),
  );
  // The fleet's filters, sort and grouping, kept while other views are shown.
  const [fleetState, setFleetState] = useState<FleetViewState>(initial?.view === 'fleet' ? initial.fleet : DEFAULT_FLEET_VIEW_STATE);
  // Where the Settings' Back button returns.
  const [returnRoute, setReturnRoute] = useState<Route | null>(null);

  // A notification's click or a badge asks for the alerts page through the URL's hash.
  const { focus: alertsFocus, follow: followAlerts, leave: leaveAlerts } = useAlertsHash();
  const { focus: complianceFocus, follow: followCompliance, leave: leaveCompliance } = useComplianceHash();

  // Back, Forward, a link or a notification changed the URL: show what it names. Called inside
  // the hash event, so the view and what it focuses on render together.
  const arrive = useCallback(
    (next: Route | null) => {
      if (next?.view === 'alerts') followAlerts(next.alerts);
      if (next?.view === 'compliance') followCompliance(next.compliance);
      if (next?.view === 'node') {
        if (next.nodeId !== null) setLastNodeId(next.nodeId);
        const wanted = next.window;
        setTimeWindow((w) => (windowMatchesRoute(w, wanted) ? w : windowOfRoute(wanted, Date.now())));
      }
      if (next?.view === 'fleet') setFleetState(next.fleet);
    },
    [followAlerts, followCompliance],
  );
  const { route, navigate } = useRoute(arrive);

  const landing = useLandingView();
  const view: View | null = route?.view ?? landing;
  const routeNodeId = route?.view === 'node' ? route.nodeId : lastNodeId;
  // The chosen node (even before its first snapshot), else the first one.
  const node = nodes.find((n) => n.id === routeNodeId) ?? (routeNodeId ? placeholderSummary(routeNodeId) : (nodes[0] ?? null));
  const pickerNodes = node && !nodes.some((n) => n.id === node.id) ? [node, ...nodes] : nodes;
  const [ready, setReady] = useState(false);
  const markReady = useCallback(() => setReady(true), []);

  const nodeRoute = useCallback((nodeId: string | null, window: ChartWindow): Route => ({ view: 'node', nodeId, window: routeWindowOf(window) }), []);
  // The first view, or the node once the list names it: the URL says so without a new entry.
  const nodeIdShown = view === 'node' ? (node?.id ?? null) : null;
  useEffect(() => {
    if (route === null && landing === 'fleet') navigate({ view: 'fleet', fleet: fleetState }, 'replace');
    else if ((route === null && landing === 'node') || (route?.view === 'node' && route.nodeId === null && nodeIdShown !== null)) {
      navigate(nodeRoute(nodeIdShown, timeWindow), 'replace');
    }
  }, [route, landing, nodeIdShown, fleetState, timeWindow, navigate, nodeRoute]);

  // Ticks sent while the event stream was down never arrive: reload history up to now instead.
  const reconnects = useStreamReconnects();
  useEffect(() => {
    if (reconnects > 0) setTimeWindow((w) => (w.custom ? w : windowFor(w.range, Date.now())));
  }, [reconnects]);

  // Zoom, pan, a custom from/to or a preset: the same page, so the URL entry is rewritten.
  const changeWindow = useCallback(
    (next: ChartWindow) => {
      setTimeWindow(next);
      navigate(nodeRoute(node?.id ?? null, next), 'replace');
    },
    [navigate, nodeRoute, node?.id],
  );
  const chooseRange = useCallback((range: RangeId) => changeWindow(windowFor(range, Date.now())), [changeWindow]);

  /** Shows a node: a live window from now (the charts were not listening), a custom one as it is. */
  const showNode = useCallback(
    (nodeId: string | null) => {
      const next = timeWindow.custom ? timeWindow : windowFor(timeWindow.range, Date.now());
      setTimeWindow(next);
      if (nodeId !== null) setLastNodeId(nodeId);
      navigate(nodeRoute(nodeId, next));
    },
    [timeWindow, navigate, nodeRoute],
  );

  const chooseView = useCallback(
    (next: View) => {
      if (next === 'settings' && view !== 'settings' && view !== null) {
        setReturnRoute(route ?? parseRoute(window.location.hash));
      }
      if (next === 'node') showNode(node?.id ?? lastNodeId);
      else if (next === 'fleet') navigate({ view: 'fleet', fleet: fleetState });
      else if (next === 'settings') navigate({ view: 'settings' });
      else if (next === 'alerts' && view !== 'alerts') navigate({ view: 'alerts', alerts: { alertId: null, nodeId: null, gpu: null } });
      else if (next === 'compliance' && view !== 'compliance') navigate({ view: 'compliance', compliance: { runId: null } });
      // After the URL moved on, so these only forget the focus they hold.
      if (next !== 'alerts') leaveAlerts();
      if (next !== 'compliance') leaveCompliance();
    },
    [view, route, node?.id, lastNodeId, fleetState, showNode, navigate, leaveAlerts, leaveCompliance],
  );
  const leaveSettings = useCallback(() => {
    if (returnRoute?.view === 'node') showNode(returnRoute.nodeId);
    else if (returnRoute) navigate(returnRoute);
    else chooseView(landing ?? 'node');
  }, [returnRoute, showNode, navigate, chooseView, landing]);
  const openSettings = useCallback(() => chooseView('settings'), [chooseView]);
  const openFleet = useCallback(() => chooseView('fleet'), [chooseView]);
  const chooseNode = useCallback((nodeId: string) => showNode(nodeId), [showNode]);
  const openNode = useCallback(
    (nodeId: string) => {
      leaveAlerts();
      showNode(nodeId);
      window.scrollTo({ top: 0 });
    },
    [leaveAlerts, showNode],
  );
  const changeFleetState = useCallback(
    (next: FleetViewState) => {
      setFleetState(next);
      navigate({ view: 'fleet', fleet: next }, 'replace');
    },
    [navigate],
  );
  const returnView: Exclude<View, 'settings'> = returnRoute && returnRoute.view !== 'settings' ? returnRoute.view : (landing ?? 'node');

  return (
    <div className="app" data-testid={ready ? 'app-ready' : 'app-loading'} data-view={view ?? 'loading'}>
      <TopBar
        view={view ?? 'node'}
        onViewChange={chooseView}
        nodes={pickerNodes}
        nodeId={node?.id ?? null}
        onNodeChange={chooseNode}
        range={timeWindow.range}
        onRangeChange={chooseRange}
        timeWindow={timeWindow}
        onWindowChange={changeWindow}
        returnView={returnView}
        onLeaveSettings={leaveSettings}
        route={route}
        intervalMs={appInfo.info?.intervalMs ?? DEFAULT_INTERVAL_MS}
      />
      <ConfigBanner info={appInfo.info} />
      <main className="content">
        {appInfo.error && (
          <Notice tone="error" onRetry={appInfo.retry}>
            {appInfo.error}
          </Notice>
        )}
        {view === null && <Notice tone="info">Connecting to the engine…</Notice>}
        {view === 'settings' && (
          <ErrorBoundary area="settings">
            <SettingsPage info={appInfo.info} />
          </ErrorBoundary>
        )}
        {view === 'alerts' && (
          <ErrorBoundary area="alerts page">
            <AlertsPage focus={alertsFocus} onShown={markReady} />
          </ErrorBoundary>
        )}
        {view === 'compliance' && (
          <ErrorBoundary area="compliance page">
            <CompliancePage focus={complianceFocus} onShown={markReady} />
          </ErrorBoundary>
        )}
        {view === 'fleet' && (
          <ErrorBoundary area="fleet page">
            <FleetPage
              mode={appInfo.info?.mode ?? null}
              intervalMs={appInfo.info?.intervalMs ?? DEFAULT_INTERVAL_MS}
              onOpenNode={openNode}
              onShown={markReady}
              viewState={fleetState}
              onViewStateChange={changeFleetState}
            />
          </ErrorBoundary>
        )}
        {view === 'node' && nodesState.error && (
          <Notice tone="error" onRetry={nodesState.reload}>
            {nodesState.error}
          </Notice>
        )}
        {view === 'node' && nodesState.nodes === null && !nodesState.error && <Notice tone="info">Connecting to the engine…</Notice>}
        {view === 'node' && nodesState.nodes !== null && node === null && (
          <Notice tone="info">No node collected yet: the first snapshot appears after the engine&apos;s first tick.</Notice>
        )}
        {view === 'node' && node && (
          <ErrorBoundary area="node page" key={node.id}>
            <NodePage
              node={node}
              timeWindow={timeWindow}
              intervalMs={appInfo.info?.intervalMs ?? DEFAULT_INTERVAL_MS}
              onShown={markReady}
              onOpenFleet={openFleet}
              onWindowChange={changeWindow}
            />
          </ErrorBoundary>
        )}
      </main>
      <StatusBar info={appInfo.info} infoError={appInfo.error} onOpenSettings={openSettings} onOpenFleet={openFleet} />
    </div>
  );
}
