import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { pinThread, threadId } from '../src/pin.js';

const linux = process.platform === 'linux';
const hasTaskset = linux && spawnSync('taskset', ['-V']).status === 0;

/** A thread's allowed CPUs, from /proc (the list form, e.g. "0" or "0-1"). */
function allowed(tid: number): string {
  return /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'latin1'))![1]!;
}

describe('thread placement', () => {
  it.runIf(linux)('threadId names this thread: a task of this process, not the process id of a worker', async () => {
    const main = threadId()!;
    expect(main).toBe(process.pid); // the main thread's TID is the PID
    const url = new URL('../dist/pin.js', import.meta.url).href;
    const w = new Worker(`import(${JSON.stringify(url)}).then((m) => require('node:worker_threads').parentPort.postMessage(m.threadId()))`, { eval: true });
    const tid = await new Promise<number>((r) => w.once('message', r));
    await w.terminate();
    expect(tid).not.toBe(main);
    expect(tid).toBeGreaterThan(0);
  });

  it.runIf(hasTaskset)('pinThread confines one thread and leaves the others alone', async () => {
    const url = new URL('../dist/pin.js', import.meta.url).href;
    // The worker reports its TID, then stays alive until told to go.
    const code = `const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then((m) => parentPort.postMessage(m.threadId()));
      parentPort.on('message', () => process.exit(0));`;
    const w = new Worker(code, { eval: true });
    const tid = await new Promise<number>((r) => w.once('message', r));
    const before = allowed(process.pid);
    const cpu = Number(before.split(/[-,]/)[0]);
    expect(pinThread(tid, cpu)).toBeNull();
    expect(allowed(tid)).toBe(String(cpu));
    expect(allowed(process.pid)).toBe(before);
    w.postMessage('go');
    await new Promise((r) => w.once('exit', r));
  });

  it.runIf(hasTaskset)('pinThread says why when the thread does not exist', () => {
    expect(pinThread(2 ** 22 + 12345, 0)).toMatch(/taskset -p -c 0 \d+: exit/);
  });
});
