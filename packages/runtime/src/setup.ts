/**
 * Build the kernel of a run from its spec (the same code on the kernel thread and under the
 * deterministic runtime): device, knobs, files, tasks in spec order (pids 100, 101, …), barriers.
 */
import { type Clock, Kernel, PAGE_SIZE, POLICIES, Pmem, type Policy } from '@leasebreak/model';
import type { EventSink } from '@leasebreak/trace';
import type { RunSpec, SharedRegions } from './types.js';

export interface BuiltKernel {
  readonly kernel: Kernel;
  readonly pids: Record<string, number>;
}

export function buildKernel(spec: RunSpec, clock: Clock, sink: EventSink, shared: SharedRegions): BuiltKernel {
  const ks = spec.kernel;
  const base: Policy = ks.policy === undefined ? POLICIES.mainline : POLICIES[ks.policy];
  const policy: Policy = { ...base, knobs: { ...base.knobs, ...ks.knobs } };
  const kernel = new Kernel({
    pmemPages: ks.pmemPages,
    pmem: Pmem.attach(shared.pmem),
    mrTable: shared.mrTable,
    policy,
    clock,
    sink,
    ...(ks.idleRefcount === undefined ? {} : { idleRefcount: ks.idleRefcount }),
    ...(ks.preferRecentlyFreed === undefined ? {} : { preferRecentlyFreed: ks.preferRecentlyFreed }),
    ...(ks.fallocateModeCheck === undefined ? {} : { fallocateModeCheck: ks.fallocateModeCheck }),
  });
  if (ks.leaseBreakTimeNs !== undefined) kernel.locks.leaseBreakTimeNs = ks.leaseBreakTimeNs;
  if (ks.leasesEnable !== undefined) kernel.locks.leasesEnable = ks.leasesEnable;
  if (ks.layoutLeasesFcntl !== undefined) kernel.locks.layoutLeasesFcntl = ks.layoutLeasesFcntl;
  for (const f of ks.files) {
    const r = kernel.createFileAt(f.path, { size: f.size, uid: f.uid, ...(f.mode === undefined ? {} : { mode: f.mode }) });
    if (!r.ok) throw new RangeError(`files: cannot create ${f.path} (${f.size} bytes) on a ${ks.pmemPages * PAGE_SIZE}-byte device: ${r.errno}`);
  }
  const pids: Record<string, number> = {};
  for (const p of spec.processes) {
    const t = kernel.createTask({ uid: p.uid ?? 0, name: p.name });
    pids[p.name] = t.pid;
    if (p.blocked !== undefined && p.blocked.length > 0) kernel.sigprocmask(t.pid, 'block', p.blocked);
  }
  for (const [name, members] of Object.entries(spec.barriers)) kernel.barrierInit(name, members.map((m) => pids[m]!));
  return { kernel, pids };
}
