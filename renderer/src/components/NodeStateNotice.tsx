import { statusTone, statusWord } from '../fleet/model';
import { useFleetView } from '../fleet/store';
import { formatDateTime } from '../format';
import { Notice } from './Notice';

/** On a node's page: why it is not up, when it is not (the charts then show older data). */
export function NodeStateNotice({ nodeId, onOpenFleet }: { nodeId: string; onOpenFleet(): void }) {
  const view = useFleetView(1000);
  const state = view.states?.find((s) => s.id === nodeId);
  if (!state || state.status === 'up') return null;
  const tone = statusTone(state.status);
  return (
    <Notice tone={tone === 'error' ? 'error' : tone === 'warn' ? 'warn' : 'info'}>
      <span data-testid="node-state" data-status={state.status}>
        <strong>{state.id} is {statusWord(state.status)}</strong>
        {state.since !== null && ` since ${formatDateTime(state.since)}`}
        {state.lastError && `: ${state.lastError}`}
      </span>
      {state.hostKey && (
        <>
          {' '}
          <button type="button" className="link-button" onClick={onOpenFleet}>
            Review its host key on the fleet page
          </button>
        </>
      )}
    </Notice>
  );
}
