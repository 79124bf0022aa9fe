/**
 * Runtime benchmarks (threads runtime, real workers): the null syscall and the lease-break round
 * trip, each beside a raw Atomics wait/notify round trip between two threads measured in the same
 * run, and the lease break beside the host kernel's own (host.ts).
 *
 * Placement decides every one of these figures on a small machine, so each is measured per
 * placement, in a child process confined to it (runtime-probe.ts under `taskset`):
 *  - two CPUs: a round trip is two wake-ups of a sleeping CPU (tens of µs on a VM). Without
 *    polling a null syscall is two of them and a lease break four (breaker → kernel → holder →
 *    kernel → breaker); with the kernel thread polling (the default) entering the kernel costs
 *    none, as on Linux, and a lease break keeps the two Linux has (the holder's on SIGIO, the
 *    breaker's on the release).
 *  - same CPU: a round trip is two context switches (a few µs); every hop of the model is one,
 *    plus the JavaScript on each side, and polling is off (it would only delay the thread it
 *    waits for).
 * Where taskset is missing, the figures are measured once, unpinned, and say so.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { distUrl } from '@leasebreak/runtime';
import { type Row, fmtNs } from './harness.js';
import { type HostBreak, buildHostProbe, hostLeaseBreak } from './host.js';
import { type RuntimeFigures, measureRuntime } from './runtime-measure.js';

type PlacementName = 'same CPU' | 'two CPUs';

interface Placed {
  readonly placement: PlacementName;
  readonly cpus: readonly [number, number];
  readonly host: HostBreak | { why: string };
  readonly model: RuntimeFigures | { why: string };
}

/** The first two CPUs this process may run on (Cpus_allowed_list), or [0, 1]. */
function allowedCpus(): [number, number] {
  try {
    const list = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'latin1'))?.[1] ?? '';
    const cpus = list.split(',').flatMap((r) => {
      const [a, b] = r.split('-').map(Number);
      return b === undefined ? [a!] : Array.from({ length: b - a! + 1 }, (_, i) => a! + i);
    });
    if (cpus.length >= 2) return [cpus[0]!, cpus[1]!];
    if (cpus.length === 1) return [cpus[0]!, cpus[0]!];
  } catch {
    // not Linux: the defaults
  }
  return [0, 1];
}

/** The runtime measurements in a child confined to `cpus` (taskset -c), or why not. */
function probeAt(n: number, cpus: readonly [number, number]): RuntimeFigures | { why: string } {
  const probe = fileURLToPath(distUrl('./runtime-probe.js', import.meta.url));
  const set = cpus[0] === cpus[1] ? `${cpus[0]}` : `${cpus[0]},${cpus[1]}`;
  const r = spawnSync('taskset', ['-c', set, process.execPath, probe, String(n), String(cpus[0]), String(cpus[1])], { encoding: 'utf8', timeout: 300_000 });
  if (r.error !== undefined) return { why: `taskset: ${r.error.message}` };
  if (r.status !== 0) return { why: `runtime probe on cpu ${set}: exit ${String(r.status)} ${r.stderr.trim().split('\n')[0] ?? ''}` };
  return JSON.parse(r.stdout) as RuntimeFigures;
}

/**
 * The host probe and the model's placed probes run first, before this process reserves
 * gigabytes of shared memory: a fork from a process that large can fail with ENOMEM under the
 * kernel's overcommit heuristic. Return: the rows, built once the caller wants them.
 */
