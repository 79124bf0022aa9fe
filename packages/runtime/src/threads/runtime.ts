/**
 * The threads runtime: one worker for the kernel, one per process, real time, real races.
 * Comlink carries the control calls (ready, collect); syscalls use the shared channels.
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { type LeaseItem, LifecycleDriver } from '@leasebreak/model';
import { type SimEvent, hashEvents } from '@leasebreak/trace';
import { TimerClock } from './timerclock.js';
import { type Remote, releaseProxy, wrap } from 'comlink';
import { allocShared } from '../shared.js';
import type { ProcessOutcome, RunResult, RunSpec, Runtime } from '../types.js';
import { CTL_DOORBELL, CTL_GO, CTL_HANG, CTL_STOP, newChannel, newControl } from './channel.js';
import { nodeEndpoint } from './comlink-node.js';
import type { KernelApi, KernelWorkerData } from './kernel.worker.js';
import type { ProcessWorkerData } from './process.worker.js';

/** Worker entry files run compiled (Node 20 cannot run .ts): from src/ (tests) use dist/. */
export function distUrl(rel: string, base: string): URL {
  const u = new URL(rel, base);
  return u.pathname.includes('/src/') ? new URL(u.href.replace('/src/', '/dist/').replace(/\.ts$/, '.js')) : u;
}

/**
 * Workers get a clean execArgv: a test runner's `--conditions source` would make them load
 * workspace packages as TypeScript source, which Node 20 cannot run.
 */
const WORKER_OPTS = { execArgv: [] as string[] };

const KERNEL_WORKER = distUrl('./kernel.worker.js', import.meta.url);
const PROCESS_WORKER = distUrl('./process.worker.js', import.meta.url);

export class ThreadsRuntime implements Runtime {
  readonly mode = 'threads' as const;

