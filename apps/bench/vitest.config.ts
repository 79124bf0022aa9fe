import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Resolve workspace packages to their TypeScript source (the `source` export condition).
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The hang watchdog (vitest.watchdog.mjs): a test stuck in a synchronous loop fails, naming itself.
    setupFiles: [fileURLToPath(new URL('../../vitest.setup.mjs', import.meta.url))],
  },
});
