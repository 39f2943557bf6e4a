// kill -9 of a writer process at random moments, 20 times over one database (the benchmark,
// `npm run bench -- crash`, runs 100): see test/helpers/crash-writer.ts.
import { describe, expect, it } from 'vitest';
import { runBenchCli } from '../helpers/bench-cli';
import { type CrashBenchResult, runCrashRounds, TICKS_BEFORE_KILL_TIMER } from '../helpers/crash-writer';

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
    expect(result.acknowledgedTicks).toBeGreaterThanOrEqual(20 * TICKS_BEFORE_KILL_TIMER);
    expect(result.acknowledgedTicks).toBeGreaterThan(1000);
  }, 240_000);
});

describe('npm run bench -- crash', () => {
  it('runs --kills rounds through the built benchmark CLI and reports them as JSON', () => {
    const run = runBenchCli(['crash', '--kills', '3', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const { crash } = JSON.parse(run.stdout) as { crash: CrashBenchResult };
    expect(crash.rounds).toHaveLength(3);
    expect(crash.failures).toBe(0);
    expect(crash.acknowledgedTicks).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a round count that is not a positive integer', () => {
    const run = runBenchCli(['crash', '--kills', '0']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--kills must be a positive integer/);
  });
});
