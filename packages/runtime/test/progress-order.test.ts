/**
 * A daemon's output is its last progress report. Messages from two threads reach the main thread
 * in no set order, so the run takes every report already posted (receiveMessageOnPort) when it
 * decides an outcome: a report a daemon posted before a completion that another process saw and
 * then exited on is never lost. The thread is stopped before its reports are drained: a daemon
 * that keeps posting would otherwise keep the (synchronous) drain going for ever.
 *
 * The runs happen in a child process with a time limit: the failure being guarded against is a
 * main thread that never returns to its event loop, which would hang this process, timeouts and all.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

interface Line {
  kind: 'order' | 'flood';
  status: string;
  detail: string | null;
  outputs: Record<string, unknown>;
}

function runChild(timeoutMs: number): Promise<{ code: number | null; signal: string | null; lines: Line[]; stderr: string }> {
  const script = new URL('./fixtures/progress-runs.mjs', import.meta.url);
  const runtime = new URL('../dist/index.js', import.meta.url).href;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script.pathname, runtime], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stderr: err, lines: out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Line) }));
  });
}

describe('process outcomes (threads)', () => {
  it("a daemon's output is its last progress posted before the run ended, whichever thread's message came first; a daemon that never stops posting does not stop the run from ending", { timeout: 150_000 }, async () => {
    const r = await runChild(120_000);
    expect(r.signal, `the runs did not finish within 120 s (${r.lines.length} of 25 done): ${r.stderr}`).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const order = r.lines.filter((l) => l.kind === 'order');
    const flood = r.lines.filter((l) => l.kind === 'flood');
    expect(order).toHaveLength(20);
    expect(flood).toHaveLength(5);
    for (const l of order) {
      expect(l.status, l.detail ?? '').toBe('ok');
      const seen = l.outputs.reader as number;
      expect(seen).toBeGreaterThanOrEqual(2000);
      expect(l.outputs.poster as number).toBeGreaterThanOrEqual(seen);
    }
    for (const l of flood) {
      expect(l.status, l.detail ?? '').toBe('ok');
      expect(l.outputs.sleeper).toBe('slept');
      expect(l.outputs.flood as number).toBeGreaterThan(0);
    }
  });
});
