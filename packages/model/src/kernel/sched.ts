/**
 * Sleeping in the kernel: wait queues and an interruptible, timed wait (the model of
 * wait_event_interruptible_timeout and friends, include/linux/wait.h). A syscall that must wait
 * awaits `sleepOn`, which resolves when the queue is woken, the deadline passes, or a signal
 * interrupts the sleep; the caller re-checks its condition, as ___wait_event does.
 *
 * Each task sleeps on at most one set of queues at a time (it is blocked in one syscall).
 */
import type { Clock, TimerHandle } from './clock.js';
import type { Task } from './task.js';

export type WakeReason = 'woken' | 'timeout' | 'interrupted' | 'killed';

interface Sleeper {
  readonly clock: Clock;
  readonly task: Task;
  readonly interruptible: boolean;
  readonly killable: boolean;
  readonly queues: readonly WaitQueue[];
  timer: TimerHandle | null;
  resolve(r: WakeReason): void;
}

export class WaitQueue {
  readonly sleepers = new Set<Sleeper>();

  /** wake_up_all(): every sleeper re-checks its condition. */
  wakeUp(): void {
    for (const s of [...this.sleepers]) finish(s, 'woken');
  }

  get empty(): boolean {
    return this.sleepers.size === 0;
  }
}

let wakeups = 0;

/**
 * How many sleeps have ended so far (woken, timed out, interrupted, killed; rw_semaphore grants
 * too), in this thread. A woken sleeper goes on running in microtasks: a runtime that has seen no
 * wake-up since a syscall's answer knows nothing else of the kernel is left running, and may
 * block without first giving the event loop a turn.
 */
export function wakeupCount(): number {
  return wakeups;
}

/** A sleep ended (sched.ts and rwsem.ts). */
export function noteWakeup(): void {
  wakeups++;
}

function finish(s: Sleeper, r: WakeReason): void {
  wakeups++;
  for (const q of s.queues) q.sleepers.delete(s);
  if (s.timer !== null) s.clock.clearTimer(s.timer);
  s.timer = null;
  if (s.task.sleeper === s) s.task.sleeper = null;
  s.resolve(r);
}

/**
 * Sleep on `queues` until woken, until `deadlineNs` (null: no deadline), or — if interruptible —
 * until a signal is pending. A task with a pending signal that would interrupt does not sleep at
 * all (signal_pending() is checked first). A fatal signal ends any sleep ('killed') unless it is
 * not killable (TASK_UNINTERRUPTIBLE proper: I/O in flight).
 */
export function sleepOn(
  clock: Clock,
  task: Task,
  queues: readonly WaitQueue[],
  opts: { deadlineNs: number | null; interruptible: boolean; killable?: boolean },
): Promise<WakeReason> {
  const killable = opts.killable ?? true;
  if (killable && task.dying !== null) return Promise.resolve('killed');
  if (opts.interruptible && task.signals.interruptPending()) return Promise.resolve('interrupted');
  if (opts.deadlineNs !== null && clock.now() >= opts.deadlineNs) return Promise.resolve('timeout');
  return new Promise<WakeReason>((resolve) => {
    const s: Sleeper = { clock, task, interruptible: opts.interruptible, killable, queues, timer: null, resolve };
    for (const q of queues) q.sleepers.add(s);
    task.sleeper = s;
    if (opts.deadlineNs !== null) s.timer = clock.setTimer(opts.deadlineNs, () => finish(s, 'timeout'));
  });
}

/**
 * signal_wake_up(): a signal arrived for `task`. An interruptible sleep ends 'interrupted' when the
 * signal would interrupt it; a fatal signal ends any sleep 'killed'.
 */
export function signalWakeUp(task: Task): void {
  const s = task.sleeper as Sleeper | null;
  if (s === null) return;
  if (task.dying !== null && s.killable) finish(s, 'killed');
  else if (s.interruptible && task.signals.interruptPending()) finish(s, 'interrupted');
}

/** Wake the task's sleep unconditionally (sigtimedwait: a waited-for signal became pending). */
export function wakeTask(task: Task): void {
  const s = task.sleeper as Sleeper | null;
  if (s !== null) finish(s, 'woken');
}
