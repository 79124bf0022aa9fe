/**
 * Polling instead of sleeping, for the threads runtime's hops. A real syscall runs on the
 * caller's CPU and costs no wake-up; the model's kernel is another thread, so entering it would
 * cost one, and so would every answer. The kernel thread therefore polls its doorbell for a
 * while before it sleeps (io_uring's SQPOLL idea) and a caller spins briefly for its answer, so
 * the wake-ups left on a lease break are the ones Linux has too: the holder woken by SIGIO and
 * the breaker woken by the release.
 *
 * Spinning is only a gain while there is a CPU to spare. A gap between two clock readings in a
 * spin loop means the host preempted the spinner — the CPUs are oversubscribed — so the spin
 * stops and the kernel thread stops polling for a while (doubling back-off); and nobody spins
 * while the host has more runnable threads than CPUs (SpareCpuGate).
 */
import { readFileSync } from 'node:fs';

/** A gap this long (ms) between two clock readings in a spin loop: the thread was preempted. */
export const PREEMPTED_MS = 0.1;

export type SpinResult = 'done' | 'timeout' | 'preempted';

/** Spin until `done()` for at most `ms`; the clock is read every 64 checks. */
export function spinUntil(done: () => boolean, ms: number, now: () => number = () => performance.now()): SpinResult {
  let last = now();
  const until = last + ms;
  for (let i = 1; ; i++) {
    if (done()) return 'done';
    if ((i & 63) === 0) {
      const t = now();
      if (t - last > PREEMPTED_MS) return 'preempted';
      if (t >= until) return 'timeout';
      last = t;
    }
  }
}

/**
 * The kernel thread's poll window, adapted as KVM adapts halt polling (virt/kvm/kvm_main.c,
 * grow_halt_poll_ns / shrink_halt_poll_ns): a sleep the doorbell ended within the longest window
 * means polling would have caught it, so the window grows (from GROW_START_MS, doubling); a
 * longer sleep shrinks it (halving, to 0), so an idle or slow-paced run does not burn a CPU.
 * A preempted poll backs off: no polling for BACKOFF_MIN_MS, doubling up to BACKOFF_MAX_MS
 * while it keeps happening, halving again after polls that were not preempted.
 */
export class PollWindow {
  static readonly GROW_START_MS = 0.01;
  static readonly BACKOFF_MIN_MS = 5;
  static readonly BACKOFF_MAX_MS = 1000;
  readonly maxMs: number;
  private windowMs: number;
  private backoffMs = PollWindow.BACKOFF_MIN_MS;
  private backoffUntil = -Infinity;

  constructor(maxMs: number) {
    this.maxMs = Math.max(0, maxMs);
    this.windowMs = this.maxMs;
  }

  /** How long to poll now (ms): 0 while backing off or after the window shrank away. */
  current(nowMs: number): number {
    return nowMs < this.backoffUntil ? 0 : this.windowMs;
  }

  /** Record how a poll ended. */
  polled(result: SpinResult, nowMs: number): void {
    if (result === 'preempted') {
      this.backoffMs = Math.min(PollWindow.BACKOFF_MAX_MS, this.backoffMs * 2);
      this.backoffUntil = nowMs + this.backoffMs;
    } else this.backoffMs = Math.max(PollWindow.BACKOFF_MIN_MS, this.backoffMs / 2);
  }

  /** Record a sleep: whether the doorbell ended it, and how long it lasted (ms). */
  slept(rang: boolean, sleptMs: number): void {
    if (this.maxMs === 0) return;
    const start = Math.min(this.maxMs, PollWindow.GROW_START_MS);
    if (rang && sleptMs <= this.maxMs) this.windowMs = Math.min(this.maxMs, Math.max(start, this.windowMs * 2));
    else if (sleptMs > this.maxMs) this.windowMs = this.windowMs / 2 < start ? 0 : this.windowMs / 2;
  }
}

/** /proc/loadavg, or null where there is none (not Linux, no procfs). */
export function readLoadavg(): string | null {
  try {
    return readFileSync('/proc/loadavg', 'latin1');
  } catch {
    return null;
  }
}

/**
 * Whether the host has a CPU to spare for spinning: the threads runnable right now (the 4th
 * field of /proc/loadavg, "running/total", which counts the reader itself), averaged over the
 * last SAMPLES readings taken at most every sampleMs, are no more than the CPUs this process may
 * use (and there are at least two: the kernel thread's and the caller's). On a busy host
 * a spinner only delays the thread it waits for. Without /proc/loadavg the answer is yes, and
 * the preemption check in spinUntil still applies.
 */
export class SpareCpuGate {
  static readonly SAMPLES = 4;
  private readonly cpus: number;
  private readonly read: () => string | null;
  private readonly sampleMs: number;
  private readonly samples: number[] = [];
  private nextAt = -Infinity;
  private verdict = true;

  constructor(cpus: number, read: () => string | null = readLoadavg, sampleMs = 10) {
    this.cpus = cpus;
    this.read = read;
    this.sampleMs = sampleMs;
  }

  spare(nowMs: number): boolean {
    // One CPU: a spinner always stands in the way of the thread it waits for.
    if (this.cpus < 2) return false;
    if (nowMs < this.nextAt) return this.verdict;
    this.nextAt = nowMs + this.sampleMs;
    const running = Number(/ (\d+)\/\d+ /.exec(this.read() ?? '')?.[1] ?? NaN);
    if (!Number.isFinite(running)) return (this.verdict = true);
    this.samples.push(running);
    if (this.samples.length > SpareCpuGate.SAMPLES) this.samples.shift();
    const mean = this.samples.reduce((a, b) => a + b, 0) / this.samples.length;
    return (this.verdict = mean <= this.cpus);
  }
}
