/**
 * The transient-pin races through the threads runtime (real workers, real time, real races), for
 * a couple of seeds: the same outcomes per policy as under the deterministic runtime.
 *
 * hungTaskTimeout is lowered to 300 ms for these runs. No syscall here blocks nearly that long
 * (a truncate waits for at most a few 2 ms reads), but the threads kernel loop can go idle with a
 * woken syscall's continuation still queued as a microtask, and then only wakes at its next timer
 * — the watchdog's, 2 s away by default — which would make each run take seconds.
 */
import { describe, expect, test } from 'vitest';
import { builtin, dmaClasses, layoutChanges, runRace } from './race-helpers.js';

const KERNEL = { hungTaskTimeout: 300_000 };
const SEEDS = [1, 2];
const DURATION_US = 150_000;

describe('threads runtime', () => {
  test('truncate-vs-dio, no-break: DMA lands in freed or reused blocks', async () => {
    const s = builtin('truncate-vs-dio');
    let misses = 0;
    for (const seed of SEEDS) {
      const r = await runRace(s, 'no-break', { seed, mode: 'threads', kernel: KERNEL, durationUs: DURATION_US });
      const c = dmaClasses(r);
      misses += c.corruption + c.lostWrite;
      expect(r.audit.fsck).toEqual([]);
    }
    expect(misses).toBeGreaterThan(0);
  }, 20_000);

  test('truncate-vs-dio, ext4-4.19: truncates wait, no DMA misses its block', async () => {
    const s = builtin('truncate-vs-dio');
    for (const seed of SEEDS) {
      const r = await runRace(s, 'ext4-4.19', { seed, mode: 'threads', kernel: KERNEL, durationUs: DURATION_US });
      expect(dmaClasses(r).all).toEqual([]);
      expect(layoutChanges(r, 'truncator').some((e) => e.op === 'truncate' && e.waited && e.errno === null)).toBe(true);
      expect(r.audit.pinsHeld).toBe(0);
    }
  }, 20_000);

  test('insert-vs-dio, ext4-v3-2018: staleOffset (same file, shifted block)', async () => {
    const s = builtin('insert-vs-dio');
    let shifted = 0;
    for (const seed of SEEDS) {
      const r = await runRace(s, 'ext4-v3-2018', { seed, mode: 'threads', kernel: KERNEL, durationUs: DURATION_US });
      const c = dmaClasses(r);
      expect(c.corruption + c.lostWrite).toBe(0);
      for (const d of c.all) expect(d.owner.index).toBeGreaterThan(d.intended.index);
      shifted += c.staleOffset;
    }
    expect(shifted).toBeGreaterThan(0);
  }, 20_000);

  test('insert-vs-dio, ext4-4.19: no DMA misses its block', async () => {
    const r = await runRace(builtin('insert-vs-dio'), 'ext4-4.19', { seed: 1, mode: 'threads', kernel: KERNEL, durationUs: DURATION_US });
    expect(dmaClasses(r).all).toEqual([]);
  }, 20_000);
});
