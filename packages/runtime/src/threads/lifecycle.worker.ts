/**
 * The lease-lifecycle thread: runs the XState machines (LifecycleDriver) that mirror the kernel's
 * leases, fed in batches by the kernel thread over a MessagePort, at the lowest CPU priority.
 *
 * The machines decide nothing and step in kernel time (each item carries its time; timers are
 * anchored to it), so when they run does not change what they record. Where they run does change
 * the model's timing: an XState step costs ~10 µs, four per lease break, more CPU than the kernel
 * spends on the break. On the main thread, at normal priority, that work took a CPU from the
 * kernel, holder and breaker threads on a small machine and doubled the break's median. Here it
 * runs at nice 19: it gets a CPU when one is idle, and yields at once when a model thread wakes.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { type LeaseItem, LifecycleDriver } from '@leasebreak/model';
import { EventRing } from '@leasebreak/trace';
import { TimerClock } from './timerclock.js';
import { lowerThisThread } from './priority.js';

export interface LifecycleWorkerData {
  readonly originNs: string;
  /** The kernel thread's end of this port posts LeaseItem[] batches. */
  readonly leasePort: MessagePort;
  /** This thread's event ring: the machines' `lease.transition` events. */
  readonly ring: SharedArrayBuffer;
}

/** From the main thread: the items the kernel had not posted yet, and how many batches it did. */
export interface FinishMessage {
  readonly type: 'finish';
  readonly items: readonly LeaseItem[];
  readonly batches: number;
}

const d = workerData as LifecycleWorkerData;
lowerThisThread();
const clock = new TimerClock(BigInt(d.originNs));
const driver = new LifecycleDriver(clock, new EventRing(d.ring));
let fed = 0;
let finishing: FinishMessage | null = null;

function finishIfReady(): void {
  if (finishing === null || fed < finishing.batches) return;
  driver.feed(finishing.items);
  driver.stop();
  clock.clearAll();
  d.leasePort.close();
  parentPort!.postMessage({ type: 'finished' });
  finishing = null;
}

d.leasePort.on('message', (items: LeaseItem[]) => {
  driver.feed(items);
  fed++;
  finishIfReady();
});
parentPort!.on('message', (m: FinishMessage) => {
  finishing = m;
  finishIfReady();
});
