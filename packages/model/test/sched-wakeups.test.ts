/**
 * wakeupCount: every sleep that ends (woken, timed out, interrupted, killed) and every
 * rw_semaphore grant to a waiter counts one; a sleep that never started and an uncontended lock
 * count none. The threads runtime's kernel loop relies on it to know when a woken syscall may
 * still be running in microtasks.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock, WaitQueue, sleepOn, wakeupCount } from '../src/index.js';
import { RwSem } from '../src/kernel/rwsem.js';
import { Task } from '../src/kernel/task.js';

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await null;
};

describe('wakeupCount', () => {
  it('counts a woken sleep and a timed-out one, not a sleep that returns at once', async () => {
    const clock = new ManualClock();
    const task = new Task(1, 0, 't');
    const q = new WaitQueue();
    const c0 = wakeupCount();
    const woken = sleepOn(clock, task, [q], { deadlineNs: null, interruptible: true });
    expect(wakeupCount()).toBe(c0);
    q.wakeUp();
    expect(wakeupCount()).toBe(c0 + 1);
    expect(await woken).toBe('woken');

    const timed = sleepOn(clock, task, [q], { deadlineNs: 1000, interruptible: true });
    clock.advanceTo(1000);
    expect(await timed).toBe('timeout');
    expect(wakeupCount()).toBe(c0 + 2);

    // Past its deadline already: no sleep, nothing to count.
    expect(await sleepOn(clock, task, [q], { deadlineNs: 500, interruptible: true })).toBe('timeout');
    expect(wakeupCount()).toBe(c0 + 2);
  });

  it('counts a rw_semaphore grant to a waiter, not an uncontended acquire', async () => {
    const sem = new RwSem('i_rwsem');
    const a = new Task(1, 0, 'a');
    const b = new Task(2, 0, 'b');
    const c0 = wakeupCount();
    await sem.downWrite(a);
    expect(wakeupCount()).toBe(c0);
    let got = false;
    const waiter = sem.downRead(b).then(() => (got = true));
    await flush();
    expect(got).toBe(false);
    sem.upWrite();
    expect(wakeupCount()).toBe(c0 + 1);
    await waiter;
    expect(got).toBe(true);
  });
});
