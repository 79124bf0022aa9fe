/**
 * Run a scenario: every policy × every seed, one run at a time, each in the chosen runtime.
 * Reports come back whole; an interrupted run is reported as `interrupted`.
 */
import { POLICY_NAMES, type PolicyName } from '@leasebreak/model';
import { DeterministicRuntime, type RunResult, ThreadsRuntime } from '@leasebreak/runtime';
import type { KernelKnobs, Mode, Scenario } from '../scenario/types.js';
import { BadInput, plan } from './plan.js';
import { type Report, buildReport } from './report.js';

export interface RunOptions {
  readonly policies?: readonly string[];
  readonly seed?: number;
  readonly runs?: number;
  readonly mode?: Mode;
  readonly durationUs?: number;
  readonly kernel?: KernelKnobs;
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
  const reports: Report[] = [];
  for (const policy of policies) {
    for (let i = 0; i < runs; i++) {
      const seed = seed0 + i;
      const p = plan(s, policy as PolicyName, { seed, durationUs, ...(opts.kernel === undefined ? {} : { kernel: opts.kernel }) });
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

export { BadInput };
