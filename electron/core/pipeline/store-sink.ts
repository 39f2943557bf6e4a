/** The tick's snapshots into the telemetry store, then one small step of retention and compaction. */
import type { Fleet } from '../fleet';
import type { TelemetryStore } from '../store/telemetry-store';
import type { TickSink } from './tick-pipeline';

export const STORE_SINK = 'store';

export function storeSink(store: TelemetryStore, fleet: Fleet): TickSink {
  return {
    name: STORE_SINK,
    write(tick) {
      store.writeTick(tick.snapshots);
      // A node past its series budget carries a note saying so (shared/model/limits.ts).
      for (const snapshot of tick.snapshots) fleet.setStoreNote(snapshot.id, store.seriesNote(snapshot.id));
      store.maintain(tick.nowMs);
    },
  };
}
