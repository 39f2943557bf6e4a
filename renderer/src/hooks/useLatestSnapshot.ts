import { useEffect, useState } from 'react';
import type { NodeSnapshot } from '../../../shared/model/node';
import { api } from '../api';
import { describeError } from '../errors';
import { newestSnapshot, onSnapshot, recordSnapshot } from '../live';

export interface LatestSnapshotState {
  snapshot: NodeSnapshot | null;
  /** True once 'nodes:latest' answered, so "no data yet" can be told from "still asking". */
  settled: boolean;
  error: string | null;
}

/**
 * A node's newest snapshot: 'nodes:latest' to start, then live events. Only the components
 * using this re-render per tick; charts take their points from the live feed directly.
 */
export function useLatestSnapshot(nodeId: string | null): LatestSnapshotState {
  const [state, setState] = useState<LatestSnapshotState>(() => ({
    snapshot: nodeId ? newestSnapshot(nodeId) : null,
    settled: false,
    error: null,
  }));

  useEffect(() => {
    setState({ snapshot: nodeId ? newestSnapshot(nodeId) : null, settled: false, error: null });
    if (!nodeId) return;
    let current = true;
    const off = onSnapshot((snapshot) => {
      if (snapshot.id === nodeId) setState({ snapshot, settled: true, error: null });
    });
    api.call('nodes:latest', { nodeId }).then(
      (snapshot) => {
        if (!current) return;
        if (snapshot) recordSnapshot(snapshot);
        setState((prev) => ({ ...prev, snapshot: newestSnapshot(nodeId), settled: true, error: null }));
      },
      (reason: unknown) => {
        if (current) setState((prev) => ({ ...prev, settled: true, error: `Could not load the latest snapshot: ${describeError(reason)}` }));
      },
    );
    return () => {
      current = false;
      off();
    };
  }, [nodeId]);

  return state;
}
