/**
 * Runtime benchmarks (threads runtime, real workers): the null syscall and the lease-break round
 * trip, each beside a raw Atomics wait/notify round trip between two threads measured in the same
 * run. A round trip is two wakes. Without polling a null syscall is two (process → kernel →
 * process) and a lease break four (breaker → kernel → holder → kernel → breaker); with the kernel
 * thread polling (the default) entering the kernel costs no wake, as on Linux, and a lease break
 * keeps the two wakes Linux has: the holder's (SIGIO) and the breaker's (the release).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ThreadsRuntime, distUrl } from '@leasebreak/runtime';
import { benchSpec as spec, modelLeaseBreak } from './lease-model.js';
import { type Row, fmtNs } from './harness.js';
import { type HostBreak, buildHostProbe, hostLeaseBreak } from './host.js';

function pcts(xs: number[]): { p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)] ?? 0, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0 };
}

/** Untimed null syscalls first (~50 ms): the JIT's warm-up is not the steady state. */
const NULL_WARMUP = 20_000;

async function atomicsFloor(n: number): Promise<number[]> {
  const buf = new SharedArrayBuffer(8);
  const url = distUrl('./pingpong.worker.js', import.meta.url);
  const b = new Worker(url, { workerData: { buf, role: 1, n }, execArgv: [] });
  const a = new Worker(url, { workerData: { buf, role: 0, n }, execArgv: [] });
  const [samples] = await Promise.all([new Promise<number[]>((r) => a.once('message', r)), new Promise((r) => b.once('message', r))]);
  await Promise.all([a.terminate(), b.terminate()]);
  return samples.slice(Math.floor(n / 10)); // drop the warm-up tenth
}

interface Placed {
  readonly host: HostBreak;
  /** The model's lease break run under `taskset` with the host probe's placement, or why not. */
  readonly model: { p50: number; p99: number; cpus: string } | { why: string };
}

/**
 * The host probe runs first, and the model's probes with the same CPU placement (a child under
 * `taskset`) with it, before this process reserves gigabytes of shared memory: a fork from a
 * process that large can fail with ENOMEM under the kernel's overcommit heuristic.
 */
export function hostProbeFirst(n: number): (model: { p50: number; p99: number }) => Row[] {
  const probe = buildHostProbe();
  if (!probe.ok) return () => [{ bench: 'host kernel lease break', value: `skipped: ${probe.reason}`, floor: '-', ratio: '-', target: '-', met: null }];
  const placed: Placed[] = [];
  try {
    for (const same of [true, false]) {
      const host = hostLeaseBreak(probe.path, n, same);
      placed.push({ host, model: pinnedModel(n, same ? `${host.holderCpu}` : `${host.holderCpu},${host.breakerCpu}`) });
    }
  } catch (e) {
    const why = (e as { stderr?: Buffer | string; message?: string }).stderr?.toString().trim() || (e as Error).message;
    return () => [{ bench: 'host kernel lease break', value: `probe failed: ${why.split('\n')[0]}`, floor: '-', ratio: '-', target: '-', met: null }];
  }
  return (model) => hostRows(model, placed);
}

/** The model's lease break in a child process confined to `cpus` (taskset -c), or why not. */
function pinnedModel(m: number, cpus: string): Placed['model'] {
  const probe = fileURLToPath(distUrl('./lease-probe.js', import.meta.url));
  const r = spawnSync('taskset', ['-c', cpus, process.execPath, probe, String(m)], { encoding: 'utf8', timeout: 120_000 });
  if (r.error !== undefined) return { why: `taskset: ${r.error.message}` };
  if (r.status !== 0) return { why: `model probe on cpu ${cpus}: exit ${String(r.status)} ${r.stderr.trim().split('\n')[0] ?? ''}` };
  const { samples } = JSON.parse(r.stdout) as { samples: number[] };
  return { ...pcts(samples), cpus };
}

export async function runtimeBench(n: number, host: (model: { p50: number; p99: number }) => Row[]): Promise<Row[]> {
  const floor = pcts(await atomicsFloor(n));
  const rows: Row[] = [{ bench: 'floor: Atomics wait/notify round trip (2 threads)', value: `p50 ${fmtNs(floor.p50)}`, floor: `p99 ${fmtNs(floor.p99)}`, ratio: '1.00', target: '-', met: null }];

  const nullUrl = distUrl('./programs/null-syscall.js', import.meta.url).href;
  const m = n;
  let model: { p50: number; p99: number } = { p50: 0, p99: 0 };
  // The default (the kernel thread polls, callers spin briefly: see runtime/src/threads/poll.ts),
  // then with polling off, every hop a sleep and a wake, for reference.
  for (const pollNs of [undefined, 0]) {
    const how = pollNs === 0 ? ' [no polling: every hop a wake]' : '';
    const r1 = await new ThreadsRuntime().run(spec([{ name: 'p', program: nullUrl, input: { n, warmup: NULL_WARMUP } }], {}, pollNs));
    const nul = pcts(r1.processes[0]!.output as number[]);
    const nr = nul.p50 / floor.p50;
    rows.push({ bench: `null syscall round trip (process → kernel thread → process)${how}`, value: `p50 ${fmtNs(nul.p50)} p99 ${fmtNs(nul.p99)}`, floor: fmtNs(floor.p50), ratio: `${nr.toFixed(2)}×`, target: pollNs === 0 ? '-' : '≤ 1.1×', met: pollNs === 0 ? null : nr <= 1.1 });

    const lb = pcts(await modelLeaseBreak(m, pollNs));
    const lr = lb.p50 / floor.p50;
    rows.push({ bench: `lease break round trip (holder releases at once)${how}`, value: `p50 ${fmtNs(lb.p50)} p99 ${fmtNs(lb.p99)}`, floor: fmtNs(floor.p50), ratio: `${lr.toFixed(2)}×`, target: pollNs === 0 ? '-' : '≤ 2×', met: pollNs === 0 ? null : lr <= 2 });
    if (pollNs === undefined) model = lb;
  }
  rows.push(...host(model));
  return rows;
}

/**
 * The model's lease break against the host kernel's, at p50 and p99, for each placement: the
 * model confined to the same CPUs as the host's holder and breaker (taskset), or unpinned when
 * it could not be.
 */
function hostRows(unpinned: { p50: number; p99: number }, placed: readonly Placed[]): Row[] {
  const rows: Row[] = [];
  for (const { host: h, model: pm } of placed) {
    const model = 'why' in pm ? unpinned : pm;
    const where = 'why' in pm ? `model unpinned: ${pm.why}` : `model on cpu ${pm.cpus}`;
    const r50 = model.p50 / h.p50Ns;
    const r99 = model.p99 / h.p99Ns;
    const met = r50 <= 1 && r99 <= 1.5;
    rows.push({
      bench: `lease break vs host kernel (${h.placement}: host cpu ${h.holderCpu}/${h.breakerCpu}, ${where})`,
      value: `model p50 ${fmtNs(model.p50)} p99 ${fmtNs(model.p99)}`,
      floor: `host p50 ${fmtNs(h.p50Ns)} p99 ${fmtNs(h.p99Ns)}`,
      ratio: `p50 ${r50.toFixed(2)}× · p99 ${r99.toFixed(2)}×`,
      target: 'p50 ≤ 1.0 · p99 ≤ 1.5',
      met,
      ...(met ? {} : { note: `over by p50 ${Math.max(0, r50 - 1).toFixed(2)}× · p99 ${Math.max(0, r99 - 1.5).toFixed(2)}×` }),
    });
  }
  return rows;
}
