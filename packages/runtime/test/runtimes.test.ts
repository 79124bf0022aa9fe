import { describe, expect, it } from 'vitest';
import { DeterministicRuntime, ThreadsRuntime, type RunSpec } from '../src/index.js';

const program = new URL('./fixtures/lease-pair.mjs', import.meta.url).href;

function spec(seed: number): RunSpec {
  return {
    kernel: { pmemPages: 64, leaseBreakTimeNs: 2e9, files: [{ path: '/pmem/a', size: 4096, uid: 0 }] },
    processes: [
      { name: 'holder', program, input: { role: 'holder' } },
      { name: 'breaker', program, input: { role: 'breaker' } },
    ],
    barriers: { leased: ['holder', 'breaker'] },
    seed,
    timeLimitNs: 20e9,
  };
}

type Log = { op: string; ret: number; errno: string | null; t: number }[];

function check(r: Awaited<ReturnType<ThreadsRuntime['run']>>): void {
  expect(r.status).toBe('ok');
  const holder = r.processes[0]!.output as Log;
  const breaker = r.processes[1]!.output as Log;
  const open = breaker.find((e) => e.op === 'open')!;
  const release = holder.find((e) => e.op === 'release')!;
  expect(open).toMatchObject({ ret: 3, errno: null });
  expect(release).toMatchObject({ ret: 0, errno: null });
  // The breaker entered open() before the holder released and returned only after the kernel
  // saw the release (one clock for every thread).
  const breakerPid = r.processes[1]!.pid;
  const releasedAt = r.events.findIndex((e) => e.kind === 'lease.transition' && e.to === 'released');
  const enteredAt = r.events.findIndex((e) => e.kind === 'syscall.enter' && e.pid === breakerPid && e.op === 'open');
  const released = r.events[releasedAt]!;
  expect(releasedAt).toBeGreaterThan(enteredAt);
  expect(enteredAt).toBeGreaterThan(-1);
  expect(open.t).toBeGreaterThanOrEqual(released.t);
  // The holder's sleep was cut short by SIGIO (EINTR), long before its 5 s.
  expect(holder.find((e) => e.op === 'nanosleep')).toMatchObject({ errno: 'EINTR' });
  const done = r.events.filter((e) => e.kind === 'lease.break.done');
  expect(done).toHaveLength(1);
  expect(done[0]).toMatchObject({ result: 'ok' });
}

describe('runtimes', () => {
  it('deterministic: a breaker waits for the holder; same seed, same event hash', async () => {
    const a = await new DeterministicRuntime().run(spec(7));
    const b = await new DeterministicRuntime().run(spec(7));
    check(a);
    expect(a.eventHash).toBe(b.eventHash);
    expect(a.eventCount).toBe(b.eventCount);
  });

  it('threads: a breaker really blocks until the holder (another thread) releases', async () => {
    for (const seed of [1, 2, 3]) check(await new ThreadsRuntime().run(spec(seed)));
  }, 30_000);

  it('threads: the lifecycle machines, fed their batches only when the run ends, step exactly as in the deterministic run', async () => {
    type R = Awaited<ReturnType<ThreadsRuntime['run']>>;
    const steps = (r: R): string[] => r.events.flatMap((e) => (e.kind === 'lease.transition' ? [`${e.from}→${e.to} on ${e.event}`] : []));
    const det = steps(await new DeterministicRuntime().run(spec(1)));
    expect(det.length).toBeGreaterThanOrEqual(3);
    expect(det).toContain('breaking.timed→released on lease.release');
    for (const seed of [1, 2]) expect(steps(await new ThreadsRuntime().run(spec(seed)))).toEqual(det);
  }, 30_000);
});
