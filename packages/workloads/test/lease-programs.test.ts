/**
 * lease-holder and lease-breaker under the deterministic runtime (virtual time): real kernel
 * behaviour, checked against the kernel's own events.
 */
import { describe, expect, test } from 'vitest';
import { DeterministicRuntime, type ProgramModule, type RunResult, type RunSpec } from '@leasebreak/runtime';
import * as breakerModule from '../src/programs/lease-breaker.js';
import type { LeaseBreakerOutput } from '../src/programs/lease-breaker.js';
import * as holderModule from '../src/programs/lease-holder.js';
import type { LeaseHolderOutput } from '../src/programs/lease-holder.js';
import { parseLeaseBreakerOptions, parseLeaseHolderOptions } from '../src/programs/validators.js';

const MS = 1e6;
const FILES = [
  { path: '/pmem/a', size: 64 * 1024, uid: 0, mode: 0o644 },
  { path: '/pmem/b', size: 64 * 1024, uid: 0, mode: 0o644 },
];
const MODULES: Record<string, ProgramModule> = { 'lease-holder': holderModule, 'lease-breaker': breakerModule };

type Ev = RunResult['events'][number];
type EvOf<K extends Ev['kind']> = Extract<Ev, { kind: K }>;

interface Proc {
  readonly name: string;
  readonly workload: 'lease-holder' | 'lease-breaker';
  /** `with:` options as a scenario writes them (normalised here by the validator). */
  readonly with: Record<string, unknown>;
}

function holder(name: string, w: Record<string, unknown>): Proc {
  return { name, workload: 'lease-holder', with: w };
}
function breaker(name: string, w: Record<string, unknown>): Proc {
  return { name, workload: 'lease-breaker', with: w };
}

function spec(procs: readonly Proc[], o: { durationNs: number; leaseBreakTimeNs: number; seed?: number }): RunSpec {
  return {
    kernel: { pmemPages: 256, leaseBreakTimeNs: o.leaseBreakTimeNs, files: FILES },
    processes: procs.map((p) => {
      const parsed = p.workload === 'lease-holder' ? parseLeaseHolderOptions(p.with, { files: FILES }) : parseLeaseBreakerOptions(p.with, { files: FILES });
      if (!parsed.ok) throw new Error(`bad options for ${p.name}: ${JSON.stringify(parsed.issues)}`);
      return { name: p.name, program: p.workload, input: { name: p.name, durationNs: o.durationNs, options: parsed.value } };
    }),
    barriers: {},
    seed: o.seed ?? 1,
    timeLimitNs: o.durationNs + o.leaseBreakTimeNs + 5e9,
  };
}

async function run(s: RunSpec): Promise<RunResult> {
  const r = await new DeterministicRuntime({ load: async (url) => MODULES[url]! }).run(s);
  for (const p of r.processes) if (p.error !== undefined) throw new Error(`${p.name} threw: ${p.error}`);
  expect(r.status, r.detail).toBe('ok');
  for (const p of r.processes) expect(p.exit, p.name).toBe(0);
  return r;
}

