/**
 * Runtime benchmarks (threads runtime, real workers): the null syscall and the lease-break round
 * trip, each beside a raw Atomics wait/notify round trip between two threads measured in the same
 * run. A round trip is two wakes. Without polling a null syscall is two (process → kernel →
 * process) and a lease break four (breaker → kernel → holder → kernel → breaker); with the kernel
 * thread polling (the default) entering the kernel costs no wake, as on Linux, and a lease break
 * keeps the two wakes Linux has: the holder's (SIGIO) and the breaker's (the release).
 */
import { Worker } from 'node:worker_threads';
import { type RunSpec, ThreadsRuntime, distUrl } from '@leasebreak/runtime';
import { type Row, fmtNs } from './harness.js';
import { type HostBreak, buildHostProbe, hostLeaseBreak } from './host.js';

function pcts(xs: number[]): { p50: number; p99: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length * 0.5)] ?? 0, p99: s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? 0 };
}

async function atomicsFloor(n: number): Promise<number[]> {
  const buf = new SharedArrayBuffer(8);
  const url = distUrl('./pingpong.worker.js', import.meta.url);
  const b = new Worker(url, { workerData: { buf, role: 1, n }, execArgv: [] });
  const a = new Worker(url, { workerData: { buf, role: 0, n }, execArgv: [] });
  const [samples] = await Promise.all([new Promise<number[]>((r) => a.once('message', r)), new Promise((r) => b.once('message', r))]);
  await Promise.all([a.terminate(), b.terminate()]);
  return samples.slice(Math.floor(n / 10)); // drop the warm-up tenth
}

function spec(processes: RunSpec['processes'], barriers: RunSpec['barriers'] = {}, pollNs?: number): RunSpec {
  return { kernel: { pmemPages: 256, leaseBreakTimeNs: 45e9, files: [{ path: '/pmem/a', size: 4096, uid: 0 }] }, processes, barriers, seed: 1, timeLimitNs: 120e9, keepEvents: false, ...(pollNs === undefined ? {} : { pollNs }) };
}

/**
 * The host probe runs first, before this process reserves gigabytes of shared memory: a fork
 * from a process that large can fail with ENOMEM under the kernel's overcommit heuristic.
 */
export function hostProbeFirst(n: number): (model: { p50: number; p99: number }) => Row[] {
  const probe = buildHostProbe();
  if (!probe.ok) return () => [{ bench: 'host kernel lease break', value: `skipped: ${probe.reason}`, floor: '-', ratio: '-', target: '-', met: null }];
  let hosts: HostBreak[];
  try {
    hosts = [true, false].map((same) => hostLeaseBreak(probe.path, n, same));
  } catch (e) {
    const why = (e as { stderr?: Buffer | string; message?: string }).stderr?.toString().trim() || (e as Error).message;
    return () => [{ bench: 'host kernel lease break', value: `probe failed: ${why.split('\n')[0]}`, floor: '-', ratio: '-', target: '-', met: null }];
  }
  return (model) => hostRows(model, hosts);
}

export async function runtimeBench(n: number, host: (model: { p50: number; p99: number }) => Row[]): Promise<Row[]> {
  const floor = pcts(await atomicsFloor(n));
  const rows: Row[] = [{ bench: 'floor: Atomics wait/notify round trip (2 threads)', value: `p50 ${fmtNs(floor.p50)}`, floor: `p99 ${fmtNs(floor.p99)}`, ratio: '1.00', target: '-', met: null }];

  const nullUrl = distUrl('./programs/null-syscall.js', import.meta.url).href;
  const leaseUrl = distUrl('./programs/lease-pingpong.js', import.meta.url).href;
  const m = Math.max(50, Math.floor(n / 10));
  let model: { p50: number; p99: number } = { p50: 0, p99: 0 };
  // The default (the kernel thread polls, callers spin briefly: see runtime/src/threads/poll.ts),
  // then with polling off, every hop a sleep and a wake, for reference.
  for (const pollNs of [undefined, 0]) {
    const how = pollNs === 0 ? ' [no polling: every hop a wake]' : '';
    const r1 = await new ThreadsRuntime().run(spec([{ name: 'p', program: nullUrl, input: { n } }], {}, pollNs));
    const nul = pcts((r1.processes[0]!.output as number[]).slice(Math.floor(n / 10)));
    const nr = nul.p50 / floor.p50;
    rows.push({ bench: `null syscall round trip (process → kernel thread → process)${how}`, value: `p50 ${fmtNs(nul.p50)} p99 ${fmtNs(nul.p99)}`, floor: fmtNs(floor.p50), ratio: `${nr.toFixed(2)}×`, target: pollNs === 0 ? '-' : '≤ 1.1×', met: pollNs === 0 ? null : nr <= 1.1 });

    const r2 = await new ThreadsRuntime().run(spec([
      { name: 'holder', program: leaseUrl, input: { n: m, role: 'holder' }, blocked: [29] },
      { name: 'breaker', program: leaseUrl, input: { n: m, role: 'breaker' } },
    ], { leased: ['holder', 'breaker'] }, pollNs));
    if (r2.status !== 'ok' || r2.processes.some((p) => p.error !== undefined)) throw new Error(`lease bench: ${r2.status} ${r2.processes.map((p) => p.error ?? '').join(' ')}`);
    const lb = pcts((r2.processes[1]!.output as number[]).slice(Math.floor(m / 10)));
    const lr = lb.p50 / floor.p50;
    rows.push({ bench: `lease break round trip (holder releases at once)${how}`, value: `p50 ${fmtNs(lb.p50)} p99 ${fmtNs(lb.p99)}`, floor: fmtNs(floor.p50), ratio: `${lr.toFixed(2)}×`, target: pollNs === 0 ? '-' : '≤ 2×', met: pollNs === 0 ? null : lr <= 2 });
    if (pollNs === undefined) model = lb;
  }
  rows.push(...host(model));
  return rows;
}

/** The model's lease break against the host kernel's, at p50 and p99, for each placement. */
function hostRows(model: { p50: number; p99: number }, hosts: readonly HostBreak[]): Row[] {
  const rows: Row[] = [];
  for (const h of hosts) {
    const r50 = model.p50 / h.p50Ns;
    const r99 = model.p99 / h.p99Ns;
    rows.push({
      bench: `lease break vs host kernel (host: ${h.placement}, cpu ${h.holderCpu}/${h.breakerCpu}; model threads unpinned)`,
      value: `model p50 ${fmtNs(model.p50)} p99 ${fmtNs(model.p99)}`,
      floor: `host p50 ${fmtNs(h.p50Ns)} p99 ${fmtNs(h.p99Ns)}`,
      ratio: `p50 ${r50.toFixed(2)}× · p99 ${r99.toFixed(2)}×`,
      target: 'p50 ≤ 1.0 · p99 ≤ 1.5',
      met: r50 <= 1 && r99 <= 1.5,
    });
  }
  return rows;
}
