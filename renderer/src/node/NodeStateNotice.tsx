import { useState } from 'react';
import type { NodeStatus } from '../../../shared/model/inventory';
import { api } from '../api';
import { describeError } from '../errors';
import { isProblem, noDataReason, statusTone, statusWord } from '../fleet/status';
import { fleetStore, useFleetView } from '../fleet/store';
import { formatDateTime } from '../format';
import { Notice } from '../ui/Notice';

/** Statuses where connecting again may help (the engine retries by itself, with back-off). */
const RETRYABLE: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['unreachable', 'auth-failed', 'degraded']);

/**
 * On a node's page: why it is not up, when it is not (the charts then show older data). A node
 * never collected says why there is nothing to show, rather than promising the next collection.
 */
export function NodeStateNotice({ nodeId, hasData, onOpenFleet }: { nodeId: string; hasData: boolean; onOpenFleet(): void }) {
  const view = useFleetView(1000);
  const [retryError, setRetryError] = useState<string | null>(null);
  const state = view.states?.find((s) => s.id === nodeId);
  if (!state) return null;
  const notes = state.notes ?? [];
  // Readings cut at the node bounds: said while it lasts, whatever the status.
  const cut =
    notes.length > 0 ? (
      <Notice tone="warn">
        <span data-testid="node-notes">
          <strong>Some of {state.id}&apos;s readings are not kept:</strong> {notes.join('; ')}.
        </span>
      </Notice>
    ) : null;
  if (state.status === 'up') return cut;
  const tone = statusTone(state.status);
  const neverCollected = !hasData && isProblem(state.status);
  const retry =
    state.kind === 'ssh' && RETRYABLE.has(state.status)
      ? () => {
          setRetryError(null);
          api.call('nodes:retry', { nodeId }).then(
            (next) => fleetStore.applyState(next),
            (reason: unknown) => setRetryError(`Could not retry: ${describeError(reason)}`),
          );
        }
      : undefined;
  return (
    <>
      {cut}
      <Notice tone={tone === 'error' ? 'error' : tone === 'warn' ? 'warn' : 'info'} onRetry={retry}>
        <span data-testid="node-state" data-status={state.status} data-never-collected={String(neverCollected)}>
          {neverCollected ? (
            <>
              <strong>
                Nothing collected from {state.id} yet: {noDataReason(state)}
              </strong>
              {state.since !== null && ` (${statusWord(state.status)} since ${formatDateTime(state.since)})`}
              {state.lastError && `: ${state.lastError}`}.{retry && ' Clusterdeck keeps trying on its own; Retry connects now.'}
            </>
          ) : (
            <>
              <strong>
                {state.id} is {statusWord(state.status)}
              </strong>
              {state.since !== null && ` since ${formatDateTime(state.since)}`}
              {state.lastError && `: ${state.lastError}`}
            </>
          )}
        </span>
        {retryError && <span className="notice__detail"> {retryError}</span>}
        {state.hostKey && (
          <>
            {' '}
            <button type="button" className="link-button" onClick={onOpenFleet}>
              Review its host key on the fleet page
            </button>
          </>
        )}
      </Notice>
    </>
  );
}
