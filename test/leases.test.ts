/**
 * Every lease rule of kernel-semantics §1 (and its "Observed on a real kernel" facts) as a scenario
 * file under test/leases/, run through the built CLI: once deterministic, and under real threads
 * over three seeds. Each must pass (its `expect:` values are Linux's answers); where a rule is
 * about time, the report's step times are checked too.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliJson } from './cli.js';

interface Step {
  readonly index: number;
  readonly op: string;
  readonly args: Record<string, unknown>;
  readonly ret: number | string | null;
  readonly errno: string | null;
  readonly startUs: number;
  readonly endUs: number;
  readonly handler?: string;
}
interface Proc {
  readonly name: string;
  readonly exit: number | string | null;
  readonly steps: readonly Step[];
  readonly signals: readonly { readonly signo: string; readonly atUs: number; readonly fd: number | null }[];
}
interface Report {
  readonly scenario: string;
  readonly mode: string;
  readonly seed: number;
  readonly status: string;
  readonly detail?: string;
  readonly outcomes: { readonly informedFailure: Record<string, number> };
  readonly leaseBreaks: { readonly count: number; readonly timedOut: number; readonly interrupted: number; readonly wouldBlock: number };
  readonly processes: readonly Proc[];
  readonly expectations: readonly { readonly what: string; readonly ok: boolean; readonly detail: string }[];
}

const DIR = fileURLToPath(new URL('./leases/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const MS = 1000; // report times are µs
/** How late a real-time wake-up may be on a loaded 2-core machine. */
const SLACK_US = 5000 * MS;

function proc(r: Report, name: string): Proc {
  const p = r.processes.find((x) => x.name === name);
  if (p === undefined) throw new Error(`${r.scenario}: no process ${name}`);
  return p;
}

/** A top-level step (not one run by a signal handler) by its index in the process's steps. */
function step(r: Report, name: string, index: number): Step {
  const s = proc(r, name).steps.find((x) => x.index === index && x.handler === undefined);
  if (s === undefined) throw new Error(`${r.scenario}: ${name} has no step ${index} (it recorded ${proc(r, name).steps.map((x) => x.index).join(', ')})`);
  return s;
}

const dur = (s: Step): number => s.endUs - s.startUs;

function describeFailure(r: Report): string {
  const bad = r.expectations.filter((e) => !e.ok).map((e) => `  ✗ ${e.what} — ${e.detail}`);
  return `${r.scenario} (${r.mode}, seed ${r.seed}) is ${r.status}${r.detail ? `: ${r.detail}` : ''}\n${bad.join('\n')}`;
}

/**
 * Timing (and other report-only) checks, per scenario file, on every report. Deterministic runs
 * have virtual time, so their bounds are exact; threads runs get SLACK_US on the upper side only
 * (a deadline never fires early).
 */
