import { useMemo } from 'react';
import { useServerNow } from '../hooks/useServerNow';
import { countStatuses, progressText, progressTone } from './progress';
import { rowStale } from './rows';
import { useFleetView } from './store';

/**
 * One line on the fleet's connections, from 'nodes:changed': "connecting 37 of 500 · 460 up ·
 * 3 unreachable" while nodes connect, "500 nodes · 500 up" once settled, and how many nodes'
 * values are not current (a frozen server or stream sends no new state). A click opens the fleet.
 */
export function FleetProgress({ onOpenFleet, intervalMs }: { onOpenFleet(): void; intervalMs: number }) {
  const view = useFleetView(250);
  const now = useServerNow(1000);
  const counts = useMemo(() => countStatuses(view.states ?? []), [view.states]);
  if (view.states === null || counts.total <= 1) return null;
  const stale = view.rows.filter((row) => row.status !== 'not-collected' && rowStale(row, now, intervalMs)).length;
  const tone = progressTone(counts, stale);
  const text = progressText(counts, stale);
  return (
    <button
      type="button"
      className="fleet-progress"
      data-testid="fleet-progress"
      data-connecting={counts.byStatus.connecting}
      data-stale={stale}
      title="Open the fleet"
      aria-label={`Fleet: ${text}`}
      onClick={onOpenFleet}
    >
      <span className={`dot dot--${tone}`} aria-hidden="true" />
      {text}
    </button>
  );
}
