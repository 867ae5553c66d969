// Shared Vitest settings. Plain ESM JavaScript so that every package can load it without a build step.
import { defineConfig, mergeConfig } from 'vitest/config';

/** Settings every package shares: Node environment, tests under test/, v8 coverage of src/. */
export const base = defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // The JSON report feeds tooling/scripts/test-summary.mjs, which prints CI's closing tally.
    reporters: ['default', ['json', { outputFile: '.reports/vitest.json' }]],
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
    },
  },
});

/**
 * Build a package's Vitest config on top of the shared base.
 * @param {import('vitest/config').ViteUserConfig} [overrides]
 */
export function definePackageConfig(overrides = {}) {
  return mergeConfig(base, overrides);
}
