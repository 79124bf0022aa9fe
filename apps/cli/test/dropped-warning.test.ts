/** The stderr warning when an event ring overflowed: none when nothing was dropped. */
import { describe, expect, it } from 'vitest';
import type { Report } from '@leasebreak/workloads';
import { droppedEventsWarning, formatReport } from '../src/run.js';

const report = (seed: number, events: Report['events']): Report =>
  ({
    scenario: 's',
    policy: 'no-break',
    mode: 'threads',
    seed,
    status: 'passed',
    durationMs: 1,
    outcomes: { corruption: 0, dataLeak: 0, staleOffset: 0, lostWrite: 0, hang: 0, delayedOk: 0, informedFailure: { EPERM: 0, ETXTBSY: 0, EOPNOTSUPP: 0, EINTR: 0 } },
    leaseBreaks: { count: 0, wouldBlock: 0 },
    expectations: [],
    processes: [],
    events,
  }) as unknown as Report;

describe('droppedEventsWarning', () => {
  it('is null when no ring overflowed (and for older reports without the counts)', () => {
    expect(droppedEventsWarning([report(1, { hash: 'x', count: 10, dropped: 0, droppedBy: { kernel: 0 } }), report(2, { hash: 'x', count: 10 })])).toBeNull();
  });

  it('names the runs and the threads whose rings overflowed', () => {
    const w = droppedEventsWarning([report(1, { hash: 'x', count: 10, dropped: 0 }), report(2, { hash: 'x', count: 900, dropped: 300, droppedBy: { kernel: 250, main: 0, nic0: 50 } })])!;
    expect(w).toMatch(/^leasebreak: warning: 1 run\(s\) emitted more events than their event rings hold/);
    expect(w).toContain('s · no-break · seed 2: 300 of 900 events not kept (kernel 250, nic0 50)');
    expect(w.endsWith('\n')).toBe(true);
    expect(formatReport(report(2, { hash: 'x', count: 900, dropped: 300, droppedBy: { kernel: 250, nic0: 50 } }))).toContain('events: 300 of 900 not kept (kernel 250, nic0 50)');
  });

  it('lists the first five runs and counts the rest', () => {
    const w = droppedEventsWarning(Array.from({ length: 8 }, (_, i) => report(i, { hash: 'x', count: 2, dropped: 1, droppedBy: { all: 1 } })))!;
    expect(w.split('\n').filter((l) => l.startsWith('  s ·'))).toHaveLength(5);
    expect(w).toContain('… and 3 more run(s)');
  });
});
