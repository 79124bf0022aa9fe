/**
 * From a loaded scenario, a policy and a seed to a runtime RunSpec: the policy's knobs with the
 * scenario's and the command line's overrides on top, processes expanded by `count`, each given
 * its program, and the barriers with the processes that count for them.
 */
import { PAGE_SIZE, POLICIES, type Policy, type PolicyName } from '@leasebreak/model';
import { type ProcessSpec as RtProcess, type RunSpec, distUrl } from '@leasebreak/runtime';
import { barrierNames, waitedSignals, walkSteps } from '../scenario/walk.js';
import type { KernelKnobs, Scenario } from '../scenario/types.js';

/** A bad scenario or flag found while planning (exit code 2). */
export class BadInput extends Error {
  override readonly name = 'BadInput';
}

export const DEFAULT_PMEM_BYTES = 64 * 1024 * 1024;

/** Programs by kind; workloads not listed here are not built yet. */
const PROGRAMS: Readonly<Record<string, string>> = {
  steps: distUrl('../programs/script.js', import.meta.url).href,
  'lease-holder': distUrl('../programs/lease-holder.js', import.meta.url).href,
  'lease-breaker': distUrl('../programs/lease-breaker.js', import.meta.url).href,
  'rdma-writer': distUrl('../programs/rdma-writer.js', import.meta.url).href,
  'rdma-reader': distUrl('../programs/rdma-reader.js', import.meta.url).href,
  truncator: distUrl('../programs/truncator.js', import.meta.url).href,
  'file-writer': distUrl('../programs/file-writer.js', import.meta.url).href,
  'mmap-writer': distUrl('../programs/mmap-writer.js', import.meta.url).href,
  'dio-reader': distUrl('../programs/dio-reader.js', import.meta.url).href,
};

/** The simulated NIC (programs/nic.ts): a daemon in every run where a process does RDMA. */
const NIC_PROGRAM = distUrl('../programs/nic.js', import.meta.url).href;
export const NIC_NAME = 'nic0';
const RDMA_STEP_OPS: ReadonlySet<string> = new Set(['ibv_reg_mr', 'ibv_dereg_mr', 'rdma_write', 'rdma_read']);

/** Does any process use RDMA (an rdma-* workload, or RDMA steps anywhere, handlers included)? */
export function usesRdma(s: Scenario): boolean {
  return s.processes.some((p) => {
    if (p.kind === 'workload') return p.workload === 'rdma-writer' || p.workload === 'rdma-reader';
    let found = false;
    walkSteps(p.steps, (step) => (found ||= RDMA_STEP_OPS.has(step.op)));
    return found;
  });
}

export interface PlanOptions {
  readonly seed: number;
  readonly durationUs: number;
  /** `--kernel KEY=VALUE` overrides, on top of the scenario's `kernel:`. */
  readonly kernel?: KernelKnobs;
  /** Threads runtime: the kernel thread's poll window in ns (RunSpec.pollNs); unset: the default. */
  readonly pollNs?: number;
  /** Threads runtime: bytes of event ring per thread (RunSpec.eventRingBytes, `--ring-mib`); unset: the defaults. */
  readonly eventRingBytes?: RunSpec['eventRingBytes'];
}

export interface Plan {
  readonly spec: RunSpec;
  readonly policy: Policy;
  /** Effective knobs (after overrides), for the report. */
  readonly knobs: Policy['knobs'];
  /** Instance names per scenario process name. */
  readonly instances: Readonly<Record<string, readonly string[]>>;
}

/** Instance names: `name` for a single process, `name.0` … `name.N-1` for `count: N`. */
export function instanceNames(name: string, count: number): string[] {
  return count <= 1 ? [name] : Array.from({ length: count }, (_, i) => `${name}.${i}`);
}

