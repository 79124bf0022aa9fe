// The watchdog thread of vitest.watchdog.mjs: kill the process once the main thread's beat has
// not moved for workerData.hangMs, naming the test it was running.
import { writeSync } from 'node:fs';
import { workerData } from 'node:worker_threads';

const beat = new Int32Array(workerData.beat);
const name = new Uint8Array(workerData.name);
let last = Atomics.load(beat, 0);
let since = Date.now();
setInterval(() => {
  const b = Atomics.load(beat, 0);
  if (b !== last) {
    last = b;
    since = Date.now();
    return;
  }
  if (Date.now() - since < workerData.hangMs) return;
  const end = name.indexOf(0);
  const test = Buffer.from(name.slice(0, end < 0 ? name.length : end)).toString();
  const s = Math.round((Date.now() - since) / 1000);
  writeSync(2, `\ntest watchdog: this test process's main thread has not turned its event loop for ${s} s (a synchronous wait that never ends?); the test running: ${test || '(none yet)'}. Killing the process (SIGKILL).\n`);
  process.kill(process.pid, 'SIGKILL');
}, Math.min(1000, workerData.hangMs / 4));
