import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript source (the `source` export condition).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Property tests (fast-check, hundreds of generated cases each) take 1-4 s alone and several
    // times that on a loaded 2-core machine: vitest's default 5 s made them flaky.
    testTimeout: 60_000,
    // The hang watchdog (vitest.watchdog.mjs): a test stuck in a synchronous loop fails, naming itself.
    setupFiles: [fileURLToPath(new URL('../../vitest.setup.mjs', import.meta.url))],
  },
});
