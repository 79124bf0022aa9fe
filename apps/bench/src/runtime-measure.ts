/**
 * The runtime measurements, for one CPU placement: the floor (a raw Atomics wait/notify round
 * trip between two threads, each pinned to its CPU), the null syscall and the lease break round
 * trips, with the default polling and with polling off. Run in a child confined to the
 * placement's CPUs (runtime-probe.ts), or in-process, unpinned, where taskset is missing.
 */
import { Worker } from 'node:worker_threads';
import { ThreadsRuntime, distUrl } from '@leasebreak/runtime';
import { benchSpec, modelLeaseBreak } from './lease-model.js';
import { pinThread } from './pin.js';

export interface Pcts {
  readonly p50: number;
  readonly p99: number;
}

export interface RuntimeFigures {
  readonly floor: Pcts;
  /** Why the floor's threads are not each on their CPU (null: they are). */
  readonly floorUnpinned: string | null;
  readonly nullSyscall: Pcts;
  readonly nullNoPoll: Pcts;
  readonly lease: Pcts;
  readonly leaseNoPoll: Pcts;
}

export function pcts(xs: readonly number[]): Pcts {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)] ?? 0, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0 };
}

/** Untimed null syscalls first (~50 ms): the JIT's warm-up is not the steady state. */
const NULL_WARMUP = 20_000;

/**
 * The floor: `n` round trips, thread A on cpus[0] and thread B on cpus[1] (the same CPU or two),
 * without the warm-up tenth. Unpinned (and saying why) if a thread cannot be placed.
 */
export async function atomicsFloor(n: number, cpus: readonly [number, number] | null): Promise<{ samples: number[]; unpinned: string | null }> {
  const buf = new SharedArrayBuffer(8);
  const go = new Int32Array(buf);
  const url = distUrl('./pingpong.worker.js', import.meta.url);
  const ws = [0, 1].map((role) => new Worker(url, { workerData: { buf, role, n }, execArgv: [] }));
  const tids = await Promise.all(ws.map((w) => new Promise<number | null>((r) => w.once('message', (m: { tid: number | null }) => r(m.tid)))));
  let unpinned: string | null = cpus === null ? 'no placement asked' : null;
  if (cpus !== null) {
    for (let i = 0; i < 2 && unpinned === null; i++) {
      const tid = tids[i];
      unpinned = tid == null ? 'no thread ids here (/proc/thread-self)' : pinThread(tid, cpus[i]!);
    }
  }
  const done = ws.map((w) => new Promise<number[]>((r) => w.once('message', (m: { samples: number[] }) => r(m.samples))));
  Atomics.store(go, 1, 1);
  Atomics.notify(go, 1);
  const [samples] = await Promise.all(done);
  await Promise.all(ws.map((w) => w.terminate()));
  return { samples: samples!.slice(Math.floor(n / 10)), unpinned };
}

async function nullSyscall(n: number, pollNs: number | undefined): Promise<Pcts> {
  const url = distUrl('./programs/null-syscall.js', import.meta.url).href;
  const r = await new ThreadsRuntime().run(benchSpec([{ name: 'p', program: url, input: { n, warmup: NULL_WARMUP } }], {}, pollNs));
  if (r.status !== 'ok' || r.processes[0]!.error !== undefined) throw new Error(`null syscall bench: ${r.status} ${r.processes[0]!.error ?? ''}`);
  return pcts(r.processes[0]!.output as number[]);
}

/** Everything, for `n` round trips each, with the floor's threads on `cpus` (or unpinned: null). */
export async function measureRuntime(n: number, cpus: readonly [number, number] | null): Promise<RuntimeFigures> {
  const floor = await atomicsFloor(n, cpus);
  return {
    floor: pcts(floor.samples),
    floorUnpinned: floor.unpinned,
    nullSyscall: await nullSyscall(n, undefined),
    nullNoPoll: await nullSyscall(n, 0),
    lease: pcts(await modelLeaseBreak(n)),
    leaseNoPoll: pcts(await modelLeaseBreak(n, 0)),
  };
}
