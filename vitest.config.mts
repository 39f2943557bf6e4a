import { defineConfig } from 'vitest/config';

// Three suites: unit (pure, fast), integration (real SQLite files, child processes, a fake
// nvidia-smi on PATH, the built CLI), e2e (Debian's Chromium against `serve`); and the benchmarks
// that need the SSH lab (bench), which only `npm run bench` runs.
export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      // Generous timeouts: CI machines are slow and shared; a test that hangs still fails.
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // expect.poll waits up to 1 s by default: too short for a loaded CI machine.
          expect: { poll: { timeout: 10_000 } },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          expect: { poll: { timeout: 10_000 } },
        },
      },
      // Benchmarks on the SSH lab (`npm run bench -- ssh`, root): minutes each, so `npm test`
      // leaves this project out (scripts/test.mjs passes --project=!bench).
      {
        test: {
          name: 'bench',
          include: ['test/bench/**/*.bench.ts'],
          environment: 'node',
          testTimeout: 3_600_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
