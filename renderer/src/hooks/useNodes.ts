import { useCallback, useEffect, useRef, useState } from 'react';
import type { NodeSummary } from '../../../shared/model/node';
import { api } from '../api';
import { describeError } from '../errors';
import { onSnapshot } from '../live';

export interface NodesState {
  /** null until the first answer. */
  nodes: NodeSummary[] | null;
  error: string | null;
  reload(): void;
}

/**
 * 'nodes:list', asked again whenever a snapshot arrives from a node not yet listed: before the
 * engine's first tick the list is empty, and SSH nodes may join later.
 */
export function useNodes(): NodesState {
  const [nodes, setNodes] = useState<NodeSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const known = useRef(new Set<string>());
  const loading = useRef(false);

  const reload = useCallback(() => {
    if (loading.current) return;
    loading.current = true;
    api
      .call('nodes:list', {})
      .then(
        (list) => {
          known.current = new Set(list.map((n) => n.id));
          setNodes(list);
          setError(null);
        },
        (reason: unknown) => setError(`Could not list nodes: ${describeError(reason)}`),
      )
      .finally(() => {
        loading.current = false;
      });
  }, []);

  useEffect(() => {
    reload();
    return onSnapshot((snapshot) => {
      if (!known.current.has(snapshot.id)) reload();
    });
  }, [reload]);

  return { nodes, error, reload };
}
