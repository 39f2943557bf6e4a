import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCsvTicks } from '../../../electron/server/store-bench/csv-ticks';
import { writeGeneratorCsv } from '../../../bench/generator-csv';
import { TelemetryGenerator } from '../../../bench/telemetry-generator';
import { tempDir } from '../../helpers/tmp';

describe("the TypeScript generator's workload as CSV", () => {
  it('reads back, through the CSV reader the benchmark uses, as exactly the ticks the generator makes', () => {
    const workload = { nodes: 2, hours: 0.25, seed: 'generator-csv-test' };
    const path = join(tempDir(), 'ts.csv');
    const written = writeGeneratorCsv(path, workload);

    const generator = new TelemetryGenerator({ nodes: workload.nodes, seed: workload.seed });
    const expectedValues = new Float64Array(generator.series.length);
    const ticks = generator.ticksIn(workload.hours);
    expect(ticks).toBe(180);
    expect(written.rows).toBe(ticks * generator.series.length);
    expect(written.bytes).toBe(statSync(path).size);

    const keys: string[] = [];
    let seen = 0;
    let mismatches = 0;
    const stats = readCsvTicks(path, {
      series(key) {
        keys.push(key);
        return keys.length - 1;
      },
      tick(t, ids, values) {
        expect(t).toBe(generator.next(expectedValues));
        ids.forEach((id, i) => {
          // Text has no -0 (a CPU share rounded from a tiny negative prints as 0): compare as numbers.
          const expected = expectedValues[id]!;
          if (values[i] !== expected && !(Number.isNaN(values[i]) && Number.isNaN(expected))) mismatches += 1;
        });
        seen += 1;
      },
    });
    expect(keys).toEqual(generator.series.map((s) => s.key));
    expect(seen).toBe(ticks);
    expect(mismatches).toBe(0);
    expect([stats.rows, stats.ticks, stats.layouts]).toEqual([written.rows, ticks, 1]);
  });
});
