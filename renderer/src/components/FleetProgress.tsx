import { useMemo } from 'react';
import { countStatuses, progressText, progressTone } from '../fleet/model';
import { useFleetView } from '../fleet/store';

/**
 * One line on the fleet's connections, from 'nodes:changed': "connecting 37 of 500 · 460 up ·
 * 3 unreachable" while nodes connect, "500 nodes · 500 up" once settled. A click opens the fleet.
 */
export function FleetProgress({ onOpenFleet }: { onOpenFleet(): void }) {
  const view = useFleetView(250);
  const counts = useMemo(() => countStatuses(view.states ?? []), [view.states]);
  if (view.states === null || counts.total <= 1) return null;
  const tone = progressTone(counts);
  const text = progressText(counts);
  return (
    <button
      type="button"
      className="fleet-progress"
      data-testid="fleet-progress"
      data-connecting={counts.byStatus.connecting}
      title="Open the fleet"
      aria-label={`Fleet: ${text}`}
      onClick={onOpenFleet}
    >
      <span className={`dot dot--${tone}`} aria-hidden="true" />
      {text}
    </button>
  );
}