const CHECKS: Record<string, (r: Report) => void> = {
  'write-open-breaks-read-lease.yaml': (r) => {
    const open = step(r, 'writer', 1);
    // the writer waited for both holders' F_UNLCK, not for the 10 s deadline
    expect(open.endUs).toBeGreaterThanOrEqual(step(r, 'holder1', 5).startUs);
    expect(open.endUs).toBeGreaterThanOrEqual(step(r, 'holder2', 5).startUs);
    expect(dur(open)).toBeLessThan(10_000 * MS);
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'downgrade-for-read-breaker.yaml': (r) => {
    const open = step(r, 'reader', 1);
    expect(open.endUs).toBeGreaterThanOrEqual(step(r, 'holder', 5).startUs); // the downgrade
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'downgrade-under-write-breaker-eagain.yaml': (r) => {
    expect(step(r, 'writer', 1).endUs).toBeGreaterThanOrEqual(step(r, 'wholder', 7).startUs);
    expect(step(r, 'rdwr', 1).endUs).toBeGreaterThanOrEqual(step(r, 'rholder', 6).startUs);
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'truncate-breaks-lease.yaml': (r) => {
    const unlocks = (name: string): Step => {
      const s = proc(r, name).steps.find((x) => x.handler === 'SIGIO' && x.op === 'fcntl' && x.args['arg'] === 'F_UNLCK');
      if (s === undefined) throw new Error(`${name}: its SIGIO handler did not run F_UNLCK`);
      return s;
    };
    expect(step(r, 'truncer', 1).endUs).toBeGreaterThanOrEqual(unlocks('rholder').startUs);
    expect(step(r, 'truncer', 2).endUs).toBeGreaterThanOrEqual(unlocks('wholder').startUs);
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'break-time-forced-removal.yaml': (r) => {
    const open = step(r, 'writer', 1);
    expect(dur(open)).toBeGreaterThanOrEqual(200 * MS);
    expect(dur(open)).toBeLessThan(200 * MS + SLACK_US);
    expect(r.leaseBreaks.timedOut).toBe(1);
  },
  'break-time-forced-downgrade.yaml': (r) => {
    const open = step(r, 'reader', 1);
    expect(dur(open)).toBeGreaterThanOrEqual(200 * MS);
    expect(dur(open)).toBeLessThan(200 * MS + SLACK_US);
    expect(r.leaseBreaks.timedOut).toBe(1);
  },
  'truncate-breaks-own-lease.yaml': (r) => {
    // with a handler: EINTR at once, long before the deadline
    expect(dur(step(r, 'handler', 3))).toBeLessThan(200 * MS);
    // blocking its own SIGIO: the whole lease-break-time, then the forced removal
    const t = step(r, 'blocker', 2);
    expect(dur(t)).toBeGreaterThanOrEqual(200 * MS);
    expect(dur(t)).toBeLessThan(200 * MS + SLACK_US);
  },
  'eintr-breaker-signalled.yaml': (r) => {
    const first = step(r, 'breaker', 2);
    const second = step(r, 'breaker', 5);
    expect(first.errno).toBe('EINTR');
    expect(dur(first)).toBeLessThan(400 * MS);
    // the second open returns at the first break's deadline (first.start + 400 ms); a fresh
    // lease-break-time would end it no earlier than second.start + 400 ms ≥ first.start + 700 ms
    expect(second.startUs - first.startUs).toBeGreaterThanOrEqual(300 * MS);
    expect(second.endUs - first.startUs).toBeGreaterThanOrEqual(400 * MS);
    expect(second.endUs - first.startUs).toBeLessThan(650 * MS);
    expect(r.leaseBreaks.interrupted).toBe(1);
    expect(r.leaseBreaks.timedOut).toBe(1);
    expect(r.outcomes.informedFailure['EINTR']).toBe(1);
  },
  'lease-break-time-0-no-deadline.yaml': (r) => {
    const open = step(r, 'writer', 1);
    const pause = step(r, 'holder', 4);
    const unlock = step(r, 'holder', 6);
    expect(open.endUs).toBeGreaterThanOrEqual(unlock.startUs);
    // The open began while the holder was still ignoring the break, and outlasted the 400 ms
    // pause (it may have begun a little after the pause did: the two left the barrier apart).
    expect(open.startUs).toBeLessThan(pause.endUs);
    expect(open.endUs).toBeGreaterThanOrEqual(pause.startUs + 400 * MS);
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'lazy-expiry.yaml': (r) => {
    // each pause lasts past the 100 ms deadline
    for (const i of [6, 14, 23, 32]) expect(dur(step(r, 'holder', i))).toBeGreaterThanOrEqual(250 * MS);
  },
  'exit-drops-leases.yaml': (r) => {
    const open = step(r, 'writer', 1);
    expect(open.endUs).toBeGreaterThanOrEqual(step(r, 'quitter', 4).startUs);
    expect(dur(open)).toBeLessThan(SLACK_US); // the exit woke it, not the 10 s deadline
    expect(proc(r, 'victim').exit).toBe('SIGKILL');
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'unlck-resets-setsig.yaml': (r) => {
    const holder = proc(r, 'holder');
    expect(holder.exit).toBe('SIGIO');
    // the first break came as the F_SETSIG signal with si_fd; the second (plain SIGIO) killed it
    expect(holder.signals).toEqual([expect.objectContaining({ signo: 'SIGRTMIN+1', fd: 3 })]);
    expect(holder.steps.some((s) => s.index === 11)).toBe(false);
    expect(dur(step(r, 'writer', 5))).toBeLessThan(SLACK_US);
    expect(r.leaseBreaks.timedOut).toBe(0);
  },
  'self-break-no-handler-dies.yaml': (r) => {
    const holder = proc(r, 'holder');
    expect(holder.exit).toBe('SIGIO');
    // it died inside its own open: that open never returned
    expect(holder.steps.map((s) => s.index)).toEqual([0, 1]);
  },
  'setsig-si-fd.yaml': (r) => {
    const sig = (name: string) => proc(r, name).signals.map((s) => ({ signo: s.signo, fd: s.fd }));
    expect(sig('dflt')).toEqual([{ signo: 'SIGIO', fd: null }]);
    expect(sig('sigio')).toEqual([{ signo: 'SIGIO', fd: 3 }]);
    expect(sig('rt')).toEqual([{ signo: 'SIGRTMIN+1', fd: 4 }]);
    expect(sig('reset')).toEqual([{ signo: 'SIGIO', fd: null }]);
  },
  'nonblock-breaker-ewouldblock-holder-signalled.yaml': (r) => {
    expect(r.leaseBreaks.wouldBlock).toBe(4);
    expect(proc(r, 'holder').signals.map((s) => s.signo)).toEqual(['SIGIO']);
  },
  'read-open-does-not-break-read-lease.yaml': (r) => {
    expect(r.leaseBreaks.count + r.leaseBreaks.wouldBlock).toBe(0);
    expect(proc(r, 'holder').signals).toEqual([]);
  },
  'o-trunc-rdonly.yaml': (r) => {
    expect(proc(r, 'rholder').signals).toEqual([]);
    expect(step(r, 'truncer', 3).endUs).toBeGreaterThanOrEqual(step(r, 'wholder', 5).startUs);
  },
  'layout-lease-ignores-plain-breaker.yaml': (r) => {
    expect(proc(r, 'lholder').signals).toEqual([]);
    expect(r.leaseBreaks.count + r.leaseBreaks.wouldBlock).toBe(0);
  },
};

function check(file: string, reports: readonly Report[]): void {
  for (const r of reports) {
    expect(r.status, describeFailure(r)).toBe('passed');
    CHECKS[file]?.(r);
  }
}

describe('lease rules (test/leases/*.yaml) through the CLI', () => {
  it('has a scenario file per rule', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(25);
    for (const f of Object.keys(CHECKS)) expect(FILES).toContain(f);
  });

  for (const file of FILES) {
    const path = `leases/${file}`;

    it(`${file}: deterministic`, async () => {
      const r = await cliJson<Report>(['run', path, '--mode', 'deterministic']);
      const reports = Array.isArray(r.json) ? (r.json as Report[]) : [r.json];
      expect(reports).toHaveLength(1);
      for (const rep of reports) expect(rep.status, describeFailure(rep) + `\n${r.stderr}`).toBe('passed');
      expect(r.code, r.stderr).toBe(0);
      check(file, reports);
    });

    it(`${file}: threads, seeds 1..3`, async () => {
      const r = await cliJson<Report[]>(['run', path, '--mode', 'threads', '--runs', '3', '--seed', '1']);
      expect(Array.isArray(r.json), 'three runs print an array').toBe(true);
      expect(r.json).toHaveLength(3);
      expect(r.json.map((x) => x.seed)).toEqual([1, 2, 3]);
      for (const rep of r.json) expect(rep.status, describeFailure(rep) + `\n${r.stderr}`).toBe('passed');
      expect(r.code, r.stderr).toBe(0);
      check(file, r.json);
    });
  }
});