export function plan(s: Scenario, policyName: PolicyName, opts: PlanOptions): Plan {
  const policy = POLICIES[policyName];
  if (policy === undefined) throw new BadInput(`unknown policy "${policyName}"`);
  const k: KernelKnobs = { ...s.kernel, ...opts.kernel };
  if (k.blockSize !== undefined && k.blockSize !== PAGE_SIZE) {
    throw new BadInput(`${s.source}: kernel.blockSize: only ${PAGE_SIZE} (one page per block, as fsdax requires) is modelled, got ${k.blockSize}`);
  }
  const knobs: Policy['knobs'] = {
    ...policy.knobs,
    ...(k.leaseBreakTime === undefined ? {} : { leaseBreakTimeNs: k.leaseBreakTime * 1000 }),
    ...(k.leasesEnable === undefined ? {} : { leasesEnable: k.leasesEnable }),
    ...(k.allowLongtermPin === undefined ? {} : { allowLongtermPin: k.allowLongtermPin }),
    ...(k.idleRefcount === undefined ? {} : { idleRefcount: k.idleRefcount === 0 ? 0 : 1 }),
    ...(k.skipWaitWhenUnmapped === undefined ? {} : { skipWaitWhenUnmapped: k.skipWaitWhenUnmapped }),
    ...(k.hungTaskTimeout === undefined ? {} : { hungTaskTimeoutNs: k.hungTaskTimeout * 1000 }),
  };
  const pmemBytes = k.pmem ?? DEFAULT_PMEM_BYTES;
  const pmemPages = Math.floor(pmemBytes / PAGE_SIZE);
  if (pmemPages < 1) throw new BadInput(`${s.source}: kernel.pmem: the device must hold at least one 4 KiB page, got ${pmemBytes} bytes`);
  const needPages = s.files.reduce((n, f) => n + Math.ceil(f.size / PAGE_SIZE), 0);
  if (needPages > pmemPages) {
    throw new BadInput(`${s.source}: files need ${needPages} pages but kernel.pmem is ${pmemPages} pages (${pmemBytes} bytes); make pmem larger or the files smaller`);
  }

  // What a stress program may need to know of the kernel (rdma-*: whether pins need a layout lease).
  const policyInfo = { name: policyName, longtermPin: knobs.allowLongtermPin ? 'allow' : policy.longtermPin, odp: policy.odp };
  const instances: Record<string, string[]> = {};
  for (const p of s.processes) instances[p.name] = instanceNames(p.name, p.count);
  const processes: RtProcess[] = [];
  const barriers: Record<string, string[]> = {};
  for (const p of s.processes) {
    for (const inst of instances[p.name]!) {
      if (p.kind === 'steps') {
        processes.push({
          name: inst,
          ...(p.uid === undefined ? {} : { uid: p.uid }),
          program: PROGRAMS.steps!,
          input: { name: inst, steps: p.steps, targets: instances },
          blocked: waitedSignals(p),
        });
      } else {
        const program = PROGRAMS[p.workload];
        if (program === undefined) throw new BadInput(`${s.source}: ${p.path}.workload: "${p.workload}" is not available yet (it comes with the seed-races work); available: ${Object.keys(PROGRAMS).filter((k) => k !== 'steps').join(', ')}`);
        processes.push({ name: inst, ...(p.uid === undefined ? {} : { uid: p.uid }), program, input: { name: inst, durationNs: opts.durationUs * 1000, options: p.with, policy: policyInfo } });
      }
      for (const b of barrierNames(p)) (barriers[b] ??= []).push(inst);
    }
  }
  if (usesRdma(s)) {
    if (processes.some((p) => p.name === NIC_NAME)) throw new BadInput(`${s.source}: the process name "${NIC_NAME}" is taken by the simulated NIC in a scenario that uses RDMA; rename that process`);
    processes.push({ name: NIC_NAME, program: NIC_PROGRAM, input: { name: NIC_NAME }, daemon: true });
  }
  const breakNs = knobs.leaseBreakTimeNs > 0 && knobs.leaseBreakTimeNs <= 60e9 ? knobs.leaseBreakTimeNs : 0;
  const spec: RunSpec = {
    kernel: {
      policy: policyName,
      knobs,
      pmemPages,
      idleRefcount: knobs.idleRefcount,
      preferRecentlyFreed: true,
      fallocateModeCheck: policy.fallocateModeCheck,
      leaseBreakTimeNs: knobs.leaseBreakTimeNs,
      leasesEnable: knobs.leasesEnable,
      layoutLeasesFcntl: policy.layoutLeasesFcntl,
      files: s.files.map((f) => ({ path: f.path, size: f.size, uid: f.uid, mode: f.mode })),
    },
    processes,
    barriers,
    seed: opts.seed,
    ...(opts.pollNs === undefined ? {} : { pollNs: opts.pollNs }),
    ...(opts.eventRingBytes === undefined ? {} : { eventRingBytes: opts.eventRingBytes }),
    // Stress programs run for the duration; a scripted wait may last one lease-break-time; the
    // watchdog's limit comes on top. Past that the run is a hang.
    timeLimitNs: opts.durationUs * 1000 + breakNs + knobs.hungTaskTimeoutNs + 3e9,
  };
  return { spec, policy, knobs, instances };
}
