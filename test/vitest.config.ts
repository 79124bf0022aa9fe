import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    // The hang watchdog (vitest.watchdog.mjs): a test stuck in a synchronous loop fails, naming itself.
    setupFiles: [fileURLToPath(new URL('../vitest.setup.mjs', import.meta.url))],
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // End-to-end runs spawn the CLI (real worker threads): give them room on a loaded 2-core machine.
    testTimeout: 120_000,
  },
});
