import { describe, expect, it } from 'vitest';
import { SimulatedClock } from 'xstate';
import {
  createBreakerWaitActor,
  stateString,
  type BreakerWaitActor,
  type TransitionReport,
} from '../src/index.js';

function setupBreaker(): { clock: SimulatedClock; breaker: BreakerWaitActor; log: TransitionReport[] } {
  const clock = new SimulatedClock();
  const log: TransitionReport[] = [];
  const breaker = createBreakerWaitActor({
    id: 'task:2/break',
    clock,
    now: () => clock.now(),
    onTransition: (t) => log.push(t),
  });
  return { clock, breaker, log };
}

const state = (a: BreakerWaitActor): string => stateString(a.getSnapshot().value);

describe('breaker wait', () => {
  it('times out exactly at its delay and not before', () => {
    const { clock, breaker, log } = setupBreaker();
    breaker.send({ type: 'break.start' });
    expect(state(breaker)).toBe('signalling');
    clock.increment(5);
    breaker.send({ type: 'break.wait', timeoutMs: 1000 });
    expect(state(breaker)).toBe('waiting.timed');
    clock.increment(999);
    expect(state(breaker)).toBe('waiting.timed');
    clock.increment(1);
    expect(state(breaker)).toBe('timedOut');
    expect(log.at(-1)).toMatchObject({ from: 'waiting.timed', to: 'timedOut', atMs: 1005 });
    expect(log.at(-1)?.event).toMatch(/^xstate\.after\.breakTimeout\./);
  });

  it('a wake before the timeout resumes and cancels the timer', () => {
    const { clock, breaker } = setupBreaker();
    breaker.send({ type: 'break.start' });
    breaker.send({ type: 'break.wait', timeoutMs: 1000 });
    clock.increment(10);
    breaker.send({ type: 'break.wake' });
    expect(state(breaker)).toBe('resumed');
    clock.increment(5000);
    expect(state(breaker)).toBe('resumed');
  });

  it('restart loop: timed out, conflict remains, sleeps again with the remaining time', () => {
    const { clock, breaker } = setupBreaker();
    breaker.send({ type: 'break.start' });
    breaker.send({ type: 'break.wait', timeoutMs: 1 });
    clock.increment(1);
    expect(state(breaker)).toBe('timedOut');
    breaker.send({ type: 'break.wait', timeoutMs: 50 });
    expect(state(breaker)).toBe('waiting.timed');
    expect(breaker.getSnapshot().context).toMatchObject({ waits: 2, timeoutMs: 50, starts: 1 });
    clock.increment(49);
    expect(state(breaker)).toBe('waiting.timed');
    clock.increment(1);
    expect(state(breaker)).toBe('timedOut');
  });

  it('an untimed wait never times out; a signal interrupts it (EINTR)', () => {
    const { clock, breaker } = setupBreaker();
    breaker.send({ type: 'break.start' });
    breaker.send({ type: 'break.wait', timeoutMs: null });
    expect(state(breaker)).toBe('waiting.untimed');
    clock.increment(Number.MAX_SAFE_INTEGER / 2);
    expect(state(breaker)).toBe('waiting.untimed');
    breaker.send({ type: 'break.signal', signo: 14 });
    expect(state(breaker)).toBe('interrupted');
    expect(breaker.getSnapshot().context.signo).toBe(14);
    // SA_RESTART: the syscall re-enters __break_lease.
    breaker.send({ type: 'break.start' });
    expect(state(breaker)).toBe('signalling');
    expect(breaker.getSnapshot().context).toMatchObject({ starts: 2, signo: null });
  });

  it('O_NONBLOCK: wouldBlock straight from signalling', () => {
    const { breaker, log } = setupBreaker();
    breaker.send({ type: 'break.start' });
    breaker.send({ type: 'break.nonblock' });
    expect(state(breaker)).toBe('wouldBlock');
    expect(log.map((t) => `${t.from}>${t.to}`)).toEqual(['idle>signalling', 'signalling>wouldBlock']);
  });

  it('events that do not apply in a state are ignored', () => {
    const { breaker } = setupBreaker();
    breaker.send({ type: 'break.wake' });
    breaker.send({ type: 'break.wait', timeoutMs: 10 });
    expect(state(breaker)).toBe('idle');
  });
});
