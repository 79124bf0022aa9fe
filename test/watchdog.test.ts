/**
 * The test processes' hang watchdog (vitest.watchdog.mjs): a main thread stuck in a synchronous
 * loop is killed with a message naming the test, instead of hanging the whole run.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const WATCHDOG = fileURLToPath(new URL('../vitest.watchdog.mjs', import.meta.url));

function node(script: string): Promise<{ code: number | null; signal: string | null; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000, killSignal: 'SIGTERM' });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stderr, ms: Date.now() - t0 }));
  });
}

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
