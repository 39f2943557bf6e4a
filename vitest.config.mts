import { defineConfig } from 'vitest/config';

// Three suites: unit (pure, fast), integration (real SQLite files, child processes, a fake
// nvidia-smi on PATH, the built CLI), e2e (Debian's Chromium against `serve`).
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
        },
      },
    ],
  },
});
