import { describe, expect, it } from 'vitest';
import { reclaimRunMemory } from '../src/memory.js';

describe('reclaimRunMemory', () => {
  it('does nothing while the array buffers are under the limit', () => {
    let collections = 0;
    expect(reclaimRunMemory(100, () => 100, () => () => collections++)).toBe(false);
    expect(collections).toBe(0);
  });

  it('over the limit: two full collections (the second waits for the first one\'s sweeper); none where gc is forbidden', () => {
    let collections = 0;
    expect(reclaimRunMemory(100, () => 101, () => () => collections++)).toBe(true);
    expect(collections).toBe(2);
    expect(reclaimRunMemory(100, () => 101, () => null)).toBe(false);
  });

  it('frees dead SharedArrayBuffers V8 would leave for later (their size does not press its heap)', async () => {
    const before = process.memoryUsage().arrayBuffers;
    let dead: SharedArrayBuffer[] | null = Array.from({ length: 8 }, () => new SharedArrayBuffer(16 * 1024 * 1024));
    for (const b of dead) new Uint8Array(b).fill(1, 0, 4096);
    // Age their wrappers into the old generation, as a run's buffers are by its end (a few
    // young collections): then only a full collection frees them, not the scavenges that any
    // waiting below would set off.
    const junk: unknown[] = new Array(1024);
    for (let i = 0; i < 4e6; i++) junk[i & 1023] = { i };
    // (Used here, so that they are alive through the loop above.)
    expect(dead.reduce((n, b) => n + b.byteLength, 0)).toBe(128 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers).toBeGreaterThanOrEqual(before + 127 * 1024 * 1024); // (other garbage buffers may go meanwhile)
    dead = null;
    expect(reclaimRunMemory(0)).toBe(true);
    // The backing stores are released by V8's sweeper thread: give it at most 2 s of turns.
    const deadline = performance.now() + 2000;
    while (process.memoryUsage().arrayBuffers >= before + 16 * 1024 * 1024 && performance.now() < deadline) await new Promise((r) => setImmediate(r));
    expect(process.memoryUsage().arrayBuffers).toBeLessThan(before + 16 * 1024 * 1024);
  });
});
