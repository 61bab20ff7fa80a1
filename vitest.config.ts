import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Rootless-only tests: scripts/test-rootless.sh runs them as an unprivileged user (vitest.rootless.config.ts).
    exclude: [...configDefaults.exclude, 'test/rootless/**'],
    testTimeout: 30_000,
  },
});
