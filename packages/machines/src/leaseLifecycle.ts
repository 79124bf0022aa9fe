/**
 * The lifecycle of one lease slot: one open file description's lease on one inode (fs/locks.c).
 *
 * The machine mirrors what the kernel model decides; it never decides kernel semantics itself.
 * fs/locks.ts sends an event after each change it makes to the lease, so every step is visible in
 * a trace, and the break deadline runs as an `after` timer on the injected clock.
 *
 *   none ─set─► held ─break─► breaking.{timed|untimed} ─(deadline)─► breaking.overdue
 *                 ▲   ◄─downgrade / reap(downgraded)─┘    │ release       │ reap(removed)
 *                 └───────── set (retakes++) ──── released ◄┘    broken ◄─┘
 *
 * Deadlines are absolute clock times, like fl_break_time / fl_downgrade_time; `null` (or 0, the
 * kernel's own "never" sentinel) means lease-break-time ≤ 0: the lease never goes overdue.
 * Expiry is lazy: `breaking.overdue` only says the deadline has passed; the lease goes away when
 * the kernel's time_out_leases() reaps it and sends `lease.reap`.
 */
import { assign, createActor, setup, type Actor, type SnapshotFrom } from 'xstate';
import { transitionReporter, type ActorHelperOptions } from './clock.js';

/** A lease that exists: F_SETLEASE argument other than F_UNLCK. */
export type LeaseType = 'F_RDLCK' | 'F_WRLCK';
/** What a break wants the lease to become: F_UNLCK for a write breaker, F_RDLCK for a reader. */
export type LeaseTarget = 'F_UNLCK' | 'F_RDLCK';

export interface LeaseLifecycleContext {
  id: string;
  /** fl_type while a lease exists, null in none/released/broken. */
  type: LeaseType | null;
  /** FL_LAYOUT (pNFS/DAX layout lease) rather than a plain fcntl lease. */
  layout: boolean;
  /** target_leasetype() while breaking: FL_UNLOCK_PENDING → F_UNLCK, FL_DOWNGRADE_PENDING → F_RDLCK. */
  target: LeaseTarget | null;
  /** Deadline of the current target (absolute ms on the clock); null = no deadline. */
  deadlineMs: number | null;
  /** Clock time of the latest (re-)mark, from lease.break's atMs. */
  markedAtMs: number | null;
  /**
   * fl_downgrade_time: set by a read breaker and never cleared while the lease lives, so an
   * upgrade back to F_WRLCK is undone at the next check (observed on Linux 6.18).
   */
  downgradeDeadlineMs: number | null;
  /** How many times the lease was marked (re-marks included). */
  breaks: number;
  /** How many times a lease was taken again after being released or broken. */
  retakes: number;
}

export type LeaseLifecycleEvent =
  /** F_SETLEASE F_RDLCK/F_WRLCK: take a lease (none/released/broken) or modify the one held. */
  | { type: 'lease.set'; leaseType: LeaseType; layout?: boolean }
  /** lease_modify(fl, arg) on an existing lease; ignored when there is none. */
  | { type: 'lease.modify'; leaseType: LeaseType }
  /** __break_lease marked the lease (and signalled its owner). */
  | { type: 'lease.break'; target: LeaseTarget; deadlineMs: number | null; atMs: number }
  /** F_SETLEASE F_UNLCK, or the last fput of the description. */
  | { type: 'lease.release' }
  /** The holder's F_SETLEASE F_RDLCK: lease_modify(fl, F_RDLCK). */
  | { type: 'lease.downgrade' }
  /** time_out_leases() found a deadline past and removed or downgraded the lease. */
  | { type: 'lease.reap'; outcome: 'removed' | 'downgraded' };

export interface LeaseLifecycleInput {
  id: string;
}

/** Kernel rule: a deadline of 0 means "never" (__break_lease bumps a real 0 to 1). */
const norm = (d: number | null): number | null => (d === null || d === 0 ? null : d);

/** lease_modify's new type for events that change it. */
function newType(e: LeaseLifecycleEvent): LeaseType | undefined {
  if (e.type === 'lease.set' || e.type === 'lease.modify') return e.leaseType;
  if (e.type === 'lease.downgrade' || e.type === 'lease.reap') return 'F_RDLCK';
  return undefined;
}

const freed = {
  type: null,
  layout: false,
  target: null,
  deadlineMs: null,
  markedAtMs: null,
  downgradeDeadlineMs: null,
} as const;