function out<T>(r: RunResult, name: string): T {
  const p = r.processes.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no process ${name}`);
  return p.output as T;
}

function events<K extends Ev['kind']>(r: RunResult, kind: K): EvOf<K>[] {
  return r.events.filter((e): e is EvOf<K> => e.kind === kind);
}

function pid(r: RunResult, name: string): number {
  return r.processes.find((p) => p.name === name)!.pid;
}

/** Index in the event stream of the holder's first successful F_SETLEASE (its lease is set). */
function leaseSetAt(r: RunResult, holderName: string): number {
  const hp = pid(r, holderName);
  return r.events.findIndex((e) => e.kind === 'syscall.exit' && e.pid === hp && e.op === 'fcntl' && e.errno === null);
}

/** Index of the breaker's first syscall entry. */
function firstOpAt(r: RunResult, breakerName: string): number {
  const bp = pid(r, breakerName);
  return r.events.findIndex((e) => e.kind === 'syscall.enter' && e.pid === bp && e.op !== 'exit');
}

describe('lease-holder + lease-breaker: release on SIGIO, closed loop', () => {
  const procs = [holder('holder', { file: '/pmem/a', onSigio: 'release', delay: '1ms' }), breaker('breaker', { file: '/pmem/a', op: 'open-write' })];

  test('every open succeeds; each break waits for the holder’s release', async () => {
    const r = await run(spec(procs, { durationNs: 30 * MS, leaseBreakTimeNs: 200 * MS }));
    const h = out<LeaseHolderOutput>(r, 'holder');
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(h.done && b.done).toBe(true);
    expect(h.error).toBeNull();

    // Breaks happened, and the breaker never failed.
    expect(h.breaks).toBeGreaterThan(0);
    expect(b.count).toBeGreaterThan(0);
    expect(b.ok).toBe(b.count);
    expect(b.errnos).toEqual({});
    expect(b.errno.every((e) => e === null)).toBe(true);

    // The holder's view: one signal per break, each released after its 1 ms delay and re-taken.
    expect(h.signals).toEqual({ SIGIO: h.breaks });
    expect(h.released).toBe(h.breaks);
    expect(h.reactErrno.every((e) => e === null)).toBe(true);
    expect(h.retakes).toBeGreaterThanOrEqual(h.breaks - 1);
    for (let i = 0; i < h.breaks; i++) {
      expect(h.signalTakenNs[i]!).toBeGreaterThanOrEqual(h.signalSentNs[i]!);
      expect(h.reactedNs[i]! - h.signalTakenNs[i]!).toBeGreaterThanOrEqual(1 * MS);
    }

    // The kernel's view: as many breaks as signals, each done 'ok' after ≥ 1 ms (the delay).
    const started = events(r, 'lease.break');
    const done = events(r, 'lease.break.done');
    expect(started).toHaveLength(h.breaks);
    expect(done).toHaveLength(h.breaks);
    for (const d of done) {
      expect(d.result).toBe('ok');
      expect(d.breaker).toBe(pid(r, 'breaker'));
      expect(d.t - d.startedAt).toBeGreaterThanOrEqual(1 * MS);
    }
    // The breaker's view agrees: exactly the operations that broke a lease took ≥ 1 ms.
    expect(b.latencyNs.filter((l) => l >= 1 * MS)).toHaveLength(h.breaks);
    expect(b.latency?.max).toBeGreaterThanOrEqual(1 * MS);
  });

  test('same seed, same run', async () => {
    const a = await run(spec(procs, { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS, seed: 5 }));
    const b = await run(spec(procs, { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS, seed: 5 }));
    expect(a.eventHash).toBe(b.eventHash);
    expect(a.processes.map((p) => p.output)).toEqual(b.processes.map((p) => p.output));
  });

  test('two files, two pairs: each holder is broken only by its own breaker', async () => {
    const r = await run(
      spec(
        [
          holder('holder-a', { file: '/pmem/a' }),
          holder('holder-b', { file: '/pmem/b' }),
          breaker('breaker-a', { file: '/pmem/a' }),
          breaker('breaker-b', { file: '/pmem/b' }),
        ],
        { durationNs: 20 * MS, leaseBreakTimeNs: 200 * MS },
      ),
    );
    for (const s of ['a', 'b']) {
      const h = out<LeaseHolderOutput>(r, `holder-${s}`);
      const b = out<LeaseBreakerOutput>(r, `breaker-${s}`);
      expect(h.breaks).toBeGreaterThan(0);
      expect(b.ok).toBe(b.count);
      const owner = pid(r, `holder-${s}`);
      const mine = events(r, 'lease.break').filter((e) => e.owner === owner);
      expect(mine).toHaveLength(h.breaks);
      expect(mine.every((e) => e.breaker === pid(r, `breaker-${s}`))).toBe(true);
    }
  });
});

describe('lease-holder: reactions and signals', () => {
  test('onSigio ignore: every breaker waits the whole lease-break-time and the break times out', async () => {
    const procs = [holder('holder', { file: '/pmem/a', onSigio: 'ignore' }), breaker('breaker', { file: '/pmem/a', op: 'open-write', rate: 10 })];
    const r = await run(spec(procs, { durationNs: 1000 * MS, leaseBreakTimeNs: 50 * MS, seed: 1 }));
    // Precondition (seed-dependent): the holder set its lease before the breaker's first open.
    expect(leaseSetAt(r, 'holder')).toBeGreaterThanOrEqual(0);
    expect(leaseSetAt(r, 'holder')).toBeLessThan(firstOpAt(r, 'breaker'));
    const h = out<LeaseHolderOutput>(r, 'holder');
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(b.count).toBe(10); // 10/s for 1 s
    expect(b.ok).toBe(10);
    for (const l of b.latencyNs) expect(l).toBeGreaterThanOrEqual(50 * MS);
    const done = events(r, 'lease.break.done');
    expect(done).toHaveLength(10);
    for (const d of done) {
      expect(d.result).toBe('timedOut');
      expect(d.t - d.startedAt).toBeGreaterThanOrEqual(50 * MS);
    }
    // The holder took every signal, did nothing, and re-took the lease once the breaker had closed
    // (F_SETLEASE F_RDLCK answers EAGAIN while the breaker holds the file open for write).
    expect(h.breaks).toBe(10);
    expect(h.ignored).toBe(10);
    expect(h.released).toBe(0);
    expect(h.retakes).toBe(10);
    expect(h.eagain).toBeGreaterThan(0);
    expect(h.takeErrnos).toEqual({ EAGAIN: h.eagain });
    for (let i = 0; i < h.breaks; i++) expect(h.retakenNs[i]! - h.signalTakenNs[i]!).toBeGreaterThanOrEqual(50 * MS);
  });

  test('nonblock: every open fails EAGAIN while the lease is held, and the breaker paces itself', async () => {
    const procs = [holder('holder', { file: '/pmem/a', onSigio: 'ignore' }), breaker('breaker', { file: '/pmem/a', op: 'open-write', nonblock: true })];
    const r = await run(spec(procs, { durationNs: 20 * MS, leaseBreakTimeNs: 1000 * MS, seed: 1 }));
    expect(leaseSetAt(r, 'holder')).toBeLessThan(firstOpAt(r, 'breaker'));
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    const h = out<LeaseHolderOutput>(r, 'holder');
    // Closed loop, each failure followed by a pause: one operation per 100 µs, not a spin.
    expect(b.count).toBe(20 * MS / breakerModule.MIN_CYCLE_NS);
    expect(b.ok).toBe(0);
    expect(b.errnos).toEqual({ EAGAIN: b.count });
    expect(b.latencyNs.every((l) => l === 0)).toBe(true);
    const done = events(r, 'lease.break.done');
    expect(done).toHaveLength(b.count);
    expect(done.every((d) => d.result === 'EWOULDBLOCK')).toBe(true);
    // The lease was marked once; later breakers find it pending and signal nobody.
    expect(events(r, 'lease.break')).toHaveLength(1);
    expect(h.breaks).toBe(1);
  });

  test('signal: F_SETSIG is issued again after every F_UNLCK, so no break arrives as plain SIGIO', async () => {
    const procs = [holder('holder', { file: '/pmem/a', signal: 'SIGRTMIN+1' }), breaker('breaker', { file: '/pmem/a' })];
    const r = await run(spec(procs, { durationNs: 20 * MS, leaseBreakTimeNs: 200 * MS }));
    const h = out<LeaseHolderOutput>(r, 'holder');
    expect(h.signal).toBe('SIGRTMIN+1');
    expect(h.breaks).toBeGreaterThan(1);
    expect(h.signals).toEqual({ 'SIGRTMIN+1': h.breaks });
    // si_fd is set once F_SETSIG was used.
    const delivered = events(r, 'signal.deliver').filter((e) => e.pid === pid(r, 'holder'));
    expect(delivered.every((e) => e.signo === 'SIGRTMIN+1' && e.fd === 3 && e.how === 'wait')).toBe(true);
  });

  test('downgrade: a write lease downgraded for a reader, then upgraded again', async () => {
    const procs = [holder('holder', { file: '/pmem/a', lease: 'F_WRLCK', onSigio: 'downgrade' }), breaker('breaker', { file: '/pmem/a', op: 'open-read' })];
    const r = await run(spec(procs, { durationNs: 20 * MS, leaseBreakTimeNs: 200 * MS }));
    const h = out<LeaseHolderOutput>(r, 'holder');
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(h.breaks).toBeGreaterThan(0);
    expect(h.downgraded).toBe(h.breaks);
    expect(b.ok).toBe(b.count);
    const started = events(r, 'lease.break');
    expect(started.every((e) => e.target === 'F_RDLCK')).toBe(true);
    expect(events(r, 'lease.break.done').every((d) => d.result === 'ok')).toBe(true);
  });

  test('retake false: one break, then the breaker runs free', async () => {
    const procs = [holder('holder', { file: '/pmem/a', retake: false }), breaker('breaker', { file: '/pmem/a' })];
    const r = await run(spec(procs, { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS }));
    const h = out<LeaseHolderOutput>(r, 'holder');
    expect(h.breaks).toBe(1);
    expect(h.retakes).toBe(0);
    expect(h.takes).toBe(1);
    expect(events(r, 'lease.break')).toHaveLength(1);
    expect(out<LeaseBreakerOutput>(r, 'breaker').count).toBe(100);
  });

  test('truncate breaks a read lease; its length defaults to the file size', async () => {
    const procs = [holder('holder', { file: '/pmem/a' }), breaker('breaker', { file: '/pmem/a', op: 'truncate' })];
    const r = await run(spec(procs, { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS }));
    const h = out<LeaseHolderOutput>(r, 'holder');
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(h.breaks).toBeGreaterThan(0);
    expect(b.ok).toBe(b.count);
    const bp = pid(r, 'breaker');
    const truncs = events(r, 'syscall.enter').filter((e) => e.pid === bp && e.op === 'truncate');
    expect(truncs).toHaveLength(b.count);
    expect(truncs.every((e) => (e.args as { length: number }).length === 64 * 1024)).toBe(true);
  });
});

describe('lease-breaker pacing', () => {
  test('closed loop with nothing to break: one operation per 100 µs, not a spin', async () => {
    const r = await run(spec([breaker('breaker', { file: '/pmem/a' })], { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS }));
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(b.count).toBe(100);
    expect(b.intendedNs.slice(0, 3)).toEqual([0, 100_000, 200_000]);
    expect(b.ok).toBe(100);
  });

  test('rate on schedule: operations start at t0 + i/rate', async () => {
    const r = await run(spec([breaker('breaker', { file: '/pmem/a', rate: 1000 })], { durationNs: 10 * MS, leaseBreakTimeNs: 200 * MS }));
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(b.count).toBe(10);
    expect(b.intendedNs).toEqual(Array.from({ length: 10 }, (_, i) => i * MS));
    expect(b.startedNs).toEqual(b.intendedNs);
    expect(b.latencyNs.every((l) => l === 0)).toBe(true);
    expect(b.missed).toBe(0);
  });

  test('rate behind schedule: latency counts from the intended start (no coordinated omission)', async () => {
    // 100 ops/s (a slot every 10 ms), but each open keeps its fd 25 ms: the breaker falls behind.
    // Every open itself is instant; the latency is the lateness the breaker could not avoid.
    const r = await run(spec([breaker('breaker', { file: '/pmem/a', rate: 100, hold: '25ms' })], { durationNs: 100 * MS, leaseBreakTimeNs: 200 * MS }));
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(b.intendedNs).toEqual([0, 10 * MS, 20 * MS, 30 * MS]);
    expect(b.startedNs).toEqual([0, 25 * MS, 50 * MS, 75 * MS]);
    expect(b.latencyNs).toEqual([0, 15 * MS, 30 * MS, 45 * MS]);
    // Slots 40..90 ms were still owed when the duration ended.
    expect(b.missed).toBe(6);
    expect(b.latency).toMatchObject({ count: 4, max: 45 * MS });
  });

  test('the same breaker in closed loop measures from the actual start', async () => {
    const r = await run(spec([breaker('breaker', { file: '/pmem/a', hold: '25ms' })], { durationNs: 100 * MS, leaseBreakTimeNs: 200 * MS }));
    const b = out<LeaseBreakerOutput>(r, 'breaker');
    expect(b.intendedNs).toEqual([0, 25 * MS, 50 * MS, 75 * MS]);
    expect(b.latencyNs).toEqual([0, 0, 0, 0]);
  });
});

describe('progress reports', () => {
  test('partial output is recorded while the program runs', async () => {
    const reports: unknown[] = [];
    const rt = new DeterministicRuntime({
      load: async (url) => {
        const m = MODULES[url]!;
        return { runProgram: (ctx, input) => m.runProgram({ ...ctx, progress: (p) => reports.push(structuredClone(p)) }, input) };
      },
    });
    const r = await rt.run(spec([breaker('breaker', { file: '/pmem/a' })], { durationNs: 30 * MS, leaseBreakTimeNs: 200 * MS }));
    expect(r.status).toBe('ok');
    const partial = reports as LeaseBreakerOutput[];
    // One at the start, then one per 100 operations (300 operations in 30 ms).
    expect(partial.map((p) => p.count)).toEqual([0, 100, 200, 300]);
    expect(partial.every((p) => !p.done && p.latency === null)).toBe(true);
  });
});
