import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor } from 'xstate';
import {
  createLeaseActor,
  leaseLifecycleMachine,
  stateString,
  targetLeaseType,
  type LeaseActor,
  type TransitionReport,
} from '../src/index.js';

const BREAK_MS = 45_000;

function setupLease(): { clock: SimulatedClock; lease: LeaseActor; log: TransitionReport[] } {
  const clock = new SimulatedClock();
  const log: TransitionReport[] = [];
  const lease = createLeaseActor({
    id: 'inode:1/file:1',
    clock,
    now: () => clock.now(),
    onTransition: (t) => log.push(t),
  });
  return { clock, lease, log };
}

const state = (a: LeaseActor): string => stateString(a.getSnapshot().value);

describe('lease lifecycle', () => {
  it('held → breaking → overdue at the deadline → reaped → broken → re-taken', () => {
    const { clock, lease } = setupLease();
    expect(state(lease)).toBe('none');
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK', layout: true });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context).toMatchObject({ type: 'F_WRLCK', layout: true });

    clock.increment(1000);
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 1000 + BREAK_MS, atMs: 1000 });
    expect(state(lease)).toBe('breaking.timed');
    expect(lease.getSnapshot().context).toMatchObject({ target: 'F_UNLCK', deadlineMs: 46_000, breaks: 1 });
    expect(targetLeaseType(lease.getSnapshot())).toBe('F_UNLCK');

    clock.increment(BREAK_MS - 1);
    expect(state(lease)).toBe('breaking.timed');
    clock.increment(1);
    expect(state(lease)).toBe('breaking.overdue');
    // Lazy expiry: the lease is still there until time_out_leases reaps it.
    clock.increment(10 * BREAK_MS);
    expect(state(lease)).toBe('breaking.overdue');

    lease.send({ type: 'lease.reap', outcome: 'removed' });
    expect(state(lease)).toBe('broken');
    expect(lease.getSnapshot().context).toMatchObject({ type: null, target: null, deadlineMs: null });
    expect(targetLeaseType(lease.getSnapshot())).toBe('F_UNLCK');

    lease.send({ type: 'lease.set', leaseType: 'F_RDLCK' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context).toMatchObject({ type: 'F_RDLCK', layout: false, retakes: 1 });
  });

  it('a first take is not a re-take; release then set is', () => {
    const { lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_RDLCK' });
    expect(lease.getSnapshot().context.retakes).toBe(0);
    lease.send({ type: 'lease.release' });
    expect(state(lease)).toBe('released');
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context.retakes).toBe(1);
  });

  it('downgrade path: read breaker, holder downgrades, lease held as F_RDLCK with no timer', () => {
    const { clock, lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_RDLCK', deadlineMs: BREAK_MS, atMs: 0 });
    expect(state(lease)).toBe('breaking.timed');
    expect(targetLeaseType(lease.getSnapshot())).toBe('F_RDLCK');

    clock.increment(10);
    lease.send({ type: 'lease.downgrade' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context).toMatchObject({ type: 'F_RDLCK', target: null, deadlineMs: null });
    // fl_downgrade_time survives the downgrade.
    expect(lease.getSnapshot().context.downgradeDeadlineMs).toBe(BREAK_MS);

    clock.increment(2 * BREAK_MS);
    expect(state(lease)).toBe('held');
  });

  it('forced downgrade at the deadline (reap downgraded) → held F_RDLCK', () => {
    const { clock, lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_RDLCK', deadlineMs: BREAK_MS, atMs: 0 });
    clock.increment(BREAK_MS);
    expect(state(lease)).toBe('breaking.overdue');
    lease.send({ type: 'lease.reap', outcome: 'downgraded' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context.type).toBe('F_RDLCK');
  });

  it('an upgrade after a downgrade is undone by the stale downgrade deadline', () => {
    const { lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_RDLCK', deadlineMs: BREAK_MS, atMs: 0 });
    lease.send({ type: 'lease.downgrade' });
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    expect(lease.getSnapshot().context.type).toBe('F_WRLCK');
    lease.send({ type: 'lease.reap', outcome: 'downgraded' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context.type).toBe('F_RDLCK');
  });

  it.each([0, null])('deadline %s never goes overdue', (deadlineMs) => {
    const { clock, lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_RDLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs, atMs: 0 });
    expect(state(lease)).toBe('breaking.untimed');
    expect(lease.getSnapshot().context.deadlineMs).toBeNull();
    clock.increment(Number.MAX_SAFE_INTEGER / 2);
    expect(state(lease)).toBe('breaking.untimed');
    lease.send({ type: 'lease.release' });
    expect(state(lease)).toBe('released');
  });

  it('a writer re-marks a pending downgrade: new target and new deadline', () => {
    const { clock, lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_RDLCK', deadlineMs: BREAK_MS, atMs: 0 });
    clock.increment(10_000);
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 10_000 + BREAK_MS, atMs: 10_000 });
    const ctx = lease.getSnapshot().context;
    expect(ctx).toMatchObject({ target: 'F_UNLCK', deadlineMs: 55_000, breaks: 2 });
    expect(ctx.downgradeDeadlineMs).toBe(BREAK_MS);
    expect(targetLeaseType(lease.getSnapshot())).toBe('F_UNLCK');

    // The old timer was cancelled: not overdue at the downgrade deadline...
    clock.increment(BREAK_MS - 10_000);
    expect(state(lease)).toBe('breaking.timed');
    // ...but a downgrade no longer settles it (FL_UNLOCK_PENDING stays).
    lease.send({ type: 'lease.downgrade' });
    expect(state(lease)).toBe('breaking.timed');
    expect(lease.getSnapshot().context.type).toBe('F_RDLCK');
    // Overdue at the writer's deadline.
    clock.increment(10_000 - 1);
    expect(state(lease)).toBe('breaking.timed');
    clock.increment(1);
    expect(state(lease)).toBe('breaking.overdue');
  });

  it('a second break for the same target is not a re-mark', () => {
    const { clock, lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: BREAK_MS, atMs: 0 });
    clock.increment(100);
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 100 + BREAK_MS, atMs: 100 });
    expect(lease.getSnapshot().context).toMatchObject({ deadlineMs: BREAK_MS, breaks: 1 });
    clock.increment(BREAK_MS - 100);
    expect(state(lease)).toBe('breaking.overdue');
  });

  it('F_SETLEASE on a lease pending F_UNLCK keeps it doomed', () => {
    const { lease } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: BREAK_MS, atMs: 0 });
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    expect(state(lease)).toBe('breaking.timed');
    expect(lease.getSnapshot().context.retakes).toBe(0);
  });

  it('lease.set while held modifies the type and stays held', () => {
    const { lease, log } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.set', leaseType: 'F_RDLCK' });
    expect(state(lease)).toBe('held');
    expect(lease.getSnapshot().context.type).toBe('F_RDLCK');
    lease.send({ type: 'lease.modify', leaseType: 'F_WRLCK' });
    expect(lease.getSnapshot().context.type).toBe('F_WRLCK');
    expect(log.map((t) => t.to)).toEqual(['held']);
  });

  it('a deadline already past at the mark goes straight to overdue', () => {
    const { clock, lease } = setupLease();
    clock.increment(5000);
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 4000, atMs: 5000 });
    expect(state(lease)).toBe('breaking.overdue');
  });

  it('onTransition reports each change with the clock time', () => {
    const { clock, lease, log } = setupLease();
    clock.increment(7);
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    clock.increment(3);
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 10 + BREAK_MS, atMs: 10 });
    clock.increment(BREAK_MS);
    clock.increment(5);
    lease.send({ type: 'lease.reap', outcome: 'removed' });
    lease.send({ type: 'lease.set', leaseType: 'F_RDLCK' });
    lease.send({ type: 'lease.release' });

    expect(log).toEqual([
      { from: 'none', to: 'held', event: 'lease.set', atMs: 7 },
      { from: 'held', to: 'breaking.timed', event: 'lease.break', atMs: 10 },
      {
        from: 'breaking.timed',
        to: 'breaking.overdue',
        event: expect.stringMatching(/^xstate\.after\.leaseDeadline\./),
        atMs: 10 + BREAK_MS,
      },
      { from: 'breaking.overdue', to: 'broken', event: 'lease.reap', atMs: 15 + BREAK_MS },
      { from: 'broken', to: 'held', event: 'lease.set', atMs: 15 + BREAK_MS },
      { from: 'held', to: 'released', event: 'lease.release', atMs: 15 + BREAK_MS },
    ]);
  });

  it('the bare machine runs under createActor with a SimulatedClock too', () => {
    const clock = new SimulatedClock();
    const lease = createActor(leaseLifecycleMachine, { clock, input: { id: 'x' } }).start();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 100, atMs: 0 });
    clock.increment(100);
    expect(lease.getSnapshot().matches({ breaking: 'overdue' })).toBe(true);
    expect(lease.getSnapshot().context.id).toBe('x');
  });

  it('release stops the deadline timer', () => {
    const { clock, lease, log } = setupLease();
    lease.send({ type: 'lease.set', leaseType: 'F_WRLCK' });
    lease.send({ type: 'lease.break', target: 'F_UNLCK', deadlineMs: 100, atMs: 0 });
    lease.send({ type: 'lease.release' });
    clock.increment(1000);
    expect(state(lease)).toBe('released');
    expect(log.at(-1)?.to).toBe('released');
  });
});
