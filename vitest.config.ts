import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Unit and integration tests (Node). End-to-end tests have their own config: vitest.e2e.config.ts.
// Two projects: plain TypeScript, and the renderer's rune modules (`*.svelte.ts`, tested in `*.svelte.test.ts`), which
// the Svelte compiler turns into JavaScript and which run on Svelte's client runtime (the 'browser' condition).
export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: ['**/*.svelte.test.ts', '**/node_modules/**'],
        },
      },
      {
        extends: true,
        plugins: [svelte({ configFile: false })],
        resolve: { conditions: ['browser'] },
        test: { name: 'runes', include: ['test/unit/**/*.svelte.test.ts'] },
      },
    ],
  },
});
