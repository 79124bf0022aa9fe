/**
 * The Perfetto export and the lease-break phases on real runs: a lease file of test/leases/ and
 * the lease-break-latency built-in, through plan() and the runtimes, and through runScenario's
 * onResult.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DeterministicRuntime, type RunResult, ThreadsRuntime } from '@leasebreak/runtime';
import { type ChromeTraceEvent, LatencyHistogram, toChromeTrace, validateChromeTrace } from '@leasebreak/trace';
import { type Scenario, WORKLOAD_VALIDATORS, builtinScenario, leaseBreakPhases, leaseBreakStats, loadScenario, plan, runScenario } from '../src/index.js';

function load(text: string, source: string): Scenario {
  const r = loadScenario(text, source, { workloads: WORKLOAD_VALIDATORS });
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
  return r.scenario;
}

const leaseFile = (name: string): Scenario => load(readFileSync(new URL(`../../../test/leases/${name}`, import.meta.url), 'utf8'), name);

/** lease-break-latency with the holders answering after `delay` and a short run. */
function latencyScenario(delay: string): Scenario {
  const text = builtinScenario('lease-break-latency')!.replace(/onSigio: release, retake: true/g, `onSigio: release, retake: true, delay: ${delay}`);
  expect(text).toContain(`delay: ${delay}`);
  return load(text, 'builtin:lease-break-latency');
}

async function runIt(s: Scenario, o: { mode?: 'threads' | 'deterministic'; durationUs?: number } = {}): Promise<RunResult> {
  const p = plan(s, 'mainline', { seed: 1, durationUs: o.durationUs ?? s.duration });
  const r = await (o.mode === 'threads' ? new ThreadsRuntime() : new DeterministicRuntime()).run(p.spec);
  for (const pr of r.processes) expect(pr.error, pr.name).toBeUndefined();
  expect(r.status, r.detail).toBe('ok');
  return r;
}

const traceOf = (s: Scenario, r: RunResult) => toChromeTrace({ events: r.events, processes: r.processes, scenario: s.name, policy: 'mainline', seed: r.seed, mode: r.mode });
const pidOf = (r: RunResult, name: string): number => r.processes.find((p) => p.name === name)!.pid;

function expectPhasesAddUp(r: RunResult): number {
  const breaks = leaseBreakPhases(r.events);
  const done = breaks.filter((b) => b.phases !== null);
  for (const b of done) {
    const p = b.phases!;
    expect(p.notifyUs).toBeGreaterThanOrEqual(0);
    expect(p.holderUs).toBeGreaterThanOrEqual(0);
    expect(p.wakeUs).toBeGreaterThanOrEqual(0);
    expect(Math.abs(p.notifyUs + p.holderUs + p.wakeUs - b.totalUs)).toBeLessThanOrEqual(1);
  }
  // every completed break has phases; the others none
  expect(breaks.every((b) => (b.result === 'ok') === (b.phases !== null))).toBe(true);
  return done.length;
}

