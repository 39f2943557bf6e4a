/**
 * The storage benchmark's workloads: a telemetry CSV, or the TypeScript generator directly (the
 * baselines, when gen_telemetry.py cannot run). The measured Tsdb run itself is the app's own
 * (electron/server/store-bench/tsdb-run.ts), and it reads CSV only: the generator's data is
 * written to CSV first (generator-csv.ts).
 */
import type { TickHandler } from '../electron/server/store-bench/csv-ticks';
import { csvFeed, driveFeed, type CsvSource, type Feed, type WorkloadShape } from '../electron/server/store-bench/tsdb-run';
import { TelemetryGenerator } from './telemetry-generator';

export type SourceSpec = CsvSource | { type: 'generator'; nodes: number; hours: number; seed: string };

/** The generator as a feed: `hours` of ticks of `nodes` nodes. */
function generatorFeed(source: { nodes: number; hours: number; seed: string }): Feed {
  return (handler, stop) => {
    const generator = new TelemetryGenerator({ nodes: source.nodes, seed: source.seed });
    const ids = Int32Array.from(generator.series, (s) => handler.series(s.key));
    const values = new Float64Array(generator.series.length);
    const total = generator.ticksIn(source.hours);
    for (let i = 0; i < total && !stop(); i += 1) {
      const t = generator.next(values);
      handler.tick(t, ids, values);
    }
    return { bytes: null };
  };
}

/**
 * Feeds a workload to a tick handler, up to `maxTicks` ticks; returns the shape of what it fed.
 * Everything it does besides calling the handler (reading, parsing, generating) is off the clock.
 */
export function driveSource(source: SourceSpec, handler: TickHandler, maxTicks = Infinity): WorkloadShape {
  return driveFeed(source.type === 'csv' ? csvFeed(source.path) : generatorFeed(source), handler, maxTicks);
}
