/**
 * The threads runtime: one worker for the kernel, one per process, real time, real races.
 * Comlink carries the control calls (ready, collect); syscalls use the shared channels.
 */
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { DEFAULT_RING_BYTES, type RingContents, type SimEvent, hashEvents, mergeByTime, newEventRing, readEventRing } from '@leasebreak/trace';
import { type Remote, releaseProxy, wrap } from 'comlink';
import { allocShared } from '../shared.js';
import { reclaimRunMemory } from '../memory.js';
import type { ProcessOutcome, RunResult, RunSpec, Runtime } from '../types.js';
import type { KernelAudit } from '../collect.js';
import { CTL_CONTROL, CTL_DOORBELL, CTL_GO, CTL_HANG, CTL_STOP, newChannel, newControl } from './channel.js';
import { nodeEndpoint } from './comlink-node.js';
import type { KernelApi, KernelWorkerData } from './kernel.worker.js';
import type { FinishMessage, LifecycleWorkerData } from './lifecycle.worker.js';
import type { ProcessWorkerData } from './process.worker.js';

/** Worker entry files run compiled (Node 20 cannot run .ts): from src/ (tests) use dist/. */
export function distUrl(rel: string, base: string): URL {
  const u = new URL(rel, base);
  return u.pathname.includes('/src/') ? new URL(u.href.replace('/src/', '/dist/').replace(/\.ts$/, '.js')) : u;
}

/**
 * Workers get a clean execArgv: a test runner's `--conditions source` would make them load
 * workspace packages as TypeScript source, which Node 20 cannot run. LEASEBREAK_CPU_PROF=DIR
 * profiles every thread of a run instead (node --cpu-prof: one .cpuprofile per thread in DIR,
 * for Chrome DevTools or speedscope).
 */