export const leaseLifecycleMachine = setup({
  types: {
    context: {} as LeaseLifecycleContext,
    events: {} as LeaseLifecycleEvent,
    input: {} as LeaseLifecycleInput,
  },
  guards: {
    noDeadline: ({ context }) => context.deadlineMs === null,
    pastDeadline: ({ context }) =>
      context.deadlineMs !== null && context.deadlineMs <= (context.markedAtMs ?? 0),
    /** A writer arriving while a downgrade is pending re-marks it FL_UNLOCK_PENDING. */
    isRemark: ({ context, event }) =>
      event.type === 'lease.break' && event.target === 'F_UNLCK' && context.target === 'F_RDLCK',
    /** lease_clear_pending(fl, F_RDLCK) clears FL_DOWNGRADE_PENDING only, not FL_UNLOCK_PENDING. */
    settlesDowngrade: ({ context, event }) =>
      context.target === 'F_RDLCK' && newType(event) === 'F_RDLCK',
    reapRemoved: ({ event }) => event.type === 'lease.reap' && event.outcome === 'removed',
  },
  actions: {
    take: assign(({ event }) =>
      event.type === 'lease.set'
        ? { ...freed, type: event.leaseType, layout: event.layout ?? false }
        : {},
    ),
    retake: assign({ retakes: ({ context }) => context.retakes + 1 }),
    setType: assign({ type: ({ context, event }) => newType(event) ?? context.type }),
    mark: assign(({ context, event }) => {
      if (event.type !== 'lease.break') return {};
      const deadlineMs = norm(event.deadlineMs);
      return {
        target: event.target,
        deadlineMs,
        markedAtMs: event.atMs,
        breaks: context.breaks + 1,
        downgradeDeadlineMs: event.target === 'F_RDLCK' ? deadlineMs : context.downgradeDeadlineMs,
      };
    }),
    settle: assign({ target: null, deadlineMs: null, markedAtMs: null }),
    free: assign(freed),
  },
  delays: {
    /** Remaining break time at the mark; the `noDeadline` branch never starts this timer. */
    leaseDeadline: ({ context }) =>
      Math.max(0, (context.deadlineMs ?? 0) - (context.markedAtMs ?? 0)),
  },
}).createMachine({
  id: 'lease',
  initial: 'none',
  context: ({ input }) => ({ id: input.id, ...freed, breaks: 0, retakes: 0 }),
  states: {
    none: {
      on: { 'lease.set': { target: 'held', actions: 'take' } },
    },
    held: {
      on: {
        // generic_add_lease finds our own lease: lease_modify (upgrade or downgrade).
        'lease.set': { actions: 'setType' },
        'lease.modify': { actions: 'setType' },
        'lease.downgrade': { actions: 'setType' },
        'lease.break': { target: 'breaking', actions: 'mark' },
        'lease.release': { target: 'released', actions: 'free' },
        // A stale fl_downgrade_time undoing an upgrade; removal only if the kernel says so.
        'lease.reap': [
          { guard: 'reapRemoved', target: 'broken', actions: 'free' },
          { actions: 'setType' },
        ],
      },
    },
    breaking: {
      initial: 'marked',
      states: {
        /** Transient: pick the substate from the deadline just marked. */
        marked: {
          always: [
            { guard: 'noDeadline', target: 'untimed' },
            { guard: 'pastDeadline', target: 'overdue' },
            { target: 'timed' },
          ],
        },
        /** lease-break-time ≤ 0: the breaker waits until the holder gives the lease up. */
        untimed: {},
        timed: { after: { leaseDeadline: 'overdue' } },
        /** Deadline passed, not yet reaped: time_out_leases() runs lazily. */
        overdue: {},
      },
      on: {
        'lease.break': { guard: 'isRemark', target: 'breaking', reenter: true, actions: 'mark' },
        // F_SETLEASE during a break: lease_modify; only F_RDLCK toward F_RDLCK settles it, and
        // a lease pending F_UNLCK stays doomed whatever the holder sets.
        'lease.set': [
          { guard: 'settlesDowngrade', target: 'held', actions: ['setType', 'settle'] },
          { actions: 'setType' },
        ],
        'lease.modify': [
          { guard: 'settlesDowngrade', target: 'held', actions: ['setType', 'settle'] },
          { actions: 'setType' },
        ],
        'lease.downgrade': [
          { guard: 'settlesDowngrade', target: 'held', actions: ['setType', 'settle'] },
          { actions: 'setType' },
        ],
        'lease.release': { target: 'released', actions: 'free' },
        // time_out_leases: lease_modify(F_UNLCK) past fl_break_time, F_RDLCK past fl_downgrade_time.
        'lease.reap': [
          { guard: 'reapRemoved', target: 'broken', actions: 'free' },
          { guard: 'settlesDowngrade', target: 'held', actions: ['setType', 'settle'] },
          { actions: 'setType' },
        ],
      },
    },
    /** Given up by the holder (F_UNLCK or last close). */
    released: {
      on: { 'lease.set': { target: 'held', actions: ['take', 'retake'] } },
    },
    /** Forcibly removed at the deadline. */
    broken: {
      on: { 'lease.set': { target: 'held', actions: ['take', 'retake'] } },
    },
  },
});

export type LeaseLifecycleSnapshot = SnapshotFrom<typeof leaseLifecycleMachine>;
export type LeaseActor = Actor<typeof leaseLifecycleMachine>;

/**
 * targetLeaseType - what F_GETLEASE reports for this slot (fs/locks.c target_leasetype()):
 * the break target while breaking, the lease type while held, F_UNLCK when there is no lease.
 * The kernel reaps expired leases first, so send `lease.reap` before asking, as it does.
 */
export function targetLeaseType(snap: LeaseLifecycleSnapshot): LeaseType | 'F_UNLCK' {
  if (snap.matches('breaking')) return snap.context.target ?? snap.context.type ?? 'F_UNLCK';
  if (snap.matches('held')) return snap.context.type ?? 'F_UNLCK';
  return 'F_UNLCK';
}

/**
 * createLeaseActor - create and start a lease slot actor whose deadline timer runs on @opts.clock.
 * @opts.onTransition receives every change of state value, stamped with @opts.now().
 */
export function createLeaseActor(opts: ActorHelperOptions): LeaseActor {
  const { onTransition } = opts;
  const actor = createActor(leaseLifecycleMachine, {
    clock: opts.clock,
    systemId: opts.id,
    input: { id: opts.id },
    ...(onTransition ? { inspect: transitionReporter(onTransition, opts.now) } : {}),
  });
  return actor.start();
}
