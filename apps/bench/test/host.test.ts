import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { buildHostProbe, hostLeaseBreak } from '../src/host.js';

const linux = process.platform === 'linux';
const hasCc = spawnSync('cc', ['--version']).status === 0;

describe('the host kernel lease-break probe (native/lease_break.c)', () => {
  // The holder waits for its handler's F_UNLCK with SIGIO blocked outside sigsuspend; a wait that
  // could miss the signal (pause() after a check) hung one run in a few across two CPUs.
  it.runIf(linux && hasCc)('finishes every run and reports n, p50 ≤ p99 ≤ max and where each side ran', () => {
    const built = buildHostProbe();
    if (!built.ok) throw new Error(built.reason);
    const n = 3000;
    const placements = availableParallelism() > 1 ? [false, true] : [true];
    for (const same of placements) {
      for (let run = 0; run < (same ? 2 : 8); run++) {
        const r = hostLeaseBreak(built.path, n, same, 20_000);
        expect(r.n).toBe(n - n / 10); // the first tenth is warm-up
        expect(r.p50Ns).toBeGreaterThan(0);
        expect(r.p99Ns).toBeGreaterThanOrEqual(r.p50Ns);
        expect(r.maxNs).toBeGreaterThanOrEqual(r.p99Ns);
        expect(r.holderCpu).toBe(0);
        expect(r.breakerCpu).toBe(same ? 0 : 1);
      }
    }
  }, 200_000);
});
