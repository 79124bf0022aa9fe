/**
 * The XState lease lifecycle (packages/machines), driven from fs/locks.ts.
 *
 * The machines mirror the kernel; they decide nothing. So the kernel only records what happened
 * (LeaseEventQueue: plain data, cheap, on the syscall path) and a LifecycleDriver feeds those
 * records to one actor per lease slot — an open file description's lease (plain or layout) on
 * its inode — wherever the runtime runs it: on the same thread between scheduling steps
 * (deterministic), or on a thread of its own at the lowest priority while the kernel thread
 * serves syscalls (threads), since an XState step costs ~10 µs and creating an actor far more. The machines' timers run on the
 * runtime's clock; every state change becomes a `lease.transition` trace event stamped with the
 * time of the kernel's change.
 */
import { type LeaseActor, createLeaseActor } from '@leasebreak/machines';
import type { Clock, TimerHandle } from '../kernel/clock.js';
import type { EventSink } from '@leasebreak/trace';
import { F_RDLCK, F_UNLCK, F_WRLCK, FL_LAYOUT, type FileLease, type LeaseObserver } from './locks.js';

const NS_PER_MS = 1e6;

type LeaseEventName = Parameters<LeaseObserver['leaseEvent']>[1];

/** One kernel change to a lease, as plain (structured-clonable) data. */
export interface LeaseItem {
  /** The lease slot: file description + flavour. */
  readonly slot: string;
  readonly lease: number;
  readonly ino: number;
  readonly owner: number;
  readonly layout: boolean;
  readonly event: LeaseEventName;
  readonly target?: number;
  readonly deadlineNs?: number | null;
  readonly atNs: number;
}

/** The kernel's side: record each change (fs/locks.ts calls leaseEvent). */
export class LeaseEventQueue implements LeaseObserver {
  private items: LeaseItem[] = [];
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  leaseEvent(fl: FileLease, event: LeaseEventName, d: Parameters<LeaseObserver['leaseEvent']>[2]): void {
    const layout = (fl.flags & FL_LAYOUT) !== 0;
    this.items.push({
      slot: `inode:${fl.inode.ino}/file:${fl.file.id}${layout ? '/layout' : ''}`,
      lease: fl.id,
      ino: fl.inode.ino,
      owner: fl.file.ownerPid,
      layout,
      event,
      ...(d.target === undefined ? {} : { target: d.target }),
      ...(d.deadlineNs === undefined ? {} : { deadlineNs: d.deadlineNs }),
      atNs: this.clock.now(),
    });
  }

  get pending(): number {
    return this.items.length;
  }

  /** When the oldest item not yet handed over was recorded (ns), or null. */
  get oldestNs(): number | null {
    return this.items.length === 0 ? null : this.items[0]!.atNs;
  }

  /** Hand over everything recorded so far. */
  take(): LeaseItem[] {
    const out = this.items;
    this.items = [];
    return out;
  }
}

function typeName(t: number | undefined): 'F_RDLCK' | 'F_WRLCK' {
  return t === F_WRLCK ? 'F_WRLCK' : 'F_RDLCK';
}

/** Runs the machines: one actor per lease slot, fed LeaseItems in order. */
export class LifecycleDriver {
  private readonly actors = new Map<string, LeaseActor>();
  private readonly clock: Clock;
  private readonly sink: EventSink;
  private readonly actorClock;
  /** While feeding, the item being mirrored (its time stamps the transition). */
  private current: LeaseItem | null = null;
  /** While a machine timer fires, the time it was due (its time stamps the transition). */
  private firingAt: number | null = null;
  private readonly last = new Map<string, LeaseItem>();
  /** The machines' pending timers, by id: when due (kernel time) and the clock's timer. */
  private readonly timers = new Map<number, { atNs: number; fn: () => void; handle: TimerHandle }>();
  private timerSeq = 0;