export function workerExecArgv(env: NodeJS.ProcessEnv = process.env): string[] {
  const dir = env.LEASEBREAK_CPU_PROF;
  return dir === undefined || dir === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`];
}
const WORKER_OPTS = { execArgv: workerExecArgv() };

const KERNEL_WORKER = distUrl('./kernel.worker.js', import.meta.url);
const PROCESS_WORKER = distUrl('./process.worker.js', import.meta.url);
const LIFECYCLE_WORKER = distUrl('./lifecycle.worker.js', import.meta.url);

export class ThreadsRuntime implements Runtime {
  readonly mode = 'threads' as const;

  async run(spec: RunSpec, abort?: AbortSignal): Promise<RunResult> {
    const origin = process.hrtime.bigint();
    const control = newControl(spec.processes.length);
    const ctl = new Int32Array(control);
    const channels = spec.processes.map(() => newChannel());
    const shared = allocShared(spec);
    // One event ring per thread (trace/src/ring.ts), written with no message per event and read
    // here at the end: as far as written if a thread hung or died.
    const keep = spec.keepEvents ?? true;
    const ringBytes = { ...DEFAULT_RING_BYTES, ...spec.eventRingBytes };
    const kernelRing = newEventRing(ringBytes.kernel, { keep });
    const processRings = spec.processes.map(() => newEventRing(ringBytes.process, { keep }));
    // The lease-lifecycle machines run on a thread of their own at the lowest priority
    // (lifecycle.worker.ts), fed by the kernel thread in batches.
    const lifecycleRing = newEventRing(ringBytes.lifecycle, { keep });
    const leases = new MessageChannel();
    const ldata: LifecycleWorkerData = { originNs: origin.toString(), leasePort: leases.port1, ring: lifecycleRing };
    const lworker = new Worker(LIFECYCLE_WORKER, { ...WORKER_OPTS, workerData: ldata, transferList: [leases.port1] });
    const lifecycleFailed = new Promise<string>((r) => {
      lworker.once('error', (e) => r(e.stack ?? e.message));
      lworker.once('exit', (code) => r(`the lease-lifecycle thread exited (code ${code})`));
    });
    const kdata: KernelWorkerData = { spec, shared, control, channels, originNs: origin.toString(), leasePort: leases.port2, ring: kernelRing };
    const kworker = new Worker(KERNEL_WORKER, { ...WORKER_OPTS, workerData: kdata, transferList: [leases.port2] });
    const kernelFailed = new Promise<never>((_, reject) => kworker.once('error', reject));
    const api: Remote<KernelApi> = wrap<KernelApi>(nodeEndpoint(kworker));
    const ring = (): void => {
      Atomics.add(ctl, CTL_DOORBELL, 1);
      Atomics.notify(ctl, CTL_DOORBELL);
    };
    const control_ = async <T>(p: Promise<T>): Promise<T> => {
      Atomics.add(ctl, CTL_CONTROL, 1);
      ring();
      return Promise.race([p, kernelFailed]);
    };
    const workers: Worker[] = [];
    const progressPorts: MessagePort[] = [];
    try {
      const ready = await control_(api.ready());
      if (ready.error !== null) throw new RangeError(ready.error);
      const pids = ready.pids;
      let ended = false;
      const outcomes = new Map<string, Omit<ProcessOutcome, 'exit'>>();
      const partial = new Map<string, unknown>();
      const latestOf = new Map<string, () => unknown>();
      let remaining = spec.processes.filter((p) => p.daemon !== true).length;
      let allDone!: () => void;
      const done = new Promise<void>((r) => (allDone = r));
      if (remaining === 0) allDone();
      let notReady = spec.processes.length;
      let opened!: () => void;
      const gateOpen = new Promise<void>((r) => (opened = r));
      const go = (): void => {
        Atomics.store(ctl, CTL_GO, 1);
        Atomics.notify(ctl, CTL_GO);
        opened();
      };
      if (notReady === 0) go();
      spec.processes.forEach((p, index) => {
        // Progress reports come on a port of their own, so that the last one can be taken at
        // once (receiveMessageOnPort) when the run decides a process's outcome: messages from two
        // threads reach this one in no set order, and a NIC's report posted before the completion
        // a writer saw could otherwise arrive after the writer's 'done' stopped the run.
        const reports = new MessageChannel();
        progressPorts.push(reports.port1);
        // Called once the thread has stopped (its queue is then finite); DRAIN_MAX bounds it in
        // case the thread still runs, as it could post as fast as this loop takes.
        const latest = (): unknown => {
          for (let n = 0, m = receiveMessageOnPort(reports.port1); m !== undefined && n < DRAIN_MAX; n++, m = receiveMessageOnPort(reports.port1)) partial.set(p.name, m.message);
          return partial.get(p.name) ?? null;
        };
        latestOf.set(p.name, latest);
        reports.port1.on('message', (m: unknown) => void partial.set(p.name, m));
        const pdata: ProcessWorkerData = { index, name: p.name, pid: pids[p.name]!, pids, program: p.program, input: p.input, seed: spec.seed, control, channel: channels[index]!, originNs: origin.toString(), shared, ring: processRings[index]!, progress: reports.port2, ...(spec.pollNs === undefined ? {} : { pollNs: spec.pollNs }) };
        const w = new Worker(PROCESS_WORKER, { ...WORKER_OPTS, workerData: pdata, transferList: [reports.port2] });
        workers.push(w);
        const finish = (o: Omit<ProcessOutcome, 'exit'>): void => {
          // Once the run has ended, the threads still running are stopped by the run: not outcomes.
          if (ended || outcomes.has(p.name)) return;
          outcomes.set(p.name, o);
          if (p.daemon !== true && --remaining === 0) allDone();
        };
        let ready = false;
        const markReady = (): void => {
          if (ready) return;
          ready = true;
          if (--notReady === 0) go();
        };
        w.on('message', (m: { type: string; output?: unknown; error?: string }) => {
          if (m.type === 'ready') markReady();
          else if (m.type === 'done') finish({ name: p.name, pid: pids[p.name]!, output: m.output });
          else if (m.type === 'error') {
            markReady(); // a program that failed to load must not hold the gate shut
            finish({ name: p.name, pid: pids[p.name]!, output: latest(), error: m.error ?? 'unknown error' });
          }
        });
        w.on('error', (e) => {
          markReady();
          finish({ name: p.name, pid: pids[p.name]!, output: latest(), error: e.stack ?? e.message });
        });
        w.on('exit', (code) => {
          markReady();
          finish({ name: p.name, pid: pids[p.name]!, output: latest(), ...(code === 0 ? {} : { error: `thread exited with code ${code}` }) });
        });
      });
      let status: RunResult['status'] = 'ok';
      let detail: string | undefined;
      // The time limit counts from the start gate, as the deterministic runtime's virtual time
      // does: loading the programs (slow on a loaded machine) is not the run. A program that
      // never finishes loading holds the gate shut: STARTUP_TIMEOUT_MS ends that run.
      const startupMs = spec.startupTimeoutMs ?? STARTUP_TIMEOUT_MS;
      let timer: NodeJS.Timeout | undefined;
      let startupTimer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout' | 'startup'>((r) => {
        startupTimer = setTimeout(() => r('startup'), startupMs);
        void gateOpen.then(() => {
          clearTimeout(startupTimer);
          timer = setTimeout(() => r('timeout'), Math.ceil(spec.timeLimitNs / 1e6));
        });
      });
      // One signal serves every run of a matrix: the listener goes when this run ends.
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<'abort'>((r) => {
        if (abort?.aborted) r('abort');
        onAbort = () => r('abort');
        abort?.addEventListener('abort', onAbort, { once: true });
      });
      const w = Atomics.waitAsync(ctl, CTL_HANG, 0);
      const hung = w.async ? w.value.then(() => 'hang' as const) : Promise.resolve('hang' as const);
      const why = await Promise.race([done.then(() => 'done' as const), timedOut, aborted, hung, kernelFailed]);
      clearTimeout(timer);
      clearTimeout(startupTimer);
      if (onAbort !== undefined) abort?.removeEventListener('abort', onAbort);
      if (why === 'timeout') {
        status = 'hang';
        detail = `time limit of ${spec.timeLimitNs / 1e6} ms reached with ${remaining} process(es) still running`;
      } else if (why === 'startup') {
        status = 'error';
        detail = `the process threads did not all load their programs within ${startupMs / 1000} s (a program module that never finishes loading?)`;
      } else if (why === 'abort') status = 'interrupted';
      else if (why === 'hang') status = 'hang';
      // The threads still running stop where they stand (a daemon such as the NIC always does;
      // a process only when the run hung, timed out or was interrupted), and only then is their
      // last progress report taken: a thread that keeps posting could outpace the drain for ever,
      // and the drain is synchronous (it would starve this thread's event loop, timers included).
      ended = true;
      const running = spec.processes.flatMap((p, i) => (outcomes.has(p.name) ? [] : [i]));
      await Promise.all(running.map((i) => workers[i]!.terminate()));
      for (const i of running) {
        const p = spec.processes[i]!;
        if (p.daemon === true) outcomes.set(p.name, { name: p.name, pid: pids[p.name]!, output: latestOf.get(p.name)!() });
      }
      // A kernel thread that does not answer is stuck inside the model (a simulator bug): the run
      // ends as an error, with the events every thread wrote until then.
      const collectMs = spec.collectTimeoutMs ?? COLLECT_TIMEOUT_MS;
      let collectTimer: NodeJS.Timeout | undefined;
      const collected = await Promise.race([control_(api.collect()), new Promise<null>((r) => (collectTimer = setTimeout(() => r(null), collectMs)))]);
      clearTimeout(collectTimer);
      if (collected === null) {
        status = 'error';
        detail = `the kernel thread did not answer within ${collectMs / 1000} s (stuck in the model: a simulator bug); the events are those written until then`;
      }
      // The machines take the last items once every batch posted before the collect is fed (they
      // hold their batches until then: lifecycle.worker.ts). Without a collect, they mirror what
      // the kernel posted.
      const finish: FinishMessage = collected === null ? { type: 'finish', items: [], batches: 0, endNs: null } : { type: 'finish', items: collected.leaseItems, batches: collected.leaseBatches, endNs: collected.nowNs };
      const finished = new Promise<null>((r) => lworker.once('message', () => r(null)));
      lworker.postMessage(finish);
      let lifecycleTimer: NodeJS.Timeout | undefined;
      const failed = await Promise.race([finished, lifecycleFailed, new Promise<string>((r) => (lifecycleTimer = setTimeout(() => r(`the lease-lifecycle thread did not finish within ${collectMs / 1000} s`), collectMs)))]);
      clearTimeout(lifecycleTimer);
      if (failed !== null && collected !== null) {
        status = 'error';
        detail = `simulator bug in the lease-lifecycle machines: ${failed}`;
      }
      const names = ringNames(spec.processes.map((p) => ({ name: p.name, pid: pids[p.name]! })));
      const rings: RingContents[] = [readEventRing(kernelRing, collected?.ring), readEventRing(lifecycleRing), ...processRings.map((b) => readEventRing(b))];
      // Lease transitions are written as the machines are fed, after the kernel moved on: time order first.
      const lifecycle = rings[1]!.events.slice().sort((a, b) => a.t - b.t);
      const events = mergeByTime([rings[0]!.events, lifecycle, ...rings.slice(2).map((r) => r.events)]);
      const eventsDroppedBy: Record<string, number> = {};
      const eventCountBy: Record<string, number> = {};
      rings.forEach((r, i) => {
        eventsDroppedBy[names[i]!] = r.dropped;
        eventCountBy[names[i]!] = r.count;
      });
      const sum = (f: (r: RingContents) => number): number => rings.reduce((n, r) => n + f(r), 0);
      const processes = spec.processes.map((p): ProcessOutcome => {
        const pid = pids[p.name]!;
        const o = outcomes.get(p.name) ?? { name: p.name, pid, output: latestOf.get(p.name)?.() ?? null };
        return { ...o, exit: collected?.exits[pid] ?? null };
      });
      if (status === 'hang' && collected !== null && collected.hang !== null) detail = collected.hang;
      // Wake the main thread's pending waitAsync so nothing keeps the process alive.
      Atomics.store(ctl, CTL_HANG, 1);
      Atomics.notify(ctl, CTL_HANG);
      return {
        audit: collected?.audit ?? NO_AUDIT,
        pmem: shared.pmem,
        mode: 'threads',
        seed: spec.seed,
        status,
        ...(detail === undefined ? {} : { detail }),
        durationNs: collected?.nowNs ?? Number(process.hrtime.bigint() - origin),
        processes,
        events,
        eventHash: keep ? hashEvents(events) : '',
        eventCount: sum((r) => r.count),
        eventsDropped: sum((r) => r.dropped),
        eventsDroppedBy,
        eventCountBy,
      };
    } finally {
      Atomics.store(ctl, CTL_STOP, 1);
      ring();
      api[releaseProxy]();
      await Promise.all([...workers, kworker, lworker].map((w) => w.terminate()));
      for (const port of progressPorts) port.close();
      // Dead runs' shared buffers (this one's are still the caller's): see memory.ts.
      reclaimRunMemory();
    }
  }
}

/** The most progress reports one drain takes (see `latest`): a safety bound, never reached by a stopped thread's queue in practice. */
const DRAIN_MAX = 1_000_000;

/** How long the kernel thread may take to answer collect() before it counts as stuck (RunSpec.collectTimeoutMs overrides). */
const COLLECT_TIMEOUT_MS = 10_000;
/** How long the process threads may take to load their programs before the start gate (RunSpec.startupTimeoutMs). */
const STARTUP_TIMEOUT_MS = 60_000;

/** The audit of a run whose kernel thread never answered: nothing known. */
const NO_AUDIT: KernelAudit = { files: [], pinsHeld: 0, fsck: [], paths: {} };

/** The rings' names, in ring order: kernel, lifecycle, then each process (its name, unless taken). */
function ringNames(processes: readonly { readonly name: string; readonly pid: number }[]): string[] {
  const fixed = ['kernel', 'lifecycle'];
  return [...fixed, ...processes.map((p) => (fixed.includes(p.name) ? `${p.name} (pid ${p.pid})` : p.name))];
}
