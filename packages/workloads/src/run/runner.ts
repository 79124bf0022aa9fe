/**
 * Run a scenario: every policy × every seed, each in the chosen runtime. Threads runs go one at a
 * time (they are the race; running two at once would change their timing). Deterministic runs are
 * independent single-thread jobs: a sweep of several runs in parallel on a piscina pool, one
 * worker per core. Reports come back whole and in order; an interrupted run is reported as such.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { POLICY_NAMES, type PolicyName } from '@leasebreak/model';
import { DeterministicRuntime, type RunResult, type RunSpec, ThreadsRuntime, distUrl } from '@leasebreak/runtime';
import type { KernelKnobs, Mode, Scenario } from '../scenario/types.js';
import { BadInput, plan } from './plan.js';
import { type Report, buildReport } from './report.js';
import type { SweepTask } from './sweep.worker.js';

const SWEEP_WORKER = distUrl('./sweep.worker.js', import.meta.url).href;

export interface RunOptions {
  readonly policies?: readonly string[];
  readonly seed?: number;
  readonly runs?: number;
  readonly mode?: Mode;
  readonly durationUs?: number;
  readonly kernel?: KernelKnobs;
  /** Threads runtime: how long the kernel thread polls before sleeping (ns); 0: never. */
  readonly pollNs?: number;
  /** Threads runtime: bytes of event ring per thread (RunSpec.eventRingBytes); unset: the defaults. */
  readonly eventRingBytes?: RunSpec['eventRingBytes'];
  readonly signal?: AbortSignal;
  /** Called after each run. */
  readonly onRun?: (done: number, total: number, report: Report) => void;
  /**
   * Called with each run's raw result (its whole event stream) and its report, before `onRun`;
   * awaited. For what the report does not keep (a trace export): the result is not retained.
   */
  readonly onResult?: (result: RunResult, report: Report) => void | Promise<void>;
}

export async function runScenario(s: Scenario, opts: RunOptions = {}): Promise<Report[]> {
  const policies = (opts.policies ?? s.policy) as readonly string[];
  for (const p of policies) {
    if (!(POLICY_NAMES as readonly string[]).includes(p)) throw new BadInput(`--policy: unknown policy "${p}"; known: ${POLICY_NAMES.join(', ')}`);
  }
  const seed0 = opts.seed ?? s.seed;
  const runs = opts.runs ?? s.runs;
  const mode = opts.mode ?? s.mode;
  const durationUs = opts.durationUs ?? s.duration;
  const total = policies.length * runs;
  if (mode === 'deterministic' && total > 1 && opts.onResult === undefined && availableParallelism() > 1) {
    return sweep(s, policies as PolicyName[], seed0, runs, durationUs, opts, total);
  }
  const reports: Report[] = [];
  for (const policy of policies) {
    for (let i = 0; i < runs; i++) {
      const seed = seed0 + i;
      const p = plan(s, policy as PolicyName, { seed, durationUs, ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }), ...(opts.pollNs === undefined ? {} : { pollNs: opts.pollNs }), ...(opts.eventRingBytes === undefined ? {} : { eventRingBytes: opts.eventRingBytes }) });
      let report: Report;
      let result: RunResult;
      if (opts.signal?.aborted) break;
      if (mode === 'deterministic') {
        const rt = new DeterministicRuntime();
        result = await rt.run(p.spec, opts.signal);
        report = buildReport(s, policy, result, rt.lastSchedule);
      } else {
        result = await new ThreadsRuntime().run(p.spec, opts.signal);
        report = buildReport(s, policy, result, null);
      }
      await opts.onResult?.(result, report);
      reports.push(report);
      opts.onRun?.(reports.length, total, report);
    }
  }
  return reports;
}

/** Deterministic runs in parallel on a piscina pool; reports in policy × seed order. */
async function sweep(s: Scenario, policies: readonly PolicyName[], seed0: number, runs: number, durationUs: number, opts: RunOptions, total: number): Promise<Report[]> {
  // Plan every run here first: bad input fails fast, before any worker starts.
  const tasks: SweepTask[] = [];
  for (const policy of policies) {
    for (let i = 0; i < runs; i++) {
      const t: SweepTask = { scenario: s, policy, seed: seed0 + i, durationUs, ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }) };
      plan(t.scenario, t.policy, { seed: t.seed, durationUs, ...(t.kernel === undefined ? {} : { kernel: t.kernel }) });
      tasks.push(t);
    }
  }
  const pool = new Piscina({ filename: SWEEP_WORKER, maxThreads: Math.min(availableParallelism(), tasks.length), execArgv: [] });
  let done = 0;
  try {
    const settled = await Promise.allSettled(
      tasks.map(async (t) => {
        const r = (await pool.run(t, opts.signal === undefined ? {} : { signal: opts.signal })) as Report;
        opts.onRun?.(++done, total, r);
        return r;
      }),
    );
    const reports: Report[] = [];
    for (const r of settled) {
      if (r.status === 'fulfilled') reports.push(r.value);
      else if (!(opts.signal?.aborted ?? false)) throw r.reason;
    }
    return reports;
  } finally {
    await pool.destroy();
  }
}

export { BadInput };
