/**
 * The report of one run (architecture §8): built from the runtime's result — the programs'
 * outputs and the kernel's event stream. Keys are a contract; add, never rename.
 */
import type { RunResult } from '@leasebreak/runtime';
import { Pmem } from '@leasebreak/model';
import { type DmaRecord, type Violation as CheckedViolation, countClasses, dmaRecordsFromEvents, offlineScan, toViolation } from '@leasebreak/checker';
import { LatencyHistogram, type SimEvent, breakPhases, matchLeaseBreaks } from '@leasebreak/trace';
import type { Expectation, StepRecord } from '../programs/records.js';
import type { ScriptOutput } from '../programs/script.js';
import { INFORMED_FAILURE_ERRNOS, OUTCOME_KEYS, type InformedFailureErrno, type Scenario } from '../scenario/types.js';

export interface Percentiles {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export interface Outcomes {
  corruption: number;
  dataLeak: number;
  staleOffset: number;
  lostWrite: number;
  hang: number;
  delayedOk: number;
  informedFailure: Record<InformedFailureErrno, number>;
}

export type Violation = CheckedViolation;

/** One lease break: the breaker's wait from the break to its end (`result`: ok, timedOut, EINTR, EWOULDBLOCK). */
export interface LeaseBreakRecord {
  /** The breaker's pid. */
  readonly breaker: number;
  /** The pids whose leases it broke. */
  readonly holders: readonly number[];
  readonly startUs: number;
  readonly endUs: number;
  readonly result: string;
  /**
   * For a completed break: when the holder took the signal, when its lease left the breaking
   * state (the release or downgrade), and so when the breaker resumed relative to that
   * (endUs − releasedUs is the wake).
   */
  readonly signalledUs?: number;
  readonly releasedUs?: number;
}

export interface ProcessReport {
  readonly name: string;
  readonly pid: number;
  readonly exit: number | string | null;
  readonly steps: readonly StepRecord[];
  readonly signals: readonly { readonly signo: string; readonly atUs: number; readonly fd: number | null }[];
  /** A stress program's own output (counts, latencies), when it is one. */
  readonly workload?: unknown;
  readonly error?: string;
}

export interface Report {
  readonly scenario: string;
  readonly policy: string;
  readonly mode: string;
  readonly seed: number;
  readonly status: 'passed' | 'failed' | 'error' | 'interrupted';
  readonly durationMs: number;
  readonly outcomes: Outcomes;
  readonly violations: readonly Violation[];
  /** The offline pass over every file's stamps at the end of the run. */
  readonly offline: { readonly stamped: number; readonly misplaced: number; readonly examples: readonly unknown[] };
  readonly leaseBreaks: {
    readonly count: number;
    readonly timedOut: number;
    readonly interrupted: number;
    readonly wouldBlock: number;
    readonly latencyUs: Percentiles;
    readonly phasesUs: { readonly notify: Percentiles; readonly holder: Percentiles; readonly wake: Percentiles };
    /** The first MAX_BREAKS_LISTED breaks, in time order, for the HTML report's histogram and timeline (absent in older reports). */
    readonly breaks?: readonly LeaseBreakRecord[];
    /** The total latency as an HdrHistogram (V2 compressed base64, ns) to merge runs with (always written; absent in older reports). */
    readonly histogram?: string;
  };
  readonly processes: readonly ProcessReport[];
  readonly expectations: readonly Expectation[];
  readonly pins: { readonly leaked: number };
  readonly replay: { readonly seed: number; readonly schedule: readonly number[] | null };
  /** The run's event hash (deterministic runs: same seed, same hash) and event count. */
  readonly events: {
    readonly hash: string;
    readonly count: number;
    /** Counted but not kept (a full event ring or buffer); absent in older reports. */
    readonly dropped?: number;
    /**
     * `dropped` per thread: threads runs `kernel`, `lifecycle` (the lease machines) and each process by
     * name; deterministic runs `all` (one buffer). Absent in older reports.
     */
    readonly droppedBy?: Readonly<Record<string, number>>;
    /** Events emitted (kept or dropped) per thread, keyed as `droppedBy`. Absent in older reports. */
    readonly countBy?: Readonly<Record<string, number>>;
  };
  /** Why the run ended abnormally, if it did. */
  readonly detail?: string;
}

const us = (ns: number): number => ns / 1000;

/** Most lease breaks listed one by one in a report (the counts and percentiles cover all). */
const MAX_BREAKS_LISTED = 1000;

/** One breaker's lease break: its total latency and, when it completed, its three phases (µs). */
export interface LeaseBreakPhases {
  readonly breaker: number;
  readonly ino: number;
  readonly startUs: number;
  readonly totalUs: number;
  /** ok · timedOut · EINTR */
  readonly result: string;
  /** Completed breaks only: notify + holder + wake = totalUs. */
  readonly phases: { readonly notifyUs: number; readonly holderUs: number; readonly wakeUs: number } | null;
}

/**
 * Every lease break (a breaker's wait in __break_lease; O_NONBLOCK ones excluded) and, for each
 * that completed, notify = the holder took the signal − the break started, holder = the lease
 * left its breaking state − the signal, wake = the breaker resumed − the release
 * (@leasebreak/trace matchLeaseBreaks / breakPhases).
 */
export function leaseBreakPhases(events: readonly SimEvent[]): LeaseBreakPhases[] {
  return matchLeaseBreaks(events)
    .waits.filter((w) => w.result !== 'EWOULDBLOCK')
    .map((w) => {
      let phases: LeaseBreakPhases['phases'] = null;
      if (w.result === 'ok') {
        const p = breakPhases(w);
        phases = { notifyUs: us(p.notify), holderUs: us(p.holder), wakeUs: us(p.wake) };
      }
      return { breaker: w.breaker, ino: w.ino, startUs: us(w.startNs), totalUs: us(w.endNs - w.startNs), result: w.result, phases };
    });
}

/**
 * Lease breaks and their phases: notify (break → holder takes the signal), holder (→ release),
 * wake (→ breaker resumes), as HDR histograms. Timed-out and interrupted breaks count in the
 * total latency, not in the phases; O_NONBLOCK ones only in `wouldBlock`.
 */
export function leaseBreakStats(events: readonly SimEvent[]): Report['leaseBreaks'] {
  const total = new LatencyHistogram();
  const notify = new LatencyHistogram();
  const holder = new LatencyHistogram();
  const wake = new LatencyHistogram();
  let count = 0;
  let timedOut = 0;
  let interrupted = 0;
  let wouldBlock = 0;
  const breaks: LeaseBreakRecord[] = [];
  const brokenBy = new Map<string, Set<number>>();
  for (const e of events) {
    if (e.kind !== 'lease.break') continue;
    const k = `${e.breaker}@${e.t}`;
    brokenBy.set(k, (brokenBy.get(k) ?? new Set<number>()).add(e.owner));
  }
  const r1 = (ns: number): number => Math.round(us(ns) * 10) / 10;
  for (const w of matchLeaseBreaks(events).waits) {
    if (breaks.length < MAX_BREAKS_LISTED) {
      const holders = [...(brokenBy.get(`${w.breaker}@${w.startNs}`) ?? [])];
      const times: { signalledUs?: number; releasedUs?: number } = {};
      if (w.result === 'ok') {
        const p = breakPhases(w);
        times.signalledUs = r1(w.startNs + p.notify);
        times.releasedUs = r1(w.startNs + p.notify + p.holder);
      }
      breaks.push({ breaker: w.breaker, holders, startUs: r1(w.startNs), endUs: r1(w.endNs), result: w.result, ...times });
    }
    if (w.result === 'EWOULDBLOCK') {
      wouldBlock++;
      continue;
    }
    count++;
    if (w.result === 'timedOut') timedOut++;
    if (w.result === 'EINTR') interrupted++;
    total.record(w.endNs - w.startNs);
    if (w.result !== 'ok') continue;
    const p = breakPhases(w);
    notify.record(p.notify);
    holder.record(p.holder);
    wake.record(p.wake);
  }
  return {
    count,
    timedOut,
    interrupted,
    wouldBlock,
    latencyUs: total.percentiles(),
    phasesUs: { notify: notify.percentiles(), holder: holder.percentiles(), wake: wake.percentiles() },
    breaks,
    histogram: total.encode(),
  };
}

/** Most violations listed in a report (the counts in `outcomes` are complete). */
const MAX_LISTED = 200;

/**
 * DMA records the NIC daemon reported online (its `violations`, each with its evidence) and its
 * complete per-class counts, read tolerantly from its program output.
 */
function nicRecords(r: RunResult): { records: DmaRecord[]; counts: Partial<Record<string, number>> } {
  const records: DmaRecord[] = [];
  const counts: Partial<Record<string, number>> = {};
  for (const p of r.processes) {
    const o = p.output as { workload?: string; violations?: unknown; classes?: unknown } | null;
    if (o === null || typeof o !== 'object' || o.workload !== 'nic') continue;
    if (Array.isArray(o.violations)) {
      for (const v of o.violations as { class: string; atNs: number; pfn: number; victim: { ino: number; index: number }; writer: { pid: number; mr: number }; intended: { ino: number; index: number } }[]) {
        records.push({ atNs: v.atNs, pfn: v.pfn, intended: v.intended, owner: v.victim, op: v.class === 'dataLeak' ? 'read' : 'write', writerPid: v.writer.pid, mr: v.writer.mr, via: 'rdma' });
      }
    }
    if (o.classes !== null && typeof o.classes === 'object') for (const [k, n] of Object.entries(o.classes as Record<string, number>)) counts[k] = (counts[k] ?? 0) + n;
  }
  return { records, counts };
}

/** Syscalls whose EPERM / ETXTBSY / EOPNOTSUPP / EINTR tell the user the kernel said no. */
const INFORMING_OPS = new Set(['open', 'truncate', 'ftruncate', 'fallocate', 'ibv_reg_mr']);

export function buildReport(s: Scenario, policy: string, r: RunResult, schedule: readonly number[] | null): Report {
  const outcomes: Outcomes = { corruption: 0, dataLeak: 0, staleOffset: 0, lostWrite: 0, hang: 0, delayedOk: 0, informedFailure: { EPERM: 0, ETXTBSY: 0, EOPNOTSUPP: 0, EINTR: 0 } };
  for (const e of r.events) {
    if (e.kind === 'syscall.exit' && e.errno !== null && INFORMING_OPS.has(e.op) && (INFORMED_FAILURE_ERRNOS as readonly string[]).includes(e.errno)) {
      outcomes.informedFailure[e.errno as InformedFailureErrno]++;
    }
  }
  outcomes.hang = r.events.filter((e) => e.kind === 'hang').length;
  if (r.status === 'hang' && outcomes.hang === 0) outcomes.hang = 1;
  outcomes.delayedOk = r.events.filter((e) => e.kind === 'layout.change' && e.waited && e.errno === null).length;
  const names = { paths: r.audit.paths, processes: Object.fromEntries(r.processes.map((p) => [p.pid, p.name])), policy, seed: r.seed };
  const nic = nicRecords(r);
  const all = [...dmaRecordsFromEvents(r.events), ...nic.records].map((d) => toViolation(d, names)).filter((v): v is Violation => v !== null);
  const listed = all.sort((a, b) => a.atUs - b.atUs).slice(0, MAX_LISTED);
  const kernelCounts = countClasses(all.filter((v) => v.via === 'dio'));
  for (const c of ['corruption', 'dataLeak', 'staleOffset', 'lostWrite'] as const) {
    outcomes[c] = kernelCounts[c] + (nic.counts[c] ?? all.filter((v) => v.via === 'rdma' && v.class === c).length);
  }
  const off = offlineScan(Pmem.attach(r.pmem), r.audit.files, 20);
  const expectations: Expectation[] = [];
  const processes: ProcessReport[] = r.processes.map((p) => {
    const out = p.output as Partial<ScriptOutput> | null;
    const signals = r.events
      .filter((e) => (e.kind === 'signal.deliver' && (e.how === 'handler' || e.how === 'wait')) || e.kind === 'signal.pending')
      .filter((e) => (e as { pid: number }).pid === p.pid)
      .map((e) => {
        const x = e as Extract<SimEvent, { kind: 'signal.deliver' | 'signal.pending' }>;
        return { signo: x.signo, atUs: Math.round(us(x.t)), fd: x.fd };
      });
    const scripted = out !== null && Array.isArray(out.steps);
    if (scripted) expectations.push(...(out.expectations ?? []));
    if (p.error !== undefined) expectations.push({ what: `${p.name}: program`, ok: false, detail: p.error.split('\n')[0] ?? p.error });
    return {
      name: p.name,
      pid: p.pid,
      exit: p.exit,
      steps: scripted ? out.steps! : [],
      signals,
      ...(scripted || out === null ? {} : { workload: out }),
      ...(p.error === undefined ? {} : { error: p.error }),
    };
  });
  const want = s.expect.outcomes;
  for (const key of OUTCOME_KEYS) {
    const w = want[key];
    if (w === undefined) continue;
    if (key === 'informedFailure') {
      const got = outcomes.informedFailure;
      if (typeof w === 'number') {
        const sum = Object.values(got).reduce((a, b) => a + b, 0);
        expectations.push({ what: `outcomes.informedFailure = ${w}`, ok: sum === w, detail: `got ${sum}` });
      } else {
        for (const [errno, n] of Object.entries(w)) expectations.push({ what: `outcomes.informedFailure.${errno} = ${n}`, ok: got[errno as InformedFailureErrno] === n, detail: `got ${got[errno as InformedFailureErrno]}` });
      }
    } else {
      const got = outcomes[key];
      expectations.push({ what: `outcomes.${key} = ${w}`, ok: got === w, detail: `got ${got}` });
    }
  }
  if (r.status === 'hang' && want.hang === undefined) expectations.push({ what: 'the run finishes', ok: false, detail: r.detail ?? 'hang' });
  if (r.audit.fsck.length > 0) expectations.push({ what: 'the simulator\'s own invariants (fsck)', ok: false, detail: r.audit.fsck.join('; ') });
  const allExited = r.processes.every((p) => p.exit !== null || (p.output as { workload?: string } | null)?.workload === 'nic');
  if (allExited && r.audit.pinsHeld > 0) expectations.push({ what: 'no pin outlives its process (refcount audit)', ok: false, detail: `${r.audit.pinsHeld} page(s) still pinned` });
  const status: Report['status'] =
    r.status === 'interrupted' ? 'interrupted' : r.status === 'error' || r.audit.fsck.length > 0 || processes.some((p) => p.error !== undefined) ? 'error' : expectations.every((e) => e.ok) ? 'passed' : 'failed';
  return {
    scenario: s.name,
    policy,
    mode: r.mode,
    seed: r.seed,
    status,
    durationMs: Math.round(r.durationNs / 1e3) / 1e3,
    outcomes,
    violations: listed,
    offline: { stamped: off.stamped, misplaced: off.misplaced.length, examples: off.misplaced.slice(0, 5) },
    leaseBreaks: leaseBreakStats(r.events),
    processes,
    expectations,
    pins: { leaked: r.audit.pinsHeld },
    replay: { seed: r.seed, schedule },
    events: { hash: r.eventHash, count: r.eventCount, dropped: r.eventsDropped, droppedBy: r.eventsDroppedBy, countBy: r.eventCountBy },
    ...(r.detail === undefined ? {} : { detail: r.detail }),
  };
}
