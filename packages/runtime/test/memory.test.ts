import { describe, expect, it } from 'vitest';
import { reclaimRunMemory } from '../src/memory.js';

describe('reclaimRunMemory', () => {
  it('does nothing while the array buffers are under the limit', () => {
    expect(reclaimRunMemory(100, () => 100)).toBe(false);
  });

  it('frees dead SharedArrayBuffers V8 would leave for later (their size does not press its heap)', () => {
    const before = process.memoryUsage().arrayBuffers;
    let dead: SharedArrayBuffer[] | null = Array.from({ length: 8 }, () => new SharedArrayBuffer(16 * 1024 * 1024));
    for (const b of dead) new Uint8Array(b).fill(1, 0, 4096);
    expect(process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(before + 128 * 1024 * 1024);
    dead = null;
    expect(reclaimRunMemory(0)).toBe(true);
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(before + 16 * 1024 * 1024);
  });
});
