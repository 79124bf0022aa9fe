/**
 * Running RDMA scenarios in tests: load the YAML with the real validators, plan it (which adds
 * the NIC daemon), run it under the deterministic runtime with the programs' TypeScript sources.
 */
import { expect } from 'vitest';
import type { PolicyName } from '@leasebreak/model';
import { DeterministicRuntime, type ProgramModule, type RunResult } from '@leasebreak/runtime';
import { type Scenario, formatScenarioErrors, loadScenario } from '../src/index.js';
import * as nic from '../src/programs/nic.js';
import type { NicOutput } from '../src/programs/nic.js';
import * as reader from '../src/programs/rdma-reader.js';
import * as writer from '../src/programs/rdma-writer.js';
import type { RdmaOutput } from '../src/programs/rdma-writer.js';
import * as script from '../src/programs/script.js';
import type { ScriptOutput } from '../src/programs/script.js';
import { WORKLOAD_VALIDATORS } from '../src/programs/validators.js';
import { type Plan, plan } from '../src/run/plan.js';
import { type Report, buildReport } from '../src/run/report.js';

const MODULES: Record<string, ProgramModule> = {
  'script.js': script,
  'nic.js': nic,
  'rdma-writer.js': writer,
  'rdma-reader.js': reader,
};

export function load(yaml: string): Scenario {
  const r = loadScenario(yaml, 'test.yaml', { workloads: WORKLOAD_VALIDATORS });
  if (!r.ok) throw new Error(formatScenarioErrors(r.errors));
  return r.scenario;
}

export interface Ran {
  readonly s: Scenario;
  readonly plan: Plan;
  readonly r: RunResult;
  readonly report: Report;
}

/** Plan and run under the deterministic runtime. Fails on program errors and hangs. */
export async function runDet(yaml: string, policy: PolicyName, seed = 1): Promise<Ran> {
  const s = load(yaml);
  const p = plan(s, policy, { seed, durationUs: s.duration });
  const rt = new DeterministicRuntime({
    load: async (url) => {
      const m = MODULES[url.slice(url.lastIndexOf('/') + 1)];
      if (m === undefined) throw new Error(`test: no module for ${url}`);
      return m;
    },
  });
  const r = await rt.run(p.spec);
  for (const x of r.processes) if (x.error !== undefined) throw new Error(`${x.name} threw: ${x.error}`);
  expect(r.status, r.detail).toBe('ok');
  return { s, plan: p, r, report: buildReport(s, policy, r, rt.lastSchedule) };
}

export function output<T>(r: RunResult, name: string): T {
  const p = r.processes.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no process ${name}`);
  return p.output as T;
}

export const nicOut = (r: RunResult): NicOutput => output<NicOutput>(r, 'nic0');
export const rdmaOut = (r: RunResult, name: string): RdmaOutput => output<RdmaOutput>(r, name);
export const scriptOut = (r: RunResult, name: string): ScriptOutput => output<ScriptOutput>(r, name);

export function pidOf(r: RunResult, name: string): number {
  return r.processes.find((p) => p.name === name)!.pid;
}

/** The inode number of `path` (from the kernel's end-of-run audit). */
export function inoOf(r: RunResult, path: string): number {
  const e = Object.entries(r.audit.paths).find(([, p]) => p === path);
  if (e === undefined) throw new Error(`no inode for ${path}`);
  return Number(e[0]);
}

/** A 4 KiB string of one character (a page of file data for a scripted write). */
export const PAGE_OF = (c: string): string => c.repeat(4096);
