/**
 * The threads runtime's time limit counts from the start gate (every program loaded), as the
 * deterministic runtime's virtual time does; a program that never finishes loading ends the run
 * as an error after startupTimeoutMs instead of holding the gate shut for ever.
 */
import { describe, expect, it } from 'vitest';
import { type RunSpec, ThreadsRuntime } from '../src/index.js';

const slow = (ms: string): string => new URL(`./fixtures/slow-load.mjs?ms=${ms}`, import.meta.url).href;

function spec(ms: string, extra: Partial<RunSpec> = {}): RunSpec {
  return { kernel: { pmemPages: 16, files: [] }, processes: [{ name: 'slow', program: slow(ms), input: null }], barriers: {}, seed: 1, timeLimitNs: 200e6, ...extra };
}

describe('start gate (threads)', () => {
  it('a program that takes longer to load than the time limit still runs: the limit starts at the gate', { timeout: 30_000 }, async () => {
    const r = await new ThreadsRuntime().run(spec('600'));
    expect(r.status).toBe('ok');
    expect(r.processes[0]!.output).toBe('done');
    expect(r.events.some((e) => e.kind === 'note' && e.text === 'ran')).toBe(true);
  });

  it('a program that never finishes loading: an error after startupTimeoutMs, saying so', { timeout: 30_000 }, async () => {
    const t0 = performance.now();
    const r = await new ThreadsRuntime().run(spec('never', { startupTimeoutMs: 500 }));
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r.status).toBe('error');
    expect(r.detail).toMatch(/did not all load their programs within 0\.5 s/);
  });
});
