/**
 * Writes the TypeScript generator's workload as telemetry CSV (`series,ts_ms,value`, time order),
 * the format gen_telemetry.py writes and csv-ticks.ts reads. The storage benchmark ingests both
 * data sets from such files through the same reader, so the engine's figures (its peak RSS above
 * all) do not include the generator's own work and garbage: generating in the measured process
 * added about 50 MB of peak RSS to the same data (252 MB against 205 MB from the file).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { TelemetryGenerator } from './telemetry-generator';

export interface GeneratedCsv {
  path: string;
  bytes: number;
  rows: number;
}

/** Ticks buffered per write: a few MB of text. */
const TICKS_PER_WRITE = 16;

export function writeGeneratorCsv(path: string, workload: { nodes: number; hours: number; seed: string }): GeneratedCsv {
  const generator = new TelemetryGenerator({ nodes: workload.nodes, seed: workload.seed });
  const keys = generator.series.map((s) => s.key);
  const values = new Float64Array(keys.length);
  const ticks = generator.ticksIn(workload.hours);
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const write = (text: string) => {
      const buffer = Buffer.from(text);
      for (let done = 0; done < buffer.length;) done += writeSync(fd, buffer, done);
      bytes += buffer.length;
    };
    write('series,ts_ms,value\n');
    let text = '';
    for (let i = 0; i < ticks; i += 1) {
      const t = generator.next(values);
      for (let k = 0; k < keys.length; k += 1) text += `${keys[k]},${t},${values[k]}\n`;
      if ((i + 1) % TICKS_PER_WRITE === 0) {
        write(text);
        text = '';
      }
    }
    if (text !== '') write(text);
  } finally {
    closeSync(fd);
  }
  return { path, bytes, rows: ticks * keys.length };
}
