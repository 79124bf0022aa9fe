import { getPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { NICE_IDLE, lowerThisThread } from '../src/threads/priority.js';

describe('lowerThisThread', () => {
  it('is a no-op off Linux, where setpriority would name the whole process', () => {
    const before = getPriority();
    expect(lowerThisThread('darwin')).toBe(false);
    expect(getPriority()).toBe(before);
  });

  it.runIf(process.platform === 'linux')('lowers only the calling thread on Linux (per-thread nice under NPTL)', async () => {
    const before = getPriority();
    const url = new URL('../dist/threads/priority.js', import.meta.url).href;
    // The worker lowers itself and reports its own nice; the test's thread must keep its own.
    const code = `const { parentPort } = require('node:worker_threads'); const os = require('node:os');
      import(${JSON.stringify(url)}).then((m) => parentPort.postMessage({ lowered: m.lowerThisThread(), nice: os.getPriority() }));`;
    const w = new Worker(code, { eval: true });
    const r = await new Promise<{ lowered: boolean; nice: number }>((res, rej) => {
      w.once('message', res);
      w.once('error', rej);
    });
    await w.terminate();
    expect(r).toEqual({ lowered: true, nice: NICE_IDLE });
    expect(getPriority()).toBe(before);
  });
});
