/** The stderr warning when an event ring overflowed: none when nothing was dropped. */
import { describe, expect, it } from 'vitest';
import type { Report } from '@leasebreak/workloads';
import { droppedEventsWarning, formatReport, runOptions } from '../src/run.js';
import { MIB, ringBytes } from '../src/rings.js';

const report = (seed: number, events: Report['events'], mode: Report['mode'] = 'threads'): Report =>
  ({
    scenario: 's',
    policy: 'no-break',
    mode,
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

  it('tells which rings to raise with --ring-mib, from the sizes the runs used', () => {
    const w = droppedEventsWarning([report(2, { hash: 'x', count: 900, dropped: 300, droppedBy: { kernel: 250, lifecycle: 0, nic0: 50 } })])!;
    expect(w).toContain('  raise the full rings with --ring-mib (MiB now: kernel 64, process 64, lifecycle 8), e.g. --ring-mib kernel=128 --ring-mib process=128\n');
    // A process called kernel has its own key: its ring is a process ring.
    const own = droppedEventsWarning([report(2, { hash: 'x', count: 9, dropped: 3, droppedBy: { kernel: 0, lifecycle: 3, 'kernel (pid 100)': 0 } })], ringBytes({ lifecycle: 16 * MIB }))!;
    expect(own).toContain('raise the full ring with --ring-mib (MiB now: kernel 64, process 64, lifecycle 16), e.g. --ring-mib lifecycle=32');
    const big = droppedEventsWarning([report(2, { hash: 'x', count: 9, dropped: 3, droppedBy: { kernel: 3 } })], ringBytes({ kernel: 1024 * MIB }))!;
    expect(big).toContain('the full rings are at their largest (--ring-mib 1024)');
    expect(droppedEventsWarning([report(2, { hash: 'x', count: 9, dropped: 3, droppedBy: { kernel: 3 } })], ringBytes({ kernel: 600 * MIB }))).toContain('--ring-mib kernel=1024');
    // The deterministic runtime has one bounded buffer: --ring-mib does not apply.
    const det = droppedEventsWarning([report(1, { hash: 'x', count: 9, dropped: 3, droppedBy: { all: 3 } }, 'deterministic')])!;
    expect(det).not.toContain('raise');
    expect(det).toMatch(/deterministic runs keep their first \d+ events \(--ring-mib sizes the threads runtime's rings\)/);
  });

  it('--ring-mib: N for every ring, RING=N for one (later wins), in bytes; anything else names the flag and the range', () => {
    expect(runOptions({}).eventRingBytes).toBeUndefined();
    expect(runOptions({ ringMib: ['16'] }).eventRingBytes).toEqual({ kernel: 16 * MIB, process: 16 * MIB, lifecycle: 16 * MIB });
    expect(runOptions({ ringMib: ['16', 'kernel=256', 'lifecycle=1'] }).eventRingBytes).toEqual({ kernel: 256 * MIB, process: 16 * MIB, lifecycle: 1 * MIB });
    expect(runOptions({ ringMib: ['process=1024'] }).eventRingBytes).toEqual({ process: 1024 * MIB });
    for (const bad of ['0', '1025', '-1', '1.5', '64MiB', 'kernal=8', 'kernel=', '=8', 'kernel=0']) {
      expect(() => runOptions({ ringMib: [bad] }), bad).toThrow(/^--ring-mib: .*from 1 to 1024.*got "/);
    }
    expect(() => runOptions({ ringMib: ['kernal=8'] })).toThrow(/RING: kernel, process, lifecycle/);
  });

  it('lists the first five runs and counts the rest', () => {
    const w = droppedEventsWarning(Array.from({ length: 8 }, (_, i) => report(i, { hash: 'x', count: 2, dropped: 1, droppedBy: { all: 1 } })))!;
    expect(w.split('\n').filter((l) => l.startsWith('  s ·'))).toHaveLength(5);
    expect(w).toContain('… and 3 more run(s)');
  });
});
