/**
 * The lifecycle driver mirrors the kernel's lease changes into the XState machines. Items may
 * reach it late and in batches (the threads runtime posts them from the kernel thread); the
 * mirror must come out the same as if each had been fed the moment it happened: machine timers
 * (the lease-break-time deadline) run in kernel time, before any later item.
 */
import { describe, expect, it } from 'vitest';
import { MemorySink } from '@leasebreak/trace';
import { F_RDLCK, F_UNLCK, type LeaseItem, LifecycleDriver, ManualClock } from '../src/index.js';

const MS = 1e6;
const slot = 'inode:2/file:1';
const base = { slot, lease: 1, ino: 2, owner: 100, layout: false } as const;

/** A read lease broken at 10 ms with a 100 ms deadline, reaped (removed) lazily at 150 ms. */
const ITEMS: LeaseItem[] = [
  { ...base, event: 'lease.set', target: F_RDLCK, atNs: 0 },
  { ...base, event: 'lease.break', target: F_UNLCK, deadlineNs: 110 * MS, atNs: 10 * MS },
  { ...base, event: 'lease.reap', target: F_UNLCK, atNs: 150 * MS },
];

function transitions(sink: MemorySink): string[] {
  return sink.events.filter((e) => e.kind === 'lease.transition').map((e) => (e.kind === 'lease.transition' ? `${e.t / MS}ms ${e.from}→${e.to}` : ''));
}

describe('LifecycleDriver', () => {
  it('fed late in one batch, steps exactly as when fed as things happened (deadline timer included)', () => {
    const liveClock = new ManualClock();
    const live = new MemorySink();
    const d1 = new LifecycleDriver(liveClock, live);
    for (const it of ITEMS) {
      liveClock.advanceTo(it.atNs);
      d1.feed([it]);
    }
    liveClock.advanceTo(1000 * MS);

    const lateClock = new ManualClock();
    lateClock.advanceTo(1000 * MS);
    const late = new MemorySink();
    const d2 = new LifecycleDriver(lateClock, late);
    d2.feed(ITEMS);
    lateClock.advanceTo(2000 * MS);

    const want = transitions(live);
    expect(want.some((t) => t.startsWith('110ms') && t.includes('overdue'))).toBe(true);
    expect(transitions(late)).toEqual(want);
  });

  it('a deadline passed with no later item fires from the clock, stamped when it was due', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const d = new LifecycleDriver(clock, sink);
    clock.advanceTo(500 * MS);
    d.feed(ITEMS.slice(0, 2));
    clock.advanceTo(501 * MS);
    expect(transitions(sink).filter((t) => t.includes('overdue'))).toEqual(['110ms breaking.timed→breaking.overdue']);
    d.stop();
  });

  it('fed after the fact on a clock at 0 (the threads runtime\'s lifecycle thread), moving it to the run\'s end fires the timers due by then, and no later one', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const d = new LifecycleDriver(clock, sink);
    d.feed(ITEMS.slice(0, 2));
    clock.advanceTo(109 * MS);
    expect(transitions(sink).filter((t) => t.includes('overdue'))).toEqual([]);
    clock.advanceTo(110 * MS);
    expect(transitions(sink).filter((t) => t.includes('overdue'))).toEqual(['110ms breaking.timed→breaking.overdue']);
    d.stop();
  });
});