export function runtimeProbesFirst(n: number): () => Promise<Row[]> {
  const hostProbe = buildHostProbe();
  const [a, b] = allowedCpus();
  const placements: PlacementName[] = availableParallelism() >= 2 && a !== b ? ['two CPUs', 'same CPU'] : ['same CPU'];
  const placed: Placed[] = placements.map((placement) => {
    const same = placement === 'same CPU';
    let host: Placed['host'] = { why: hostProbe.ok ? 'not run' : hostProbe.reason };
    let cpus: [number, number] = same ? [a, a] : [a, b];
    if (hostProbe.ok) {
      try {
        const h = hostLeaseBreak(hostProbe.path, n, same);
        host = h;
        cpus = [h.holderCpu, h.breakerCpu];
      } catch (e) {
        const why = (e as { stderr?: Buffer | string }).stderr?.toString().trim() || (e as Error).message;
        host = { why: `probe failed: ${why.split('\n')[0]}` };
      }
    }
    return { placement, cpus, host, model: probeAt(n, cpus) };
  });
  return async () => {
    const rows: Row[] = [];
    let unpinned: RuntimeFigures | null = null;
    for (const p of placed) {
      let fig: RuntimeFigures;
      let where: string;
      if ('why' in p.model) {
        unpinned ??= await measureRuntime(n, null);
        fig = unpinned;
        where = `unpinned: ${p.model.why}`;
      } else {
        fig = p.model;
        where = p.placement === 'same CPU' ? `cpu ${p.cpus[0]}` : `cpus ${p.cpus[0]},${p.cpus[1]}`;
      }
      rows.push(...modelRows(p.placement, where, fig), hostRow(p, fig, where));
    }
    return rows;
  };
}

function modelRows(placement: PlacementName, where: string, f: RuntimeFigures): Row[] {
  const at = `${placement}: ${where}`;
  const floorNote = f.floorUnpinned === null ? '' : ` (threads unpinned: ${f.floorUnpinned})`;
  const rows: Row[] = [{ bench: `floor: Atomics wait/notify round trip, 2 threads (${at})${floorNote}`, value: `p50 ${fmtNs(f.floor.p50)}`, floor: `p99 ${fmtNs(f.floor.p99)}`, ratio: '1.00', target: '-', met: null }];
  const ratioRow = (what: string, x: { p50: number; p99: number }, target: number | null): Row => {
    const r = x.p50 / f.floor.p50;
    const met = target === null ? null : r <= target;
    return {
      bench: `${what} (${at})`,
      value: `p50 ${fmtNs(x.p50)} p99 ${fmtNs(x.p99)}`,
      floor: fmtNs(f.floor.p50),
      ratio: `${r.toFixed(2)}×`,
      target: target === null ? '-' : `≤ ${target}×`,
      met,
      ...(met === false ? { note: `over by ${(r - target!).toFixed(2)}×` } : {}),
    };
  };
  rows.push(
    ratioRow('null syscall round trip (process → kernel thread → process)', f.nullSyscall, 1.1),
    ratioRow('lease break round trip (holder releases at once)', f.lease, 2),
    ratioRow('null syscall round trip [no polling: every hop a wake]', f.nullNoPoll, null),
    ratioRow('lease break round trip [no polling: every hop a wake]', f.leaseNoPoll, null),
  );
  return rows;
}

/** The model's lease break against the host kernel's, same placement, at p50 and p99. */
function hostRow(p: Placed, f: RuntimeFigures, where: string): Row {
  if ('why' in p.host) return { bench: `lease break vs host kernel (${p.placement})`, value: `skipped: ${p.host.why}`, floor: '-', ratio: '-', target: '-', met: null };
  const h = p.host;
  const r50 = f.lease.p50 / h.p50Ns;
  const r99 = f.lease.p99 / h.p99Ns;
  const met = r50 <= 1 && r99 <= 1.5;
  return {
    bench: `lease break vs host kernel (${h.placement}: host cpu ${h.holderCpu}/${h.breakerCpu}, model ${where})`,
    value: `model p50 ${fmtNs(f.lease.p50)} p99 ${fmtNs(f.lease.p99)}`,
    floor: `host p50 ${fmtNs(h.p50Ns)} p99 ${fmtNs(h.p99Ns)}`,
    ratio: `p50 ${r50.toFixed(2)}× · p99 ${r99.toFixed(2)}×`,
    target: 'p50 ≤ 1.0 · p99 ≤ 1.5',
    met,
    ...(met ? {} : { note: `over by p50 ${Math.max(0, r50 - 1).toFixed(2)}× · p99 ${Math.max(0, r99 - 1.5).toFixed(2)}×` }),
  };
}
