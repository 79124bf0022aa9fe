/**
 * Drives one XState lease-lifecycle actor (packages/machines) per lease slot — an open file
 * description's lease (plain or layout) on its inode — from the events fs/locks.ts reports.
 * The machines' timers run on the kernel's clock; every state change becomes a
 * `lease.transition` event of the run's trace.
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
        now: () => this.clock.now() / NS_PER_MS,
        onTransition: (t) =>
          this.sink().emit({ kind: 'lease.transition', t: Math.round(t.atMs * NS_PER_MS), lease: fl.id, ino: fl.inode.ino, owner: file.ownerPid, from: t.from, to: t.to, event: t.event }),
      });
      this.actors.set(key, a);
    }
    return a;
  }

  leaseEvent(fl: FileLease, event: Parameters<LeaseObserver['leaseEvent']>[1], d: Parameters<LeaseObserver['leaseEvent']>[2]): void {
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
          atMs: this.clock.now() / NS_PER_MS,
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
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
  }
}
