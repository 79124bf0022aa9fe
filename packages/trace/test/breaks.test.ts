import { describe, expect, it } from 'vitest';
import { type SimEvent, breakPhases, matchLeaseBreaks } from '../src/index.js';
import { EVENTS } from './fixtures.js';

type Tr = Extract<SimEvent, { kind: 'lease.transition' }>;
const mark = (t: number, breaker: number, lease: number, owner: number, ino = 4): SimEvent => ({ kind: 'lease.break', t, ino, breaker, lease, owner, target: 'F_UNLCK', layout: false, deadline: null });
const done = (t: number, breaker: number, startedAt: number, result = 'ok', ino = 4): SimEvent => ({ kind: 'lease.break.done', t, ino, breaker, result, startedAt });
const deliver = (t: number, pid: number, how: 'wait' | 'handler' | 'kill' = 'handler'): SimEvent => ({ kind: 'signal.deliver', t, pid, signo: 'SIGIO', fd: null, how });
const tr = (t: number, lease: number, from: string, to: string, event: string, owner = 0, ino = 4): Tr => ({ kind: 'lease.transition', t, lease, ino, owner, from, to, event });

describe('matchLeaseBreaks / breakPhases', () => {
  it('ties a break to its lease machine even when the machine has another id, and splits it exactly', () => {
    const { marks, waits } = matchLeaseBreaks(EVENTS);
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ lease: 9, owner: 100, machine: 7, signal: { t: 8000, how: 'wait' }, release: { t: 11_000, to: 'released' } });
    expect(waits).toHaveLength(1);
    const p = breakPhases(waits[0]!);
    expect([p.notify, p.holder, p.wake]).toEqual([3000, 3000, 1000]);
    expect(p.notify + p.holder + p.wake).toBe(waits[0]!.endNs - waits[0]!.startNs);
  });

  it('waits for the last of several holders', () => {
    const ev: SimEvent[] = [
      mark(0, 50, 1, 10),
      mark(0, 50, 2, 11),
      deliver(100, 10),
      deliver(300, 11),
      done(1000, 50, 0),
      tr(0, 1, 'held', 'breaking.timed', 'lease.break'),
      tr(0, 2, 'held', 'breaking.timed', 'lease.break'),
      tr(200, 1, 'breaking.timed', 'released', 'lease.release'),
      tr(900, 2, 'breaking.timed', 'released', 'lease.release'),
    ];
    const { waits } = matchLeaseBreaks(ev);
    expect(waits[0]!.marks.map((m) => m.owner)).toEqual([10, 11]);
    const p = breakPhases(waits[0]!);
    expect(p.via?.owner).toBe(11);
    expect([p.notify, p.holder, p.wake]).toEqual([300, 600, 100]);
  });

  it('keeps several breaks at one virtual instant apart by their order in the stream', () => {
    const ev: SimEvent[] = [
      mark(0, 50, 1, 10),
      deliver(0, 10),
      done(0, 50, 0),
      tr(0, 1, 'held', 'breaking.timed', 'lease.break'),
      tr(0, 1, 'breaking.timed', 'released', 'lease.release'),
      tr(0, 1, 'released', 'held', 'lease.set'),
      mark(0, 50, 2, 10),
      deliver(0, 10),
      done(0, 50, 0),
      tr(0, 1, 'held', 'breaking.timed', 'lease.break'),
      tr(0, 1, 'breaking.timed', 'released', 'lease.release'),
    ];
    const { marks, waits } = matchLeaseBreaks(ev);
    expect(marks.map((m) => [m.machine, m.signal?.index, m.release?.index])).toEqual([
      [1, 1, 4],
      [1, 7, 10],
    ]);
    expect(waits.map((w) => w.marks.map((m) => m.lease))).toEqual([[1], [2]]);
  });

  it('takes a marked lease again without a transition of its own, and a breaker that joined a pending break', () => {
    const ev: SimEvent[] = [
      mark(0, 50, 1, 10),
      { kind: 'lease.break.done', t: 0, ino: 4, breaker: 50, result: 'EWOULDBLOCK', startedAt: 0 },
      tr(0, 1, 'held', 'breaking.timed', 'lease.break'),
      mark(100, 51, 1, 10),
      deliver(150, 10, 'kill'),
      done(400, 52, 200),
      done(400, 51, 100),
      tr(350, 1, 'breaking.timed', 'released', 'lease.release'),
    ];
    const { marks, waits } = matchLeaseBreaks(ev);
    expect(marks[1]).toMatchObject({ machine: 1, release: { t: 350 }, signal: { t: 150, how: 'kill' } });
    const joined = waits.find((w) => w.breaker === 52)!;
    expect(joined.joined).toBe(true);
    const p = breakPhases(joined);
    // the signal came before this breaker started: counted from its start
    expect([p.notify, p.holder, p.wake]).toEqual([0, 150, 50]);
    expect(breakPhases(waits.find((w) => w.breaker === 51)!)).toMatchObject({ notify: 50, holder: 200, wake: 50 });
  });

  it('still adds up with no signal or no release', () => {
    const ev: SimEvent[] = [mark(0, 50, 1, 10), done(500, 50, 0, 'timedOut')];
    const w = matchLeaseBreaks(ev).waits[0]!;
    const p = breakPhases(w);
    expect(p.notify + p.holder + p.wake).toBe(500);
    expect(breakPhases({ ...w, marks: [] })).toMatchObject({ notify: 0, holder: 0, wake: 500, via: null });
  });
});
