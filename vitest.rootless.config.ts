import { defineConfig } from 'vitest/config';

/** The tests that prove rootless behaviour only as an unprivileged user: scripts/test-rootless.sh runs them. */
export default defineConfig({
  test: {
    include: ['test/rootless/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