describe('Perfetto export of a real run', () => {
  it('truncate-breaks-lease: validates clean, with the syscalls, the lease slices and one flow per break', async () => {
    const s = leaseFile('truncate-breaks-lease.yaml');
    const r = await runIt(s);
    const t = traceOf(s, r);
    expect(validateChromeTrace(t)).toEqual([]);
    const evs = t.traceEvents;
    const truncer = pidOf(r, 'truncer');
    const rholder = pidOf(r, 'rholder');
    const wholder = pidOf(r, 'wholder');
    const on = (pid: number, f: (e: ChromeTraceEvent) => boolean): ChromeTraceEvent[] => evs.filter((e) => e.pid === pid && f(e));
    expect(on(truncer, (e) => e.ph === 'X' && e.name === 'do_sys_truncate')).toHaveLength(1);
    expect(on(truncer, (e) => e.ph === 'X' && e.name === 'do_sys_open')[0]!.args).toMatchObject({ path: '/pmem/b', ret: 3, errno: null });
    expect(on(rholder, (e) => e.ph === 'X' && e.name === 'do_fcntl').length).toBeGreaterThanOrEqual(3);
    for (const holder of [rholder, wholder]) {
      expect(on(holder, (e) => e.ph === 'b' && e.cat === 'lease').map((e) => e.name)).toEqual(['lease held', 'lease breaking']);
      expect(on(holder, (e) => e.ph === 'i' && e.name === 'signal_deliver')[0]!.args).toMatchObject({ signo: 'SIGIO', how: 'handler' });
    }
    // two breaks (the truncate, then the O_TRUNC open): breaker → holder's signal → holder's release → breaker
    const flows = evs.filter((e) => e.cat === 'break');
    const ids = [...new Set(flows.map((e) => e.id))];
    expect(ids).toHaveLength(2);
    const holders = [rholder, wholder];
    ids.forEach((id, k) => {
      expect(flows.filter((e) => e.id === id).map((e) => [e.ph, e.pid])).toEqual([
        ['s', truncer],
        ['t', holders[k]],
        ['t', holders[k]],
        ['f', truncer],
      ]);
    });
    const names = new Set(evs.map((e) => e.name));
    for (const n of ['__break_lease', 'signal_generate', 'generic_delete_lease', 'break_lease_unblock', 'live leases']) expect(names).toContain(n);
    const rows = evs.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!['name']);
    expect(rows).toEqual(['kernel', 'rholder', 'wholder', 'truncer']);
  });

  it('every lease scenario of test/leases exports a clean trace', async () => {
    for (const f of ['eintr-breaker-signalled.yaml', 'break-time-forced-removal.yaml', 'downgrade-for-read-breaker.yaml', 'self-break-no-handler-dies.yaml', 'getlease-target-type-during-break.yaml']) {
      const s = leaseFile(f);
      const p = plan(s, 'mainline', { seed: 1, durationUs: s.duration });
      const r = await new DeterministicRuntime().run(p.spec);
      expect(validateChromeTrace(traceOf(s, r)), f).toEqual([]);
    }
  });

  it('a DAX race: pins, counters and the busy-page wait', async () => {
    const s = load(builtinScenario('truncate-vs-dio')!, 'builtin:truncate-vs-dio');
    const r = await runIt(s, { durationUs: 20_000 });
    const t = traceOf(s, r);
    expect(validateChromeTrace(t)).toEqual([]);
    const evs = t.traceEvents;
    expect(evs.some((e) => e.ph === 'b' && e.cat === 'pin')).toBe(true);
    expect(evs.some((e) => e.ph === 'X' && e.cat === 'dax' && e.name === 'ext4_break_layouts')).toBe(true);
    expect(evs.filter((e) => e.ph === 'C' && e.name === 'pinned pages').some((e) => (e.args!['pages'] as number) > 0)).toBe(true);
    expect(evs.some((e) => e.ph === 'X' && e.name === 'iomap_dio_rw')).toBe(true);
  });
});

describe('lease-break phases', () => {
  it('lease-break-latency (deterministic): notify + holder + wake = total for every break; the holder phase is its delay', async () => {
    const s = latencyScenario('50us');
    const r = await runIt(s, { durationUs: 20_000 });
    expect(expectPhasesAddUp(r)).toBeGreaterThan(10);
    const breaks = leaseBreakPhases(r.events).filter((b) => b.phases !== null);
    for (const b of breaks) expect(b.phases!.holderUs).toBeCloseTo(50, 3);
    const stats = leaseBreakStats(r.events);
    expect(stats.count).toBe(leaseBreakPhases(r.events).length);
    expect(Math.abs(stats.phasesUs.holder.p50 - 50) / 50).toBeLessThan(1e-3);
    expect(Math.abs(stats.latencyUs.p50 - 50) / 50).toBeLessThan(1e-3);
    // the histogram in the report merges back to the same counts
    const h = LatencyHistogram.decode(stats.histogram!);
    expect(h.count).toBe(stats.count);
    const { max, ...ps } = h.percentiles();
    expect(ps).toEqual({ p50: stats.latencyUs.p50, p90: stats.latencyUs.p90, p99: stats.latencyUs.p99, p999: stats.latencyUs.p999 });
    expect(Math.abs(max - stats.latencyUs.max) / stats.latencyUs.max).toBeLessThan(1e-3);
    // and the trace carries the same split on each resume
    const unblock = traceOf(s, r).traceEvents.filter((e) => e.name === 'break_lease_unblock' && e.args!['result'] === 'ok');
    expect(unblock).toHaveLength(breaks.length);
    expect(unblock[0]!.args).toMatchObject({ holderUs: breaks[0]!.phases!.holderUs });
  });

  it('lease-break-latency (threads, real time): the phases add up for every completed break', async () => {
    const s = latencyScenario('20us');
    const r = await runIt(s, { mode: 'threads', durationUs: 150_000 });
    expect(expectPhasesAddUp(r)).toBeGreaterThan(0);
    expect(validateChromeTrace(traceOf(s, r))).toEqual([]);
  }, 60_000);

  it('runScenario hands each run result to onResult, with its report', async () => {
    const s = latencyScenario('10us');
    const seen: [number, number, string][] = [];
    const reports = await runScenario(s, {
      mode: 'deterministic',
      runs: 2,
      seed: 4,
      durationUs: 2_000,
      onResult: (result, report) => {
        seen.push([result.seed, result.events.length, report.policy]);
        expect(report.events.count).toBe(result.eventCount);
      },
    });
    expect(seen.map(([seed, , policy]) => [seed, policy])).toEqual([
      [4, 'mainline'],
      [5, 'mainline'],
    ]);
    expect(seen.every(([, n]) => n > 0)).toBe(true);
    expect(reports).toHaveLength(2);
    expect(typeof reports[0]!.leaseBreaks.histogram).toBe('string');
  });
});
