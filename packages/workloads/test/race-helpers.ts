/**
 * Running the race built-ins in tests: load a built-in, plan it for a policy and a seed, run it
 * (the deterministic runtime by default), and read the kernel's events.
 */
import { expect } from 'vitest';
import type { PolicyName } from '@leasebreak/model';
import { DeterministicRuntime, type RunResult, ThreadsRuntime } from '@leasebreak/runtime';
import { WORKLOAD_VALIDATORS, builtinScenario, loadScenario, plan, type KernelKnobs, type Scenario } from '../src/index.js';

export type Ev = RunResult['events'][number];
export type EvOf<K extends Ev['kind']> = Extract<Ev, { kind: K }>;

export function scenarioText(text: string, source = 'race.yaml'): Scenario {
  const r = loadScenario(text, source, { workloads: WORKLOAD_VALIDATORS });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line ?? '?'}: ${e.path}: ${e.message}`).join('\n'));
  return r.scenario;
}

export function builtin(name: string): Scenario {
  const text = builtinScenario(name);
  if (text === undefined) throw new Error(`no built-in ${name}`);
  return scenarioText(text, `builtin:${name}`);
}

export interface RaceRunOptions {
  readonly seed: number;
  /** µs; default the scenario's. */
  readonly durationUs?: number;
  readonly mode?: 'deterministic' | 'threads';
  readonly kernel?: KernelKnobs;
}

export async function runRace(s: Scenario, policy: PolicyName, o: RaceRunOptions): Promise<RunResult> {
  const p = plan(s, policy, { seed: o.seed, durationUs: o.durationUs ?? s.duration, ...(o.kernel === undefined ? {} : { kernel: o.kernel }) });
  const r = await (o.mode === 'threads' ? new ThreadsRuntime() : new DeterministicRuntime()).run(p.spec);
  for (const pr of r.processes) if (pr.error !== undefined) throw new Error(`${pr.name} threw: ${pr.error}`);
  expect(r.status, `${policy} seed ${o.seed}: ${r.detail ?? ''}`).toBe('ok');
  return r;
}

export function events<K extends Ev['kind']>(r: RunResult, kind: K): EvOf<K>[] {
  return r.events.filter((e): e is EvOf<K> => e.kind === kind);
}

export function pidOf(r: RunResult, name: string): number {
  const p = r.processes.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no process ${name}`);
  return p.pid;
}

export function output<T>(r: RunResult, name: string): T {
  return r.processes.find((x) => x.name === name)!.output as T;
}

/** DMA writes that missed their block, by class (architecture §6). */
export function dmaClasses(r: RunResult): { corruption: number; lostWrite: number; staleOffset: number; all: EvOf<'dma.write'>[] } {
  const all = events(r, 'dma.write').filter((d) => d.op === 'write' && (d.owner.ino !== d.intended.ino || d.owner.index !== d.intended.index));
  let corruption = 0;
  let lostWrite = 0;
  let staleOffset = 0;
  for (const d of all) {
    if (d.owner.ino <= 0) lostWrite++;
    else if (d.owner.ino === d.intended.ino) staleOffset++;
    else corruption++;
  }
  return { corruption, lostWrite, staleOffset, all };
}

/** The `layout.change` events of one process (its truncates and fallocates, restores included). */
export function layoutChanges(r: RunResult, name: string): EvOf<'layout.change'>[] {
  const pid = pidOf(r, name);
  return events(r, 'layout.change').filter((e) => e.pid === pid);
}
