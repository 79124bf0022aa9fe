import { defineConfig } from 'vitest/config';

// One root run over every workspace (`npm test`); each workspace also has its own
// `vitest run` script so `turbo run test` can run and cache them one by one.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'test'],
  },
});
