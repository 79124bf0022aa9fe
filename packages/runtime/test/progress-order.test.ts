/**
 * A daemon's output is its last progress report. Messages from two threads reach the main thread
 * in no set order, so the run takes every report already posted (receiveMessageOnPort) when it
 * decides an outcome: a report a daemon posted before a completion that another process saw and
 * then exited on is never lost.
 */
import { describe, expect, it } from 'vitest';
import { ThreadsRuntime } from '../src/index.js';

describe('process outcomes (threads)', () => {
  const fixture = new URL('./fixtures/progress-order.mjs', import.meta.url).href;
  it("a daemon's output is its last progress posted before the run ended, whichever thread's message came first", { timeout: 120_000 }, async () => {
    for (let run = 0; run < 20; run++) {
      const r = await new ThreadsRuntime().run({
        kernel: { pmemPages: 16, files: [] },
        processes: [
          { name: 'poster', program: fixture, input: { role: 'poster' }, daemon: true },
          { name: 'reader', program: fixture, input: { role: 'reader', until: 2000 } },
        ],
        barriers: {},
        seed: run,
        timeLimitNs: 30e9,
        keepEvents: false,
      });
      expect(r.status, r.detail).toBe('ok');
      const seen = r.processes.find((p) => p.name === 'reader')!.output as number;
      expect(seen).toBeGreaterThanOrEqual(2000);
      expect(r.processes.find((p) => p.name === 'poster')!.output as number).toBeGreaterThanOrEqual(seen);
    }
  });
});
