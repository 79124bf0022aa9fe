/**
 * A Clock on the main thread: the same monotonic origin as every worker, timers on setTimeout.
 * The lease-lifecycle machines run here in the threads runtime (fed by the kernel thread), so
 * their deadline timers fire in real time without touching the kernel thread.
 */
import type { Clock, TimerHandle } from '@leasebreak/model';

export class TimerClock implements Clock {
  private readonly origin: bigint;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, NodeJS.Timeout>();

  constructor(originNs: bigint) {
    this.origin = originNs;
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  setTimer(atNs: number, fn: () => void): TimerHandle {
    const h = ++this.seq;
    const t = setTimeout(() => {
      this.timers.delete(h);
      fn();
    }, Math.max(0, (atNs - this.now()) / 1e6));
    t.unref();
    this.timers.set(h, t);
    return h;
  }

  clearTimer(h: TimerHandle): void {
    const t = this.timers.get(h);
    if (t !== undefined) clearTimeout(t);
    this.timers.delete(h);
  }

  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
