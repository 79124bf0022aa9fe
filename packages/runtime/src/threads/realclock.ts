/**
 * The kernel thread's clock: real monotonic time (process.hrtime, one clock for every thread)
 * with timers kept in a list the kernel loop runs itself, so the loop can sleep in Atomics.wait
 * exactly until the next deadline or the next doorbell.
 */
import type { Clock, TimerHandle } from '@leasebreak/model';

export class RealClock implements Clock {
  private readonly origin: bigint;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, { at: number; fn: () => void }>();

  constructor(originNs: bigint) {
    this.origin = originNs;
  }

  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }

  setTimer(atNs: number, fn: () => void): TimerHandle {
    const h = ++this.seq;
    this.timers.set(h, { at: atNs, fn });
    return h;
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete(h);
  }

  nextDeadline(): number | null {
    let best: number | null = null;
    for (const t of this.timers.values()) if (best === null || t.at < best) best = t.at;
    return best;
  }

  /** Fire every timer that is due, earliest first. Return: how many fired. */
  runDue(): number {
    let n = 0;
    for (;;) {
      const now = this.now();
      let due: [TimerHandle, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= now && (due === null || e[1].at < due[1].at)) due = e;
      if (due === null) return n;
      this.timers.delete(due[0]);
      due[1].fn();
      n++;
    }
  }
}
