import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { NodeSummary } from '../../../shared/model/node';
import { fleetStore } from '../fleet/store';

export interface NodesState {
  /** null until the first answer. */
  nodes: NodeSummary[] | null;
  error: string | null;
  reload(): void;
}

const subscribe = (listener: () => void) => fleetStore.subscribe(listener);
const nodeList = () => fleetStore.nodeList();
const nodeListError = () => fleetStore.nodeListError();

/**
 * The node list from the fleet store: 'nodes:list' once at start, then nodes that join (before
 * the engine's first tick the list is empty; SSH nodes join later) come with their snapshots.
 * The list keeps its identity while nothing in it changes, so ticks do not re-render the app.
 */
export function useNodes(): NodesState {
  useEffect(() => fleetStore.start(), []);
  const nodes = useSyncExternalStore(subscribe, nodeList);
  const error = useSyncExternalStore(subscribe, nodeListError);
  const reload = useCallback(() => fleetStore.reload(), []);
  return { nodes, error, reload };
}
