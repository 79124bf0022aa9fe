import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/threads/runtime.js';

describe('LEASEBREAK_CPU_PROF', () => {
  it('unset or empty: workers get a clean execArgv', () => {
    expect(workerExecArgv({})).toEqual([]);
    expect(workerExecArgv({ LEASEBREAK_CPU_PROF: '' })).toEqual([]);
  });

  it('set: a threads run writes one CPU profile per thread into the directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lb-prof-'));
    try {
      const runtime = new URL('../dist/index.js', import.meta.url).href;
      const program = new URL('./fixtures/lease-pair.mjs', import.meta.url).href;
      const script = `
        const { ThreadsRuntime } = await import(${JSON.stringify(runtime)});
        const program = ${JSON.stringify(program)};
        const r = await new ThreadsRuntime().run({
          kernel: { pmemPages: 64, leaseBreakTimeNs: 2e9, files: [{ path: '/pmem/a', size: 4096, uid: 0 }] },
          processes: [{ name: 'holder', program, input: { role: 'holder' } }, { name: 'breaker', program, input: { role: 'breaker' } }],
          barriers: { leased: ['holder', 'breaker'] }, seed: 1, timeLimitNs: 20e9,
        });
        console.log(r.status);`;
      const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, LEASEBREAK_CPU_PROF: dir }, timeout: 60_000 });
      expect(out.stderr).toBe('');
      expect(out.stdout.trim()).toBe('ok');
      const profiles = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
      // The kernel, the lifecycle machines, the holder and the breaker.
      expect(profiles.length).toBeGreaterThanOrEqual(4);
      for (const f of profiles) expect(JSON.parse(readFileSync(join(dir, f), 'utf8'))).toHaveProperty('nodes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
