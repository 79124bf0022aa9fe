import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    // End-to-end runs spawn the CLI (real worker threads): give them room on a loaded 2-core machine.
    testTimeout: 120_000,
  },
});
