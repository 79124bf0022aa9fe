/**
 * The deterministic runtime: the kernel and every process are tasks on this one thread. At each
 * scheduling point (every syscall entry and every explicit schedPoint) the task parks, and a
 * seeded scheduler picks which parked task runs next. Time is virtual: when no task can run, the
 * clock jumps to the next timer. The same seed gives the same run, event for event; the choice
 * sequence is recorded so a later issue can save, replay and shrink it.
 */
import { LifecycleDriver, ManualClock, syscall, type SyscallRequest, type SyscallResponse } from '@leasebreak/model';
import { type EventSink, MAX_EVENTS, type SimEvent, hashEvents } from '@leasebreak/trace';
import { Prng } from '../prng.js';
import { buildKernel } from '../setup.js';
import { allocShared } from '../shared.js';
import { reclaimRunMemory } from '../memory.js';
import { auditKernel } from '../collect.js';
import type { CellWaitResult, ProcessContext, ProcessOutcome, ProgramModule, RunResult, RunSpec, Runtime } from '../types.js';

/** Let every pending microtask run (all progress on this thread is promise resolution). */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

interface Parked {
  readonly pid: number;
  readonly resume: (r: CellWaitResult) => void;
  /** A waitCell: runnable once the cell changes or the deadline passes. */
  readonly cell?: { readonly arr: Int32Array; readonly index: number; readonly value: number };
  timedOut?: boolean;
  timer?: number;
}

export interface DeterministicOptions {
  /** Load a program module by URL (default: dynamic import). */
  readonly load?: (url: string) => Promise<ProgramModule>;
}

export class DeterministicRuntime implements Runtime {
  readonly mode = 'deterministic' as const;
  private readonly load: (url: string) => Promise<ProgramModule>;
  /** The scheduler's choices of the last run: index into the parked set, in order. */
  lastSchedule: number[] = [];

  constructor(opts: DeterministicOptions = {}) {
    this.load = opts.load ?? (async (url) => (await import(url)) as ProgramModule);
  }

  async run(spec: RunSpec, abort?: AbortSignal): Promise<RunResult> {
    const clock = new ManualClock();
    const events: SimEvent[] = [];
    let eventCount = 0;
    let eventsDropped = 0;
    const keep = spec.keepEvents ?? true;
    const sink: EventSink = {
      emit(e) {
        eventCount++;
        // Bounded: past MAX_EVENTS the rest are counted, not kept (reported as events.dropped).
        if (keep) {
          if (events.length < MAX_EVENTS) events.push(e);
          else eventsDropped++;
        }
      },
    };
    const shared = allocShared(spec);
    const { kernel, pids } = buildKernel(spec, clock, sink, shared);
    const lifecycles = new LifecycleDriver(clock, sink);
    const sched = new Prng(spec.seed, 0);
    const parked: Parked[] = [];
    const schedule: number[] = [];
    const flagged = new Set<number>();
    kernel.notify.signalPending = (t) => flagged.add(t.pid);

    const park = (pid: number): Promise<void> => new Promise<void>((resume) => parked.push({ pid, resume: () => resume() }));
    const runnable = (p: Parked): boolean => p.cell === undefined || p.timedOut === true || Atomics.load(p.cell.arr, p.cell.index) !== p.cell.value;
    const outcomes = new Map<string, ProcessOutcome>();
    const partial = new Map<string, unknown>();
    const modules = await Promise.all(spec.processes.map((p) => this.load(p.program)));
    let live = spec.processes.filter((p) => p.daemon !== true).length;

    spec.processes.forEach((p, i) => {
      const pid = pids[p.name]!;
      const rng = new Prng(spec.seed, i + 1);
      const ctx: ProcessContext = {
        pid,
        name: p.name,
        mode: 'deterministic',
        pids,
        now: () => clock.now(),
        random: () => rng.next(),
        schedPoint: () => park(pid),
        signalFlagged: () => flagged.has(pid),
        progress: (o) => partial.set(p.name, o),
        emit: (e) => sink.emit(e),
        index: i,
        shared,
        notifyCell: (arr, index) => void Atomics.notify(arr, index),
        waitCell: (arr, index, value, timeoutNs) =>
          new Promise<CellWaitResult>((resolve) => {
            const w: Parked = { pid, resume: resolve, cell: { arr, index, value } };
            if (timeoutNs !== null) w.timer = clock.setTimer(clock.now() + timeoutNs, () => (w.timedOut = true));
            parked.push(w);
          }),
        syscall: async (req: SyscallRequest): Promise<SyscallResponse> => {
          await park(pid);
          flagged.delete(pid);
          return syscall(kernel, pid, req);
        },
      };
      const finish = (o: Omit<ProcessOutcome, 'name' | 'pid' | 'exit'>): void => {
        const task = kernel.tasks.get(pid)!;
        if (!task.exited) kernel.exitTask(pid, 0);
        outcomes.set(p.name, { name: p.name, pid, exit: task.exitStatus, ...o });
        if (p.daemon !== true) live--;
      };
      // Start each program at a scheduling point so the scheduler decides who goes first.
      void park(pid)
        .then(() => modules[i]!.runProgram(ctx, p.input))
        .then(
          (output) => finish({ output }),
          (e: unknown) => finish({ output: null, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
        );
    });

    let status: RunResult['status'] = 'ok';
    let detail: string | undefined;
    for (;;) {
      await settle();
      kernel.pollCells();
      lifecycles.feed(kernel.lifecycles.take());
      if (kernel.hung !== null) {
        status = 'hang';
        detail = `hung task: ${kernel.hung.chain.join(' → ')}`;
        break;
      }
      if (abort?.aborted) {
        status = 'interrupted';
        break;
      }
      if (live === 0) break;
      const ready = parked.filter(runnable);
      if (ready.length > 0) {
        // Choose among runnable tasks in pid order: independent of the order they parked in.
        ready.sort((a, b) => a.pid - b.pid);
        const i = ready.length === 1 ? 0 : sched.below(ready.length);
        schedule.push(i);
        const next = ready[i]!;
        parked.splice(parked.indexOf(next), 1);
        if (next.timer !== undefined) clock.clearTimer(next.timer);
        next.resume(next.cell === undefined ? 'ok' : next.timedOut === true && Atomics.load(next.cell.arr, next.cell.index) === next.cell.value ? 'timed-out' : 'ok');
        continue;
      }
      const due = clock.nextDeadline();
      if (due !== null && due <= spec.timeLimitNs) {
        clock.advanceTo(Math.max(due, clock.now()));
        continue;
      }
      status = 'hang';
      detail = due === null ? 'every process is blocked and no timer is pending' : `time limit of ${spec.timeLimitNs / 1e6} ms reached`;
      break;
    }
    this.lastSchedule = schedule;
    lifecycles.feed(kernel.lifecycles.take());
    lifecycles.stop();
    for (const t of kernel.tasks.values()) if (!t.exited) kernel.reportPending(t);
    reclaimRunMemory(); // dead runs' shared buffers: see memory.ts
    const processes = spec.processes.map((p) => outcomes.get(p.name) ?? { name: p.name, pid: pids[p.name]!, exit: kernel.tasks.get(pids[p.name]!)?.exitStatus ?? null, output: partial.get(p.name) ?? null });
    return { audit: auditKernel(kernel), pmem: shared.pmem, mode: 'deterministic', seed: spec.seed, status, ...(detail === undefined ? {} : { detail }), durationNs: clock.now(), processes, events, eventHash: keep ? hashEvents(events) : '', eventCount, eventsDropped, eventsDroppedBy: { all: eventsDropped }, eventCountBy: { all: eventCount } };
  }
}
