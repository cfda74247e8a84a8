import { defineConfig } from 'vitest/config';

// End-to-end tests: the built web renderer served by `kps serve`, driven in Debian's Chromium through playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
});
