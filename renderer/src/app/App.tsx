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
import { windowFor, type ChartWindow, type RangeId } from '../ranges';
import { SettingsPage } from '../settings/SettingsPage';
import { Notice } from '../ui/Notice';
import { ConfigBanner } from './ConfigBanner';
import { ErrorBoundary } from './ErrorBoundary';
import { StatusBar } from './StatusBar';
import { TopBar, type View } from './TopBar';

/** Used until 'app:info' answers (or if it fails): the engine's default collection interval. */
const DEFAULT_INTERVAL_MS = 5000;

/**
 * The first view: the fleet when the engine collects more than one node, else that node's
 * overview. Decided once, when the node states first arrive (or cannot be read).
 */
function useLandingView(): View | null {
  const [landing, setLanding] = useState<View | null>(null);
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
  const [chosenNodeId, setChosenNodeId] = useState<string | null>(null);
  // The chosen node (even before its first snapshot), else the first one.
  const node = nodes.find((n) => n.id === chosenNodeId) ?? (chosenNodeId ? placeholderSummary(chosenNodeId) : (nodes[0] ?? null));
  const pickerNodes = node && !nodes.some((n) => n.id === node.id) ? [node, ...nodes] : nodes;
  const [timeWindow, setTimeWindow] = useState<ChartWindow>(() => windowFor('5m', Date.now()));
  const landing = useLandingView();
  const [chosenView, setChosenView] = useState<View | null>(null);
  const view: View | null = chosenView ?? landing;
  const [returnView, setReturnView] = useState<Exclude<View, 'settings'>>('node');
  const [ready, setReady] = useState(false);
  const markReady = useCallback(() => setReady(true), []);

  // Ticks sent while the event stream was down never arrive: reload history up to now instead.
  const reconnects = useStreamReconnects();
  useEffect(() => {
    if (reconnects > 0) setTimeWindow((w) => windowFor(w.range, Date.now()));
  }, [reconnects]);

  const chooseRange = useCallback((range: RangeId) => setTimeWindow(windowFor(range, Date.now())), []);
  // A notification's click or a badge asks for the alerts page through the URL's hash.
  const { focus: alertsFocus, leave: leaveAlerts } = useAlertsHash();
  useEffect(() => {
    if (alertsFocus) setChosenView('alerts');
  }, [alertsFocus]);
  const { focus: complianceFocus, leave: leaveCompliance } = useComplianceHash();
  useEffect(() => {
    if (complianceFocus) setChosenView('compliance');
  }, [complianceFocus]);

  const chooseView = useCallback(
    (next: View) => {
      if (next === 'settings' && view !== 'settings' && view !== null) setReturnView(view);
      if (next !== 'alerts') leaveAlerts();
      if (next !== 'compliance') leaveCompliance();
      setChosenView(next);
      // The charts were not listening while another view was shown: load history up to now.
      if (next === 'node') setTimeWindow((w) => windowFor(w.range, Date.now()));
    },
    [view, leaveAlerts, leaveCompliance],
  );
  const openSettings = useCallback(() => chooseView('settings'), [chooseView]);
  const openFleet = useCallback(() => chooseView('fleet'), [chooseView]);
  const chooseNode = useCallback((nodeId: string) => {
    setChosenNodeId(nodeId);
    // A fresh window, so every chart of the new node loads history up to now.
    setTimeWindow((w) => windowFor(w.range, Date.now()));
  }, []);
  const openNode = useCallback(
    (nodeId: string) => {
      leaveAlerts();
      setChosenNodeId(nodeId);
      setChosenView('node');
      setTimeWindow((w) => windowFor(w.range, Date.now()));
      window.scrollTo({ top: 0 });
    },
    [leaveAlerts],
  );

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
        returnView={returnView}
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
            />
          </ErrorBoundary>
        )}
      </main>
      <StatusBar info={appInfo.info} infoError={appInfo.error} onOpenSettings={openSettings} onOpenFleet={openFleet} />
    </div>
  );
}
