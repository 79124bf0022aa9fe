/**
 * The kernel's notion of time, injected by the runtime: real time under threads, virtual time
 * under the deterministic runtime. The model never calls setTimeout itself.
 * Times are nanoseconds (a Number: exact to 2^53 ns, about 104 days).
 */

export type TimerHandle = number;

export interface Clock {
  /** Nanoseconds since the run started. */
  now(): number;
  /** Call `fn` once the clock reaches `atNs` (at once, asynchronously, if already past). */
  setTimer(atNs: number, fn: () => void): TimerHandle;
  clearTimer(h: TimerHandle): void;
}

/**
 * A clock that moves only when told to (tests, and the base of the deterministic runtime).
 * Timers fire in deadline order, ties in creation order.
 */
export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, { at: number; fn: () => void; seq: number }>();

  now(): number {
    return this.t;
  }

  setTimer(atNs: number, fn: () => void): TimerHandle {
    const h = ++this.seq;
    this.timers.set(h, { at: atNs, fn, seq: h });
    return h;
  }

  clearTimer(h: TimerHandle): void {
    this.timers.delete(h);
  }

  /** The earliest pending deadline, or null. */
  nextDeadline(): number | null {
    let best: number | null = null;
    for (const x of this.timers.values()) if (best === null || x.at < best) best = x.at;
    return best;
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Move to `atNs` (never backwards), firing every timer due on the way, in order. */
  advanceTo(atNs: number): void {
    if (atNs < this.t) throw new RangeError(`ManualClock: time cannot go back (${atNs} < ${this.t})`);
    for (;;) {
      let due: { h: TimerHandle; at: number; fn: () => void; seq: number } | null = null;
      for (const [h, x] of this.timers) if (x.at <= atNs && (due === null || x.at < due.at || (x.at === due.at && x.seq < due.seq))) due = { h, ...x };
      if (due === null) break;
      this.timers.delete(due.h);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = atNs;
  }

  advanceBy(ns: number): void {
    this.advanceTo(this.t + ns);
  }
}
