/**
 * The floor: two threads bouncing a word with Atomics.wait/notify (one wake each way). Each
 * thread first reports its TID and waits for word 1 (go), so the bench can place it on a CPU.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { threadId } from './pin.js';

const { buf, role, n } = workerData as { buf: SharedArrayBuffer; role: 0 | 1; n: number };
const w = new Int32Array(buf);
parentPort!.postMessage({ tid: threadId() });
while (Atomics.load(w, 1) === 0) Atomics.wait(w, 1, 0);
const samples: number[] = [];
for (let i = 0; i < n; i++) {
  if (role === 0) {
    const t0 = process.hrtime.bigint();
    Atomics.store(w, 0, 1);
    Atomics.notify(w, 0);
    while (Atomics.load(w, 0) === 1) Atomics.wait(w, 0, 1);
    samples.push(Number(process.hrtime.bigint() - t0));
  } else {
    while (Atomics.load(w, 0) === 0) Atomics.wait(w, 0, 0);
    Atomics.store(w, 0, 0);
    Atomics.notify(w, 0);
  }
}
parentPort!.postMessage({ samples });
