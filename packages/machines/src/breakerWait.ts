/**
 * The breaker's side of a lease break: a task inside fs/locks.c __break_lease().
 *
 *   idle ─start─► signalling ─nonblock─► wouldBlock            (O_NONBLOCK: EWOULDBLOCK)
 *                     │ wait                 ┌─► resumed        (lease_modify woke us)
 *                     ▼                      ├─► timedOut       (timed sleep ended; re-check)
 *                  waiting.{timed|untimed} ──┴─► interrupted    (signal: ERESTARTSYS / EINTR)
 *
 * As with the lease machine, the kernel model decides and this machine mirrors; the only thing it
 * does on its own is end a timed sleep, through the injected clock. After `resumed` or `timedOut`
 * the kernel reaps expired leases and, if a conflict remains, sleeps again (`break.wait`: the
 * `goto restart` loop). A restarted syscall (SA_RESTART) or a new attempt sends `break.start`.
 */
import { assign, createActor, setup, type Actor, type SnapshotFrom } from 'xstate';
import { transitionReporter, type ActorHelperOptions } from './clock.js';

export interface BreakerWaitContext {
  id: string;
  /** Timeout of the current/last sleep in ms (the first lease's remaining break time); null = none. */
  timeoutMs: number | null;
  /** break.start count: 1 + syscall restarts. */
  starts: number;
  /** Sleeps entered (each pass of the restart loop). */
  waits: number;
  /** Signal that interrupted the wait, if any. */
  signo: number | null;
}

export type BreakerWaitEvent =
  /** __break_lease found conflicts, marked them and is calling lm_break (SIGIO to holders). */
  | { type: 'break.start' }
  /** Sleep on the first conflicting lease; timeoutMs = its remaining break time, null = untimed. */
  | { type: 'break.wait'; timeoutMs: number | null }
  /** Woken because a lease was modified (lease_modify → locks_wake_up_blocks), or no conflict left. */
  | { type: 'break.wake' }
  /** A signal ended the interruptible sleep. */
  | { type: 'break.signal'; signo?: number }
  /** O_NONBLOCK open: return EWOULDBLOCK after signalling. */
  | { type: 'break.nonblock' };

export interface BreakerWaitInput {
  id: string;
}

/** break.wait from any state where the breaker may (re-)enter the sleep. */
const sleep = [
  { guard: 'untimed', target: '#breaker.waiting.untimed', actions: 'wait' },
  { target: '#breaker.waiting.timed', actions: 'wait' },
] as const;

export const breakerWaitMachine = setup({
  types: {
    context: {} as BreakerWaitContext,
    events: {} as BreakerWaitEvent,
    input: {} as BreakerWaitInput,
  },
  guards: {
    untimed: ({ event }) => event.type === 'break.wait' && event.timeoutMs === null,
  },
  actions: {
    start: assign({ starts: ({ context }) => context.starts + 1, signo: null, timeoutMs: null }),
    wait: assign(({ context, event }) =>
      event.type === 'break.wait' ? { timeoutMs: event.timeoutMs, waits: context.waits + 1 } : {},
    ),
    signal: assign({
      signo: ({ event }) => (event.type === 'break.signal' ? (event.signo ?? null) : null),
    }),
  },
  delays: {
    /** wait_event_interruptible_timeout()'s timeout. */
    breakTimeout: ({ context }) => Math.max(0, context.timeoutMs ?? 0),
  },
}).createMachine({
  id: 'breaker',
  initial: 'idle',
  context: ({ input }) => ({ id: input.id, timeoutMs: null, starts: 0, waits: 0, signo: null }),
  states: {
    idle: {
      on: { 'break.start': { target: 'signalling', actions: 'start' } },
    },
    signalling: {
      on: {
        'break.nonblock': 'wouldBlock',
        'break.wait': sleep,
        // Every conflict went away before we slept (e.g. lm_break deleted the lease).
        'break.wake': 'resumed',
      },
    },
    waiting: {
      initial: 'timed',
      states: {
        timed: { after: { breakTimeout: '#breaker.timedOut' } },
        untimed: {},
      },
      on: {
        'break.wake': 'resumed',
        'break.signal': { target: 'interrupted', actions: 'signal' },
      },
    },
    resumed: {
      on: { 'break.wait': sleep, 'break.start': { target: 'signalling', actions: 'start' } },
    },
    /** The timed sleep ended: the breaker runs time_out_leases() and re-checks. */
    timedOut: {
      on: { 'break.wait': sleep, 'break.start': { target: 'signalling', actions: 'start' } },
    },
    /** EINTR without SA_RESTART; the break stays pending on the leases. */
    interrupted: {
      on: { 'break.start': { target: 'signalling', actions: 'start' } },
    },
    /** EWOULDBLOCK; the holders were still signalled. */
    wouldBlock: {
      on: { 'break.start': { target: 'signalling', actions: 'start' } },
    },
  },
});

export type BreakerWaitSnapshot = SnapshotFrom<typeof breakerWaitMachine>;
export type BreakerWaitActor = Actor<typeof breakerWaitMachine>;

/**
 * createBreakerWaitActor - create and start a breaker actor whose sleep timeout runs on
 * @opts.clock; @opts.onTransition receives every change of state value, stamped with @opts.now().
 */
export function createBreakerWaitActor(opts: ActorHelperOptions): BreakerWaitActor {
  const { onTransition } = opts;
  const actor = createActor(breakerWaitMachine, {
    clock: opts.clock,
    systemId: opts.id,
    input: { id: opts.id },
    ...(onTransition ? { inspect: transitionReporter(onTransition, opts.now) } : {}),
  });
  return actor.start();
}
