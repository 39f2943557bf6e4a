// kill -9 of a writer process at random moments, 20 times over one database (the benchmark,
// `npm run bench -- crash`, runs 100): see electron/server/bench/crash-bench.ts.
import { describe, expect, it } from 'vitest';
import { runCrashRounds } from '../../electron/server/bench/crash-bench';

describe('crash safety: kill -9 of the writer at random moments', () => {
  it('after every kill the database opens, passes integrity_check, and holds every acknowledged tick with its values', async () => {
    const result = await runCrashRounds({
      rounds: 20,
      onRound: (round, index) => {
        expect(round.integrity, `round ${index}`).toBe('ok');
        expect(round.missing, `round ${index}: acknowledged ticks missing`).toBe(0);
        expect(round.wrongValues, `round ${index}: wrong values`).toBe(0);
      },
    });
    expect(result.failures).toBe(0);
    // The run must have gone through seals of every tier, not only head rows.
    expect(result.chunks.raw).toBeGreaterThan(40 * 5);
    expect(result.chunks.hour).toBeGreaterThan(0);
    expect(result.acknowledgedTicks).toBeGreaterThan(1000);
  });
});
