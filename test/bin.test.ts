/**
 * `npx leasebreak` on a fresh clone: npm links a workspace's bin when it installs (`npm ci`),
 * before anything is built, and skips one whose file does not exist yet — `npx leasebreak` would
 * then ask the registry for a package of that name. The bin is a checked-in shim
 * (apps/cli/bin/leasebreak.js) that runs dist/main.js, or says how to build it.
 */
import { copyFile, lstat, mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SHIM = join(ROOT, 'apps/cli/bin/leasebreak.js');

describe('the leasebreak command (node_modules/.bin)', () => {
  it('is linked by the install, to the checked-in shim, and runs the built CLI', async () => {
    const bin = join(ROOT, 'node_modules/.bin/leasebreak');
    expect((await lstat(bin)).isSymbolicLink()).toBe(true);
    expect(await realpath(bin)).toBe(await realpath(SHIM));
    const r = await run(bin, ['scenarios'], { timeoutMs: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('builtin:truncate-vs-pin');
  });

  it('not built yet: exit 2, saying what to run', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leasebreak-bin-'));
    try {
      await mkdir(join(dir, 'apps/cli/bin'), { recursive: true });
      await copyFile(SHIM, join(dir, 'apps/cli/bin/leasebreak.js'));
      const r = await run(process.execPath, [join(dir, 'apps/cli/bin/leasebreak.js'), 'scenarios'], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not built yet .*dist\/main\.js.*run `npm run build` in /);
      expect(r.stdout).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
