/**
 * One deterministic run in a piscina worker (seed sweeps: independent single-thread runs, in
 * parallel across cores). Same seed, same report, whichever worker runs it.
 */
import type { PolicyName } from '@leasebreak/model';
import { DeterministicRuntime } from '@leasebreak/runtime';
import type { KernelKnobs, Scenario } from '../scenario/types.js';
import { plan } from './plan.js';
import { type Report, buildReport } from './report.js';

export interface SweepTask {
  readonly scenario: Scenario;
  readonly policy: PolicyName;
  readonly seed: number;
  readonly durationUs: number;
  readonly kernel?: KernelKnobs;
}

export default async function runOne(t: SweepTask): Promise<Report> {
  const p = plan(t.scenario, t.policy, { seed: t.seed, durationUs: t.durationUs, ...(t.kernel === undefined ? {} : { kernel: t.kernel }) });
  const rt = new DeterministicRuntime();
  const r = await rt.run(p.spec);
  return buildReport(t.scenario, t.policy, r, rt.lastSchedule);
}
