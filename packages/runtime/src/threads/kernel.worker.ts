/**
 * The kernel thread. It owns the kernel model and serves every process's syscall channel; a
 * syscall that must wait stays pending (a promise) while the loop goes on serving the others.
 * The loop sleeps in Atomics.wait on the doorbell until a process rings it or the next timer is
 * due, and between passes gives the event loop one turn (microtasks, Comlink control calls).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import { type LeaseItem, syscall, type SyscallRequest } from '@leasebreak/model';
import { MAX_EVENTS, type SimEvent } from '@leasebreak/trace';
import { buildKernel } from '../setup.js';
import { type KernelAudit, auditKernel } from '../collect.js';
import type { RunSpec, SharedRegions } from '../types.js';
import { BUSY, CTL_DOORBELL, CTL_HANG, CTL_SIGWORD_BASE, CTL_STOP, Channel, REQ, RESP } from './channel.js';
import { nodeEndpoint } from './comlink-node.js';
import { RealClock } from './realclock.js';

export interface KernelWorkerData {
  readonly spec: RunSpec;
  /** Where lease changes go, for the lifecycle machines on the main thread. */
  readonly leasePort: MessagePort;
  readonly shared: SharedRegions;
  readonly control: SharedArrayBuffer;
  readonly channels: readonly SharedArrayBuffer[];
  readonly originNs: string;
}

export interface KernelCollect {
  readonly events: SimEvent[];
  readonly eventHash: string;
  readonly eventCount: number;
  readonly exits: Record<number, number | string | null>;
  readonly nowNs: number;
  readonly hang: string | null;
  readonly eventsDropped: number;
  readonly audit: KernelAudit;
  /** Lease changes not yet posted, and how many batches were posted before. */
  readonly leaseItems: LeaseItem[];
  readonly leaseBatches: number;
}

const data = workerData as KernelWorkerData;
const ctl = new Int32Array(data.control);
const clock = new RealClock(BigInt(data.originNs));
const events: SimEvent[] = [];
let eventCount = 0;
let eventsDropped = 0;
const keep = data.spec.keepEvents ?? true;
let built: ReturnType<typeof buildKernel> | null = null;
let setupError: string | null = null;
try {
  built = buildKernel(
    data.spec,
    clock,
    {
      emit(e) {
        eventCount++;
        // Bounded: past MAX_EVENTS the rest are counted, not kept (reported as events.dropped).
        if (keep) {
          if (events.length < MAX_EVENTS) events.push(e);
          else eventsDropped++;
        }
      },
    },
    data.shared,
  );
} catch (e) {
  setupError = e instanceof Error ? e.message : String(e);
}
const channels = data.channels.map((b) => new Channel(b));
const pidAt = data.spec.processes.map((p) => built?.pids[p.name] ?? 0);

if (built !== null) {
  const indexOf = new Map(pidAt.map((pid, i) => [pid, i]));
  built.kernel.notify.signalPending = (task) => {
    const i = indexOf.get(task.pid);
    if (i === undefined) return;
    Atomics.store(ctl, CTL_SIGWORD_BASE + i, 1);
    Atomics.notify(ctl, CTL_SIGWORD_BASE + i);
  };
  built.kernel.notify.hung = () => {
    Atomics.store(ctl, CTL_HANG, 1);
    Atomics.notify(ctl, CTL_HANG);
  };
}

const api = {
  ready(): { pids: Record<string, number>; error: string | null } {
    return setupError !== null ? { pids: {}, error: setupError } : { pids: built!.pids, error: null };
  },
  collect(): KernelCollect {
    const k = built!.kernel;
    for (const t of k.tasks.values()) if (!t.exited) k.reportPending(t);
    const exits: Record<number, number | string | null> = {};
    for (const t of k.tasks.values()) exits[t.pid] = t.exitStatus;
    // The main thread hashes the merged stream (kernel events + lifecycle transitions).
    return { events, eventHash: '', eventCount, exits, nowNs: clock.now(), eventsDropped, audit: auditKernel(k), leaseItems: k.lifecycles.take(), leaseBatches, hang: k.hung === null ? null : `hung task: ${k.hung.chain.join(' → ')}` };
  },
  stop(): void {
    Atomics.store(ctl, CTL_STOP, 1);
  },
};
export type KernelApi = typeof api;
expose(api, nodeEndpoint(parentPort!));

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
let leaseBatches = 0;

/**
 * Serve every channel with a request. Return: the answers of the syscalls started, so the loop
 * can wait for those that finish at once (most do) with microtasks alone, no event-loop turn.
 */
function serve(): Promise<void>[] {
  const k = built!.kernel;
  const started: Promise<void>[] = [];
  for (let i = 0; i < channels.length; i++) {
    const ch = channels[i]!;
    if (ch.state !== REQ) continue;
    ch.state = BUSY;
    const req = ch.read<SyscallRequest>();
    const answered = syscall(k, pidAt[i]!, req).then(
      (resp) => {
        ch.write(resp);
        ch.state = RESP;
        Atomics.notify(ch.words, 0);
      },
      (e: unknown) => {
        // A broken invariant: answer so the process does not hang, and report it loudly.
        ch.write({ ret: -1, errno: 'EIO', killed: null, handlers: [], simError: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        ch.state = RESP;
        Atomics.notify(ch.words, 0);
      },
    );
    started.push(answered);
  }
  return started;
}

async function loop(): Promise<void> {
  for (;;) {
    const seen = Atomics.load(ctl, CTL_DOORBELL);
    const started = built !== null ? serve() : [];
    const fired = clock.runDue();
    built?.kernel.pollCells();
    // Answer quickly: syscalls that complete without waiting settle within microtasks; give the
    // event loop a turn (Comlink control calls, long waits) only when something else is pending.
    if (started.length > 0 && fired === 0) await Promise.race([Promise.all(started), settle()]);
    else await settle();
    if (Atomics.load(ctl, CTL_STOP) === 1) return;
    if (Atomics.load(ctl, CTL_DOORBELL) !== seen) continue;
    // Idle: hand the lease changes to the main thread's lifecycle machines (one postMessage).
    const lifecycles = built?.kernel.lifecycles;
    if (lifecycles !== undefined && lifecycles.pending > 0) {
      data.leasePort.postMessage(lifecycles.take());
      leaseBatches++;
    }
    // Before blocking, let every continuation finish: a sleeper woken above (pollCells, a timer)
    // may need more microtask turns than the syscalls just started did.
    await settle();
    if (Atomics.load(ctl, CTL_DOORBELL) !== seen || (built?.kernel.lifecycles.pending ?? 0) > 0) continue;
    const next = clock.nextDeadline();
    let timeoutMs = next === null ? 100 : Math.max(0, (next - clock.now()) / 1e6);
    // A page refcount can drop on another thread (Atomics.sub): look again within 1 ms.
    if ((built?.kernel.cellWatchers ?? 0) > 0) timeoutMs = Math.min(timeoutMs, 1);
    if (timeoutMs > 0) Atomics.wait(ctl, CTL_DOORBELL, seen, timeoutMs);
  }
}

void loop();