  async run(spec: RunSpec, abort?: AbortSignal): Promise<RunResult> {
    const origin = process.hrtime.bigint();
    const control = newControl(spec.processes.length);
    const ctl = new Int32Array(control);
    const channels = spec.processes.map(() => newChannel());
    const shared = allocShared(spec);
    // The lease-lifecycle machines run here, fed by the kernel thread when it is idle.
    const mainEvents: SimEvent[] = [];
    const mainClock = new TimerClock(origin);
    const driver = new LifecycleDriver(mainClock, { emit: (e) => void mainEvents.push(e) });
    const leases = new MessageChannel();
    let batches = 0;
    leases.port1.on('message', (items: LeaseItem[]) => {
      batches++;
      driver.feed(items);
    });
    const kdata: KernelWorkerData = { spec, shared, control, channels, originNs: origin.toString(), leasePort: leases.port2 };
    const kworker = new Worker(KERNEL_WORKER, { ...WORKER_OPTS, workerData: kdata, transferList: [leases.port2] });
    const kernelFailed = new Promise<never>((_, reject) => kworker.once('error', reject));
    const api: Remote<KernelApi> = wrap<KernelApi>(nodeEndpoint(kworker));
    const ring = (): void => {
      Atomics.add(ctl, CTL_DOORBELL, 1);
      Atomics.notify(ctl, CTL_DOORBELL);
    };
    const control_ = async <T>(p: Promise<T>): Promise<T> => {
      ring();
      return Promise.race([p, kernelFailed]);
    };
    const workers: Worker[] = [];
    try {
      const ready = await control_(api.ready());
      if (ready.error !== null) throw new RangeError(ready.error);
      const pids = ready.pids;
      const outcomes = new Map<string, Omit<ProcessOutcome, 'exit'>>();
      const partial = new Map<string, unknown>();
      let remaining = spec.processes.filter((p) => p.daemon !== true).length;
      let allDone!: () => void;
      const done = new Promise<void>((r) => (allDone = r));
      if (remaining === 0) allDone();
      let notReady = spec.processes.length;
      const go = (): void => {
        Atomics.store(ctl, CTL_GO, 1);
        Atomics.notify(ctl, CTL_GO);
      };
      spec.processes.forEach((p, index) => {
        const pdata: ProcessWorkerData = { index, name: p.name, pid: pids[p.name]!, pids, program: p.program, input: p.input, seed: spec.seed, control, channel: channels[index]!, originNs: origin.toString(), shared };
        const w = new Worker(PROCESS_WORKER, { ...WORKER_OPTS, workerData: pdata });
        workers.push(w);
        const finish = (o: Omit<ProcessOutcome, 'exit'>): void => {
          if (outcomes.has(p.name)) return;
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
          else if (m.type === 'progress') partial.set(p.name, m.output);
          else if (m.type === 'done') finish({ name: p.name, pid: pids[p.name]!, output: m.output });
          else if (m.type === 'error') {
            markReady(); // a program that failed to load must not hold the gate shut
            finish({ name: p.name, pid: pids[p.name]!, output: partial.get(p.name) ?? null, error: m.error ?? 'unknown error' });
          }
        });
        w.on('error', (e) => {
          markReady();
          finish({ name: p.name, pid: pids[p.name]!, output: partial.get(p.name) ?? null, error: e.stack ?? e.message });
        });
        w.on('exit', (code) => {
          markReady();
          finish({ name: p.name, pid: pids[p.name]!, output: partial.get(p.name) ?? null, ...(code === 0 ? {} : { error: `thread exited with code ${code}` }) });
        });
      });
      let status: RunResult['status'] = 'ok';
      let detail: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), Math.ceil(spec.timeLimitNs / 1e6))));
      const aborted = new Promise<'abort'>((r) => {
        if (abort?.aborted) r('abort');
        abort?.addEventListener('abort', () => r('abort'), { once: true });
      });
      const w = Atomics.waitAsync(ctl, CTL_HANG, 0);
      const hung = w.async ? w.value.then(() => 'hang' as const) : Promise.resolve('hang' as const);
      const why = await Promise.race([done.then(() => 'done' as const), timedOut, aborted, hung, kernelFailed]);
      clearTimeout(timer);
      if (why === 'timeout') {
        status = 'hang';
        detail = `time limit of ${spec.timeLimitNs / 1e6} ms reached with ${remaining} process(es) still running`;
      } else if (why === 'abort') status = 'interrupted';
      else if (why === 'hang') status = 'hang';
      // Daemons (the NIC) stop where they stand; their output is their last progress report.
      spec.processes.forEach((p, i) => {
        if (p.daemon === true && !outcomes.has(p.name)) {
          outcomes.set(p.name, { name: p.name, pid: pids[p.name]!, output: partial.get(p.name) ?? null });
          void workers[i]!.terminate();
        }
      });
      const collected = await control_(api.collect());
      // Every batch posted before the collect must have been fed before the last items.
      while (batches < collected.leaseBatches) await new Promise((r) => setImmediate(r));
      driver.feed(collected.leaseItems);
      driver.stop();
      mainClock.clearAll();
      const events = mainEvents.length === 0 ? collected.events : mergeByTime(collected.events, mainEvents);
      const processes = spec.processes.map((p): ProcessOutcome => {
        const pid = pids[p.name]!;
        const o = outcomes.get(p.name) ?? { name: p.name, pid, output: partial.get(p.name) ?? null };
        return { ...o, exit: collected.exits[pid] ?? null };
      });
      if (status === 'hang' && collected.hang !== null) detail = collected.hang;
      // Wake the main thread's pending waitAsync so nothing keeps the process alive.
      Atomics.store(ctl, CTL_HANG, 1);
      Atomics.notify(ctl, CTL_HANG);
      return { audit: collected.audit, pmem: shared.pmem, mode: 'threads', seed: spec.seed, status, ...(detail === undefined ? {} : { detail }), durationNs: collected.nowNs, processes, events, eventHash: spec.keepEvents === false ? '' : hashEvents(events), eventCount: collected.eventCount + mainEvents.length, eventsDropped: collected.eventsDropped };
    } finally {
      leases.port1.close();
      Atomics.store(ctl, CTL_STOP, 1);
      ring();
      api[releaseProxy]();
      await Promise.all([...workers, kworker].map((w) => w.terminate()));
    }
  }
}

/** Merge two time-ordered event lists (stable: kernel events first on ties). */
function mergeByTime(a: readonly SimEvent[], b: readonly SimEvent[]): SimEvent[] {
  const bs = [...b].sort((x, y) => x.t - y.t);
  const out: SimEvent[] = [];
  let j = 0;
  for (const e of a) {
    while (j < bs.length && bs[j]!.t < e.t) out.push(bs[j++]!);
    out.push(e);
  }
  while (j < bs.length) out.push(bs[j++]!);
  return out;
}
