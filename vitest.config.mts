import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Suites start real HTTP servers on loopback; forks keep each file's servers and env apart.
    pool: 'forks',
    reporters: ['default', './scripts/summary-reporter.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
