/**
 * One AbortSignal serves every run of a matrix (Ctrl-C stops them all): each run's listener must
 * go when the run ends, or they pile up (Node warns at 11: MaxListenersExceededWarning).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { type RunSpec, ThreadsRuntime } from '../src/index.js';

const program = new URL('./fixtures/emitter.mjs', import.meta.url).href;
const spec: RunSpec = { kernel: { pmemPages: 16, files: [] }, processes: [{ name: 'a', program, input: { notes: 1, end: 'return' } }], barriers: {}, seed: 1, timeLimitNs: 10e9 };

describe('threads runtime and the abort signal', () => {
  it('removes its abort listener when a run ends', { timeout: 60_000 }, async () => {
    const ac = new AbortController();
    for (let i = 0; i < 3; i++) {
      const r = await new ThreadsRuntime().run(spec, ac.signal);
      expect(r.status).toBe('ok');
      expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    }
  });

  it('still stops a run when the signal fires', { timeout: 60_000 }, async () => {
    const ac = new AbortController();
    ac.abort();
    const r = await new ThreadsRuntime().run(spec, ac.signal);
    expect(r.status).toBe('interrupted');
  });
});
