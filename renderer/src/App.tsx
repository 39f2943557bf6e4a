import { useCallback, useEffect, useState } from 'react';
import { ConfigBanner } from './components/ConfigBanner';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Notice } from './components/Notice';
import { StatusBar } from './components/StatusBar';
import { TopBar, type View } from './components/TopBar';
import { useAppInfo } from './hooks/useAppInfo';
import { useNodes } from './hooks/useNodes';
import { useStreamReconnects } from './hooks/useStreamState';
import { OverviewPage } from './pages/OverviewPage';
import { SettingsPage } from './pages/SettingsPage';
import { windowFor, type ChartWindow, type RangeId } from './ranges';

/** Used until 'app:info' answers (or if it fails): the engine's default collection interval. */
const DEFAULT_INTERVAL_MS = 5000;

export function App() {
  const appInfo = useAppInfo();
  const nodesState = useNodes();
  const nodes = nodesState.nodes ?? [];
  const [chosenNodeId, setChosenNodeId] = useState<string | null>(null);
  // The first node until the user picks another (or the picked one disappears).
  const node = nodes.find((n) => n.id === chosenNodeId) ?? nodes[0] ?? null;
  const [timeWindow, setTimeWindow] = useState<ChartWindow>(() => windowFor('5m', Date.now()));
  const [view, setView] = useState<View>('overview');
  const [ready, setReady] = useState(false);
  const markReady = useCallback(() => setReady(true), []);

  // Ticks sent while the event stream was down never arrive: reload history up to now instead.
  const reconnects = useStreamReconnects();
  useEffect(() => {
    if (reconnects > 0) setTimeWindow((w) => windowFor(w.range, Date.now()));
  }, [reconnects]);

  const chooseRange = useCallback((range: RangeId) => setTimeWindow(windowFor(range, Date.now())), []);
  const chooseView = useCallback((next: View) => {
    setView(next);
    // The charts were not listening while the settings were open: load history up to now.
    if (next === 'overview') setTimeWindow((w) => windowFor(w.range, Date.now()));
  }, []);
  const openSettings = useCallback(() => chooseView('settings'), [chooseView]);
  const chooseNode = useCallback(
    (nodeId: string) => {
      setChosenNodeId(nodeId);
      // A fresh window, so every chart of the new node loads history up to now.
      setTimeWindow((w) => windowFor(w.range, Date.now()));
    },
    [],
  );

  return (
    <div className="app" data-testid={ready ? 'app-ready' : 'app-loading'}>
      <TopBar
        view={view}
        onViewChange={chooseView}
        nodes={nodes}
        nodeId={node?.id ?? null}
        onNodeChange={chooseNode}
        range={timeWindow.range}
        onRangeChange={chooseRange}
      />
      <ConfigBanner info={appInfo.info} />
      <main className="content">
        {appInfo.error && (
          <Notice tone="error" onRetry={appInfo.retry}>
            {appInfo.error}
          </Notice>
        )}
        {view === 'settings' && (
          <ErrorBoundary area="settings">
            <SettingsPage info={appInfo.info} />
          </ErrorBoundary>
        )}
        {view === 'overview' && nodesState.error && (
          <Notice tone="error" onRetry={nodesState.reload}>
            {nodesState.error}
          </Notice>
        )}
        {view === 'overview' && nodesState.nodes === null && !nodesState.error && <Notice tone="info">Connecting to the engine…</Notice>}
        {view === 'overview' && nodesState.nodes !== null && node === null && (
          <Notice tone="info">No node collected yet: the first snapshot appears after the engine's first tick.</Notice>
        )}
        {view === 'overview' && node && (
          <ErrorBoundary area="overview" key={node.id}>
            <OverviewPage node={node} timeWindow={timeWindow} intervalMs={appInfo.info?.intervalMs ?? DEFAULT_INTERVAL_MS} onShown={markReady} />
          </ErrorBoundary>
        )}
      </main>
      <StatusBar info={appInfo.info} infoError={appInfo.error} onOpenSettings={openSettings} />
    </div>
  );
}