  constructor(clock: Clock, sink: EventSink) {
    this.clock = clock;
    this.sink = sink;
    this.actorClock = {
      // Timers run in kernel time: anchored at the time of the change being mirrored, not at
      // when it reached the machine (items may arrive in batches, late), and fired before any
      // later item is fed (feed → runTimersDue), so the mirror steps in the kernel's order.
      setTimeout: (fn: (...a: unknown[]) => void, ms: number) => {
        const atNs = (this.current?.atNs ?? this.firingAt ?? clock.now()) + ms * NS_PER_MS;
        const id = ++this.timerSeq;
        this.timers.set(id, { atNs, fn: () => fn(), handle: clock.setTimer(atNs, () => this.fire(id)) });
        return id;
      },
      clearTimeout: (id: unknown) => {
        const t = this.timers.get(id as number);
        if (t === undefined) return;
        clock.clearTimer(t.handle);
        this.timers.delete(id as number);
      },
    };
  }

  private fire(id: number): void {
    const t = this.timers.get(id);
    if (t === undefined) return;
    this.timers.delete(id);
    this.clock.clearTimer(t.handle);
    const outer = this.firingAt;
    this.firingAt = t.atNs;
    try {
      t.fn();
    } finally {
      this.firingAt = outer;
    }
  }

  /** Fire, in time order, every machine timer due at or before `atNs`. */
  private runTimersDue(atNs: number): void {
    for (;;) {
      let next: number | null = null;
      let nextAt = Infinity;
      for (const [id, t] of this.timers) if (t.atNs <= atNs && t.atNs < nextAt) [next, nextAt] = [id, t.atNs];
      if (next === null) return;
      this.fire(next);
    }
  }

  private actorFor(item: LeaseItem): LeaseActor {
    let a = this.actors.get(item.slot);
    if (a === undefined) {
      const slot = item.slot;
      a = createLeaseActor({
        id: slot,
        clock: this.actorClock,
        now: () => (this.current?.atNs ?? this.firingAt ?? this.clock.now()) / NS_PER_MS,
        onTransition: (t) => {
          const it = this.current ?? this.last.get(slot)!;
          this.sink.emit({ kind: 'lease.transition', t: Math.round(t.atMs * NS_PER_MS), lease: it.lease, ino: it.ino, owner: it.owner, from: t.from, to: t.to, event: t.event });
        },
      });
      this.actors.set(item.slot, a);
    }
    return a;
  }

  /** Feed items in order; stop early (returning the rest) when `interrupted()` says so. */
  feed(items: readonly LeaseItem[], interrupted?: () => boolean): LeaseItem[] {
    for (let i = 0; i < items.length; i++) {
      if (interrupted?.() === true) return items.slice(i);
      const it = items[i]!;
      if (this.timers.size > 0) this.runTimersDue(it.atNs);
      this.current = it;
      this.last.set(it.slot, it);
      try {
        this.apply(it);
      } finally {
        this.current = null;
      }
    }
    return [];
  }

  private apply(it: LeaseItem): void {
    const a = this.actorFor(it);
    switch (it.event) {
      case 'lease.set':
        a.send({ type: 'lease.set', leaseType: typeName(it.target), layout: it.layout });
        return;
      case 'lease.modify':
        a.send({ type: 'lease.modify', leaseType: typeName(it.target) });
        return;
      case 'lease.break':
        a.send({ type: 'lease.break', target: it.target === F_RDLCK ? 'F_RDLCK' : 'F_UNLCK', deadlineMs: it.deadlineNs == null ? null : it.deadlineNs / NS_PER_MS, atMs: it.atNs / NS_PER_MS });
        return;
      case 'lease.release':
        a.send({ type: 'lease.release' });
        return;
      case 'lease.downgrade':
        a.send({ type: 'lease.downgrade' });
        return;
      case 'lease.reap':
        a.send({ type: 'lease.reap', outcome: it.target === undefined || it.target === F_UNLCK ? 'removed' : 'downgraded' });
        return;
    }
  }

  stop(): void {
    for (const a of this.actors.values()) a.stop();
    this.actors.clear();
    for (const t of this.timers.values()) this.clock.clearTimer(t.handle);
    this.timers.clear();
  }
}
