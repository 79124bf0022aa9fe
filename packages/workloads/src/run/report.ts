/**
 * The report of one run (architecture §8): built from the runtime's result — the programs'
 * outputs and the kernel's event stream. Keys are a contract; add, never rename.
 */
import type { RunResult } from '@leasebreak/runtime';
import { Pmem } from '@leasebreak/model';
import { type DmaRecord, type Violation as CheckedViolation, countClasses, dmaRecordsFromEvents, offlineScan, toViolation } from '@leasebreak/checker';
import type { SimEvent } from '@leasebreak/trace';
import { type Expectation, type StepRecord, percentile } from '../programs/records.js';
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
  };
  readonly processes: readonly ProcessReport[];
  readonly expectations: readonly Expectation[];
  readonly pins: { readonly leaked: number };
  readonly replay: { readonly seed: number; readonly schedule: readonly number[] | null };
  /** The run's event hash (deterministic runs: same seed, same hash) and event count. */
  readonly events: { readonly hash: string; readonly count: number };
  /** Why the run ended abnormally, if it did. */
  readonly detail?: string;
}

function pct(values: number[]): Percentiles {
  const s = values.sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { p50: r(percentile(s, 50)), p90: r(percentile(s, 90)), p99: r(percentile(s, 99)), p999: r(percentile(s, 99.9)), max: r(s[s.length - 1] ?? 0) };
}

const us = (ns: number): number => ns / 1000;

/** Lease breaks and their phases: notify (break → holder takes the signal), holder (→ release), wake (→ breaker resumes). */
export function leaseBreakStats(events: readonly SimEvent[]): Report['leaseBreaks'] {
  const total: number[] = [];
  const notify: number[] = [];
  const holder: number[] = [];
  const wake: number[] = [];
  let count = 0;
  let timedOut = 0;
  let interrupted = 0;
  let wouldBlock = 0;
  for (const d of events) {
    if (d.kind !== 'lease.break.done') continue;
    if (d.result === 'EWOULDBLOCK') {
      wouldBlock++;
      continue;
    }
    count++;
    if (d.result === 'timedOut') timedOut++;
    if (d.result === 'EINTR') {
      interrupted++;
      continue;
    }
    total.push(us(d.t - d.startedAt));
    if (d.result !== 'ok') continue;
    const marks = events.filter((e): e is Extract<SimEvent, { kind: 'lease.break' }> => e.kind === 'lease.break' && e.breaker === d.breaker && e.t === d.startedAt);
    const owners = new Set(marks.map((m) => m.owner));
    const leases = new Set(marks.map((m) => m.lease));
    const sig = events.find((e) => e.kind === 'signal.deliver' && owners.has(e.pid) && e.t >= d.startedAt && e.t <= d.t && (e.how === 'handler' || e.how === 'wait'));
    const rel = events.find((e) => e.kind === 'lease.transition' && leases.has(e.lease) && e.t >= d.startedAt && e.t <= d.t && e.from.startsWith('breaking'));
    if (sig === undefined || rel === undefined || rel.t < sig.t) continue;
    notify.push(us(sig.t - d.startedAt));
    holder.push(us(rel.t - sig.t));
    wake.push(us(d.t - rel.t));
  }
  return { count, timedOut, interrupted, wouldBlock, latencyUs: pct(total), phasesUs: { notify: pct(notify), holder: pct(holder), wake: pct(wake) } };
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
    events: { hash: r.eventHash, count: r.eventCount },
    ...(r.detail === undefined ? {} : { detail: r.detail }),
  };
}
