/**
 * The kernel thread's loop skips event-loop turns on the syscall fast path (a turn costs as much
 * as a null syscall). Control calls (Comlink: collect) arrive only through the event loop, so the
 * loop must still turn for them while syscalls keep it busy, or a run could never end.
 */
import { describe, expect, it } from 'vitest';
import { type RunSpec, ThreadsRuntime } from '../src/index.js';

const loop = new URL('./fixtures/syscall-loop.mjs', import.meta.url).href;

describe('kernel thread loop (threads)', () => {
  it('answers collect while a daemon keeps it busy with back-to-back syscalls', { timeout: 60_000 }, async () => {
    const spec: RunSpec = {
      kernel: { pmemPages: 16, files: [] },
      processes: [
        { name: 'busy', program: loop, input: { mode: 'loop' }, daemon: true },
        { name: 'sleeper', program: loop, input: { mode: 'sleep', ns: 200e6 } },
      ],
      barriers: {},
      seed: 1,
      timeLimitNs: 30e9,
      keepEvents: false,
      // Without an event-loop turn the kernel would never take collect: the run would end as an
      // error after this long.
      collectTimeoutMs: 10_000,
    };
    const r = await new ThreadsRuntime().run(spec);
    expect(r.status, r.detail).toBe('ok');
    expect(r.processes.find((p) => p.name === 'sleeper')!.output).toBe('slept');
    // The daemon really was making syscalls when the run ended (its last progress report).
    expect(r.processes.find((p) => p.name === 'busy')!.output as number).toBeGreaterThan(1000);
  });
});
