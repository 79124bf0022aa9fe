#!/usr/bin/env node
// The `leasebreak` command as npm links it (node_modules/.bin/leasebreak, so `npx leasebreak`).
// A checked-in file, not dist/main.js itself: npm links a workspace's bin at install time
// (`npm ci`), before anything is built, and skips a bin whose file does not exist yet — and
// `npx leasebreak` would then look for a package of that name on the registry.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  const root = fileURLToPath(new URL('../../..', import.meta.url));
  process.stderr.write(`leasebreak: not built yet (no ${fileURLToPath(main)}): run \`npm run build\` in ${root} first (npm start and npm test build it too)\n`);
  process.exit(2);
}
await import(main.href);
