/**
 * The test processes' hang watchdog (vitest.watchdog.mjs): a main thread stuck in a synchronous
 * loop is killed with a message naming the test, instead of hanging the whole run.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';

const WATCHDOG = fileURLToPath(new URL('../vitest.watchdog.mjs', import.meta.url));

const node = (script: string) => run(process.execPath, ['--input-type=module', '-e', script], { timeoutMs: 60_000 });

describe('test watchdog', () => {
  it('kills a process whose main thread spins for ever, naming the test that was running', async () => {
    const r = await node(`const { startWatchdog } = await import(${JSON.stringify(WATCHDOG)});
      startWatchdog(1500).setName('a.test.ts > spins');
      for (;;) {}`);
    expect(r.signal).toBe('SIGKILL');
    expect(r.stderr).toMatch(/test watchdog: .*has not turned its event loop for \d+ s.*the test running: a\.test\.ts > spins/);
  });

  it('leaves a process alone that keeps turning its event loop, and does not keep it alive', async () => {
    const r = await node(`const { startWatchdog } = await import(${JSON.stringify(WATCHDOG)});
      startWatchdog(800);
      const until = Date.now() + 3000;
      while (Date.now() < until) await new Promise((res) => setTimeout(res, 50));`);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  });
});
