/**
 * The MR_BUSY fence (mrFence) against a NIC thread that streams runs back to back: it returns
 * once the run it saw has ended, without waiting for the NIC to stop — and not before.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { MR_TABLE_BYTES, mrTable } from '../src/index.js';

const { MR_BUSY, MR_FENCING, MR_RUNS, mrCell, mrFence } = mrTable;

/** A stand-in NIC: runs of ~200 µs under MR_BUSY, one after the other with no gap, until STOP; it drops MR_BUSY as the NIC does (nic.ts release). */
const STREAMER = `
const { workerData } = require('node:worker_threads');
const t = new Int32Array(workerData.table);
const { busy, runs, fencing, stop } = workerData;
while (Atomics.load(t, stop) === 0) {
  Atomics.add(t, busy, 1);
  const until = performance.now() + 0.2;
  while (performance.now() < until);
  Atomics.add(t, runs, 1);
  Atomics.sub(t, busy, 1);
  if (Atomics.load(t, fencing) > 0) Atomics.notify(t, busy);
}
`;

describe('mrFence', () => {
  it('returns at once when no DMA is in flight', () => {
    const t = new Int32Array(new SharedArrayBuffer(MR_TABLE_BYTES));
    mrFence(t, 3);
    expect(Atomics.load(t, mrCell(3, MR_RUNS))).toBe(0);
    expect(Atomics.load(t, mrCell(3, MR_FENCING))).toBe(0);
  });

  it('waits for the run in flight to end, not for a NIC that keeps starting runs to stop', { timeout: 30_000 }, async () => {
    const buf = new SharedArrayBuffer(MR_TABLE_BYTES);
    const t = new Int32Array(buf);
    const slot = 3;
    const stop = mrCell(slot + 1, 0);
    const w = new Worker(STREAMER, { eval: true, workerData: { table: buf, busy: mrCell(slot, MR_BUSY), runs: mrCell(slot, MR_RUNS), fencing: mrCell(slot, MR_FENCING), stop } });
    try {
      while (Atomics.load(t, mrCell(slot, MR_RUNS)) < 3) await new Promise((r) => setTimeout(r, 1));
      for (let i = 0; i < 20; i++) {
        const busy = Atomics.load(t, mrCell(slot, MR_BUSY));
        const before = Atomics.load(t, mrCell(slot, MR_RUNS));
        mrFence(t, slot);
        // Whatever was in flight when we looked has ended (the streamer never stopped).
        if (busy > 0) expect(Atomics.load(t, mrCell(slot, MR_RUNS))).toBeGreaterThan(before);
        expect(Atomics.load(t, mrCell(slot, MR_FENCING))).toBe(0);
      }
    } finally {
      Atomics.store(t, stop, 1);
      await w.terminate();
    }
  });
});
