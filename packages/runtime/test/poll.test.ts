import { describe, expect, it } from 'vitest';
import { PollWindow, SpareCpuGate, spinUntil } from '../src/threads/poll.js';

/** A clock that advances `step` ms per reading, with optional jumps at given readings. */
function fakeClock(step: number, jumps: Record<number, number> = {}): () => number {
  let t = 0;
  let n = 0;
  return () => {
    n++;
    t += step + (jumps[n] ?? 0);
    return t;
  };
}

describe('spinUntil', () => {
  it('returns done as soon as the condition holds', () => {
    let checks = 0;
    expect(spinUntil(() => ++checks === 5, 1, fakeClock(0.001))).toBe('done');
    expect(checks).toBe(5);
  });

  it('times out after the window, reading the clock every 64 checks', () => {
    let checks = 0;
    // 0.01 ms per reading, 0.05 ms window: the 5th reading after the first passes it.
    expect(spinUntil(() => (checks++, false), 0.05, fakeClock(0.01))).toBe('timeout');
    expect(checks).toBe(5 * 64);
  });

  it('reports preemption when two readings are further apart than a poll step', () => {
    expect(spinUntil(() => false, 10, fakeClock(0.001, { 4: 0.5 }))).toBe('preempted');
  });
});

describe('PollWindow (KVM-style halt polling)', () => {
  it('shrinks to nothing over long idle sleeps and grows back when sleeps end quickly', () => {
    const w = new PollWindow(0.05);
    expect(w.current(0)).toBe(0.05);
    for (let i = 0; i < 3; i++) w.slept(false, 100);
    expect(w.current(0)).toBe(0); // 0.05 → 0.025 → 0.0125 → below the grow start: 0
    w.slept(true, 0.02); // the doorbell rang 20 µs into a sleep: polling would have caught it
    expect(w.current(0)).toBe(PollWindow.GROW_START_MS);
    for (let i = 0; i < 10; i++) w.slept(true, 0.02);
    expect(w.current(0)).toBe(0.05); // capped at the maximum
  });

  it('shrinks on a sleep the doorbell ended later than the longest window', () => {
    const w = new PollWindow(0.05);
    w.slept(false, 100);
    w.slept(true, 10);
    expect(w.current(0)).toBe(0.0125);
  });

  it('backs off after a preempted poll, doubling while preemption repeats', () => {
    const w = new PollWindow(0.05);
    w.polled('preempted', 100);
    expect(w.current(100)).toBe(0);
    expect(w.current(100 + 2 * PollWindow.BACKOFF_MIN_MS - 0.001)).toBe(0);
    expect(w.current(100 + 2 * PollWindow.BACKOFF_MIN_MS)).toBe(0.05);
    w.polled('preempted', 200);
    expect(w.current(200 + 4 * PollWindow.BACKOFF_MIN_MS - 0.001)).toBe(0);
    w.polled('timeout', 300);
    w.polled('timeout', 300);
    w.polled('preempted', 400);
    expect(w.current(400 + 2 * PollWindow.BACKOFF_MIN_MS)).toBe(0.05);
  });

  it('never polls when the maximum is 0', () => {
    const w = new PollWindow(0);
    w.slept(true, 0);
    expect(w.current(0)).toBe(0);
  });
});

describe('SpareCpuGate', () => {
  const loadavg = (running: number): string => `0.50 0.40 0.30 ${running}/321 4567\n`;

  it('says a CPU is spare while the runnable threads, averaged, are no more than the CPUs', () => {
    const seq = [1, 2, 2, 6, 6, 6, 1, 1, 1, 1];
    let i = 0;
    const g = new SpareCpuGate(2, () => loadavg(seq[i++]!), 10);
    const verdicts = seq.map((_, k) => g.spare(k * 10));
    // running 1,2,2 → spare; 6 → mean (1+2+2+6)/4 = 2.75 > 2 → not; recovers once the 6s age out
    expect(verdicts).toEqual([true, true, true, false, false, false, false, false, false, true]);
  });

  it('samples at most every sampleMs and keeps its verdict in between', () => {
    let reads = 0;
    const g = new SpareCpuGate(2, () => (reads++, loadavg(8)), 10);
    expect(g.spare(0)).toBe(false);
    expect(g.spare(5)).toBe(false);
    expect(reads).toBe(1);
    g.spare(10);
    expect(reads).toBe(2);
  });

  it('never on a single CPU', () => {
    expect(new SpareCpuGate(1, () => loadavg(1)).spare(0)).toBe(false);
  });

  it('answers yes where there is no /proc/loadavg', () => {
    expect(new SpareCpuGate(2, () => null).spare(0)).toBe(true);
  });
});
