/**
 * The lease-lifecycle thread: runs the XState machines (LifecycleDriver) that mirror the kernel's
 * leases, fed in batches by the kernel thread over a MessagePort, at the lowest CPU priority.
 *
 * The machines decide nothing and step in kernel time (each item carries its time; timers are
 * anchored to it and fire only as the items are fed, never on a wall-clock timer), so when they
 * run does not change what they record. Where and when they run does change the model's timing:
 * an XState step costs ~10 µs, three or four per lease break, and the garbage it makes keeps V8's
 * helper threads busy — more CPU than the kernel spends on the break. On a 2-CPU machine that
 * work, even at nice 19, costs a lease break about a third of its median. So the batches are only
 * queued while the run goes on, and fed when the run ends (finish), or once BACKLOG_MAX items are
 * waiting, which bounds the memory a long run holds here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { type LeaseItem, LifecycleDriver, ManualClock } from '@leasebreak/model';
import { EventRing } from '@leasebreak/trace';
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
  /** The run's end in kernel time (ns): machine timers due by then fire; null if unknown. */
  readonly endNs: number | null;
}

/** Items held before they are fed while the run goes on (~200 B each). */
export const BACKLOG_MAX = 1 << 16;

const d = workerData as LifecycleWorkerData;
lowerThisThread();
/**
 * Kernel time that moves only when told: the driver fires the machines' timers as it is fed
 * (each item's time), and the finish moves the clock to the run's end.
 */
const clock = new ManualClock();
const driver = new LifecycleDriver(clock, new EventRing(d.ring));
let fed = 0;
let finishing: FinishMessage | null = null;

const backlog: LeaseItem[][] = [];
let backlogItems = 0;

function feedBacklog(): void {
  for (const items of backlog) driver.feed(items);
  backlog.length = 0;
  backlogItems = 0;
}

function finishIfReady(): void {
  if (finishing === null || fed < finishing.batches) return;
  feedBacklog();
  driver.feed(finishing.items);
  if (finishing.endNs !== null && finishing.endNs > clock.now()) clock.advanceTo(finishing.endNs);
  driver.stop();
  d.leasePort.close();
  parentPort!.postMessage({ type: 'finished' });
  finishing = null;
}

d.leasePort.on('message', (items: LeaseItem[]) => {
  backlog.push(items);
  backlogItems += items.length;
  if (backlogItems >= BACKLOG_MAX) feedBacklog();
  fed++;
  finishIfReady();
});
parentPort!.on('message', (m: FinishMessage) => {
  finishing = m;
  finishIfReady();
});
