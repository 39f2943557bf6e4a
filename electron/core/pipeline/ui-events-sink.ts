/** Each snapshot of the tick to the windows and the HTTP event stream. */
import type { EngineEvents } from '../events';
import type { TickSink } from './tick-pipeline';

export function uiEventsSink(events: EngineEvents): TickSink {
  return {
    name: 'ui-events',
    write(tick) {
      for (const snapshot of tick.snapshots) events.emit('snapshot:collected', snapshot);
    },
  };
}
