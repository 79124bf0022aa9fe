/**
 * A watchdog for a test process: a thread of its own that ends the process, saying which test
 * was running, once the main thread has not turned its event loop for `hangMs`. A test that
 * blocks its main thread for ever (a synchronous loop waiting on another thread) defeats every
 * vitest timeout, and the whole run would then hang until CI kills it, saying nothing: this
 * turns it into a failed test file with a message. Plain JavaScript, so a bare `node` can load
 * it (test/watchdog.test.ts does).
 */
import { Worker } from 'node:worker_threads';

const DOG = new URL('./vitest.watchdog.worker.mjs', import.meta.url);

/**
 * Start the watchdog (once per process: later calls return the same one). The main thread beats
 * every `hangMs / 8` ms from a timer; `setName` records the test running, in shared memory, so
 * the watchdog can name it while the main thread is stuck.
 */
export function startWatchdog(hangMs) {
  const key = Symbol.for('leasebreak.test-watchdog');
  if (globalThis[key] !== undefined) return globalThis[key];
  const beat = new Int32Array(new SharedArrayBuffer(4));
  const name = new Uint8Array(new SharedArrayBuffer(512));
  const w = new Worker(DOG, { execArgv: [], workerData: { beat: beat.buffer, name: name.buffer, hangMs } });
  w.unref();
  setInterval(() => Atomics.add(beat, 0, 1), Math.max(10, hangMs / 8)).unref();
  const enc = new TextEncoder();
  const dog = {
    setName(s) {
      name.fill(0);
      enc.encodeInto(s.slice(0, 200), name);
    },
  };
  globalThis[key] = dog;
  return dog;
}
