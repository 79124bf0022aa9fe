import { describe, expect, it } from 'vitest';
import { builtinScenario, loadScenario, runScenario, WORKLOAD_VALIDATORS } from '../src/index.js';

describe('deterministic sweeps', () => {
  it('run in parallel (piscina) and give exactly what the same seeds give one at a time', async () => {
    const s = loadScenario(builtinScenario('insert-vs-dio')!, 'builtin:insert-vs-dio', { workloads: WORKLOAD_VALIDATORS });
    if (!s.ok) throw new Error('builtin does not load');
    const opts = { policies: ['ext4-v3-2018', 'ext4-4.19'], runs: 3, seed: 5, mode: 'deterministic' as const };
    const parallel = await runScenario(s.scenario, opts);
    // onResult keeps the sweep on this thread, one run after another.
    const serial = await runScenario(s.scenario, { ...opts, onResult: () => {} });
    expect(parallel.map((r) => [r.policy, r.seed])).toEqual(serial.map((r) => [r.policy, r.seed]));
    expect(parallel.map((r) => r.events.hash)).toEqual(serial.map((r) => r.events.hash));
    expect(parallel.map((r) => r.outcomes)).toEqual(serial.map((r) => r.outcomes));
    expect(parallel.filter((r) => r.policy === 'ext4-v3-2018').some((r) => r.outcomes.staleOffset > 0)).toBe(true);
  }, 60_000);
});
