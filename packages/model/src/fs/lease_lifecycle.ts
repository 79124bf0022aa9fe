/**
 * Drives one XState lease-lifecycle actor (packages/machines) per lease slot — an open file
 * description's lease (plain or layout) on its inode — from the events fs/locks.ts reports.
 * The machines' timers run on the kernel's clock; every state change becomes a
 * `lease.transition` event of the run's trace, stamped with the time of the kernel's change.
 *
 * The machines mirror the kernel; they decide nothing. So their events are queued and fed to
 * them by `flush()`, which the runtime calls when the kernel is idle (or the queue grows long):
 * an XState step costs ~10 µs and creating an actor far more, which must not sit on the
 * lease-break path it measures.
 */
import { type LeaseActor, createLeaseActor } from '@leasebreak/machines';
import type { Clock } from '../kernel/clock.js';
import type { EventSink } from '@leasebreak/trace';
import type { File } from './file.js';
import { F_RDLCK, F_UNLCK, F_WRLCK, FL_LAYOUT, type FileLease, type LeaseObserver } from './locks.js';

const NS_PER_MS = 1e6;

function typeName(t: number | undefined): 'F_RDLCK' | 'F_WRLCK' {
  return t === F_WRLCK ? 'F_WRLCK' : 'F_RDLCK';
}

export class LeaseLifecycles implements LeaseObserver {
  private readonly actors = new Map<string, LeaseActor>();
  private readonly clock: Clock;
  private readonly sink: () => EventSink;
  private readonly actorClock;
  private queue: { fl: FileLease; event: Parameters<LeaseObserver['leaseEvent']>[1]; d: Parameters<LeaseObserver['leaseEvent']>[2]; atNs: number }[] = [];
  /** While flushing, the time of the kernel change being mirrored. */
  private pinnedNs: number | null = null;

  constructor(clock: Clock, sink: () => EventSink) {
    this.clock = clock;
    this.sink = sink;
    this.actorClock = {
      setTimeout: (fn: (...a: unknown[]) => void, ms: number) => clock.setTimer(clock.now() + ms * NS_PER_MS, () => fn()),
      clearTimeout: (id: unknown) => clock.clearTimer(id as number),
    };
  }

  private actorFor(fl: FileLease): LeaseActor {
    const key = `${fl.file.id}:${fl.flags & FL_LAYOUT ? 'layout' : 'lease'}`;
    let a = this.actors.get(key);
    if (a === undefined) {
      const file: File = fl.file;
      a = createLeaseActor({
        id: `inode:${fl.inode.ino}/file:${file.id}${fl.flags & FL_LAYOUT ? '/layout' : ''}`,
        clock: this.actorClock,
        now: () => (this.pinnedNs ?? this.clock.now()) / NS_PER_MS,
        onTransition: (t) =>
          this.sink().emit({ kind: 'lease.transition', t: Math.round(t.atMs * NS_PER_MS), lease: fl.id, ino: fl.inode.ino, owner: file.ownerPid, from: t.from, to: t.to, event: t.event }),
      });
      this.actors.set(key, a);
    }
    return a;
  }

  leaseEvent(fl: FileLease, event: Parameters<LeaseObserver['leaseEvent']>[1], d: Parameters<LeaseObserver['leaseEvent']>[2]): void {
    this.queue.push({ fl, event, d, atNs: this.clock.now() });
  }

  /** Kernel changes not yet fed to their machines. */
  get pending(): number {
    return this.queue.length;
  }

  /**
   * Feed the queued kernel changes to their machines, in order, until the queue is empty or
   * `interrupted()` says the kernel has work again (one machine step at a time).
   */
  flush(interrupted?: () => boolean): void {
    while (this.queue.length > 0) {
      if (interrupted?.() === true) return;
      const x = this.queue.shift()!;
      this.pinnedNs = x.atNs;
      try {
        this.apply(x.fl, x.event, x.d, x.atNs);
      } finally {
        this.pinnedNs = null;
      }
    }
  }

  private apply(fl: FileLease, event: Parameters<LeaseObserver['leaseEvent']>[1], d: Parameters<LeaseObserver['leaseEvent']>[2], atNs: number): void {
    const a = this.actorFor(fl);
    switch (event) {
      case 'lease.set':
        a.send({ type: 'lease.set', leaseType: typeName(d.target), layout: (fl.flags & FL_LAYOUT) !== 0 });
        return;
      case 'lease.modify':
        a.send({ type: 'lease.modify', leaseType: typeName(d.target) });
        return;
      case 'lease.break':
        a.send({
          type: 'lease.break',
          target: d.target === F_RDLCK ? 'F_RDLCK' : 'F_UNLCK',
          deadlineMs: d.deadlineNs == null ? null : d.deadlineNs / NS_PER_MS,
          atMs: atNs / NS_PER_MS,
        });
        return;
      case 'lease.release':
        a.send({ type: 'lease.release' });
        return;
      case 'lease.downgrade':
        a.send({ type: 'lease.downgrade' });
        return;
      case 'lease.reap':
        a.send({ type: 'lease.reap', outcome: d.target === undefined || d.target === F_UNLCK ? 'removed' : 'downgraded' });
        return;
    }
  }

  /** Stop every actor (end of run). */
  stop(): void {
    this.flush();
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
  }
}
