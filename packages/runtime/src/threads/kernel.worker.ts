/**
 * The kernel thread. It owns the kernel model and serves every process's syscall channel; a
 * syscall that must wait stays pending (a promise) while the loop goes on serving the others.
 * The loop sleeps in Atomics.wait on the doorbell until a process rings it or the next timer is
 * due, and between passes gives the event loop one turn (microtasks, Comlink control calls).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { expose } from 'comlink';
import { type LeaseItem, syscall, type SyscallRequest, wakeupCount } from '@leasebreak/model';
import { EventRing, type RingMark } from '@leasebreak/trace';
import { buildKernel } from '../setup.js';
import { type KernelAudit, auditKernel } from '../collect.js';
import type { RunSpec, SharedRegions } from '../types.js';
import { BUSY, CTL_CONTROL, CTL_DOORBELL, CTL_HANG, CTL_KRUNNING, CTL_SIGWORD_BASE, CTL_SPIN, CTL_STOP, Channel, DEFAULT_POLL_NS, PARKED, REQ, RESP } from './channel.js';
import { nodeEndpoint } from './comlink-node.js';
import { PollWindow, SpareCpuGate, spinUntil } from './poll.js';
import { availableParallelism } from 'node:os';
import { RealClock } from './realclock.js';

export interface KernelWorkerData {
  readonly spec: RunSpec;
  /** Where lease changes go, for the lifecycle machines (lifecycle.worker.ts). */
  readonly leasePort: MessagePort;
  readonly shared: SharedRegions;
  readonly control: SharedArrayBuffer;
  readonly channels: readonly SharedArrayBuffer[];
  readonly originNs: string;
  /** This thread's event ring (trace/src/ring.ts): read by the main thread at the end, or as far as written if this thread stops answering. */
  readonly ring: SharedArrayBuffer;
}

export interface KernelCollect {
  /** How far the kernel's event ring was written at the collect (later events are left out). */
  readonly ring: RingMark;
  readonly exits: Record<number, number | string | null>;
  readonly nowNs: number;
  readonly hang: string | null;
  readonly audit: KernelAudit;
  /** Lease changes not yet posted, and how many batches were posted before. */
  readonly leaseItems: LeaseItem[];
  readonly leaseBatches: number;
}

const data = workerData as KernelWorkerData;
const ctl = new Int32Array(data.control);
const clock = new RealClock(BigInt(data.originNs));
// Every event goes straight into this thread's ring, no message per event; a full ring counts
// what it cannot keep (eventsDroppedBy.kernel).
const ring = new EventRing(data.ring);
let built: ReturnType<typeof buildKernel> | null = null;
let setupError: string | null = null;
try {
  built = buildKernel(data.spec, clock, ring, data.shared);
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
    // The main thread reads the rings and hashes the merged stream.
    return { ring: ring.mark(), exits, nowNs: clock.now(), audit: auditKernel(k), leaseItems: k.lifecycles.take(), leaseBatches, hang: k.hung === null ? null : `hung task: ${k.hung.chain.join(' → ')}` };
  },
  stop(): void {
    Atomics.store(ctl, CTL_STOP, 1);
  },
};
export type KernelApi = typeof api;
expose(api, nodeEndpoint(parentPort!));

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Channels whose call was started in this pass. */
const entered: Channel[] = [];
let leaseBatches = 0;

/**
 * Event-loop turns. A turn (setImmediate) costs ~1.5–2 µs, as much as the JavaScript of a whole
 * null syscall, and on one CPU every µs the kernel thread spends before it sleeps is on the
 * caller's round trip. The loop turns only when something may need it: a control call posted
 * (CTL_CONTROL), a sleeper woken (its syscall goes on in microtasks, and may wake others), a call
 * still unanswered after its microtasks, or TURN_EVERY_MS since the last turn.
 */
const TURN_EVERY_MS = 5;
/**
 * Microtask turns a syscall that does not sleep may take to answer before the loop turns instead
 * (a null syscall takes 2, open, close and fcntl 3–4; one that sleeps takes them all).
 */
const MICROTASK_TURNS = 16;
let lastTurnMs = performance.now();
let turnWakeups = wakeupCount();
let controlSeen = 0;

async function turn(): Promise<void> {
  await settle();
  lastTurnMs = performance.now();
  turnWakeups = wakeupCount();
  controlSeen = Atomics.load(ctl, CTL_CONTROL);
}

/** Must the event loop turn before the kernel thread goes on (or sleeps)? */
function turnNeeded(): boolean {
  return wakeupCount() !== turnWakeups || Atomics.load(ctl, CTL_CONTROL) !== controlSeen || performance.now() - lastTurnMs >= TURN_EVERY_MS;
}

/** The syscalls started by one serve() pass, and how many of them are still unanswered. */
interface Pass {
  readonly started: Promise<void>[];
  left: number;
}

/**
 * Serve every channel with a request. Return: the syscalls started, so the loop can wait for
 * those that finish at once (most do) with microtasks alone, no event-loop turn.
 */
function serve(): Pass {
  const k = built!.kernel;
  const started: Promise<void>[] = [];
  const pass: Pass = { started, left: 0 };
  for (let i = 0; i < channels.length; i++) {
    const ch = channels[i]!;
    if (ch.state !== REQ) continue;
    ch.state = BUSY;
    entered.push(ch);
    const req = ch.read<SyscallRequest>();
    const answered = syscall(k, pidAt[i]!, req).then(
      (resp) => {
        ch.write(resp);
        ch.state = RESP;
        Atomics.notify(ch.words, 0);
        pass.left--;
      },
      (e: unknown) => {
        // A broken invariant: answer so the process does not hang, and report it loudly.
        ch.write({ ret: -1, errno: 'EIO', killed: null, handlers: [], simError: e instanceof Error ? (e.stack ?? e.message) : String(e) });
        ch.state = RESP;
        Atomics.notify(ch.words, 0);
        pass.left--;
      },
    );
    started.push(answered);
    pass.left++;
  }
  return pass;
}

/**
 * Wait for the syscalls just started: those that do not sleep answer within a few microtask
 * turns. If one has not (it sleeps, or is slow), the event loop turns meanwhile.
 */
async function answers(pass: Pass): Promise<void> {
  for (let i = 0; i < MICROTASK_TURNS && pass.left > 0; i++) await null;
  if (pass.left > 0) await Promise.race([Promise.all(pass.started), turn()]);
}

async function loop(): Promise<void> {
  for (;;) {
    const seen = Atomics.load(ctl, CTL_DOORBELL);
    const pass = built !== null ? serve() : null;
    const fired = clock.runDue();
    built?.kernel.pollCells();
    // Answer quickly: syscalls that complete without waiting settle within microtasks; the event
    // loop turns (Comlink control calls, sleepers woken above) only when something needs it.
    if (pass !== null && pass.left > 0 && fired === 0) await answers(pass);
    if (turnNeeded()) await turn();
    // Calls still unanswered sleep in the kernel: tell their callers to stop spinning.
    for (const ch of entered) if (ch.state === BUSY) ch.state = PARKED;
    entered.length = 0;
    if (Atomics.load(ctl, CTL_STOP) === 1) return;
    if (Atomics.load(ctl, CTL_DOORBELL) !== seen) continue;
    // Hand the lease changes to the lifecycle machines' thread in batches, every LEASE_BATCH_NS:
    // a postMessage wakes that thread, which costs the poster tens of µs on a VM.
    const lifecycles = built?.kernel.lifecycles;
    if (lifecycles !== undefined && (lifecycles.pending >= LEASE_BATCH_MAX || clock.now() - (lifecycles.oldestNs ?? Infinity) >= LEASE_BATCH_NS)) postLeases();
    // Before blocking, let every continuation finish: a sleeper woken above (pollCells, a timer,
    // a release) may need more turns than the syscalls just started did.
    if (turnNeeded()) {
      await turn();
      if (Atomics.load(ctl, CTL_DOORBELL) !== seen) continue;
    }
    const next = clock.nextDeadline();
    let timeoutMs = next === null ? 100 : Math.max(0, (next - clock.now()) / 1e6);
    // A page refcount can drop on another thread (Atomics.sub): look again within 1 ms.
    if ((built?.kernel.cellWatchers ?? 0) > 0) timeoutMs = Math.min(timeoutMs, 1);
    // Lease changes waiting: wake in time to post them (above) when their batch is due.
    const oldest = lifecycles?.oldestNs ?? null;
    if (oldest !== null) timeoutMs = Math.min(timeoutMs, Math.max(0, (oldest + LEASE_BATCH_NS - clock.now()) / 1e6));
    if (timeoutMs <= 0) continue;
    // Poll before sleeping: the next syscall usually comes within microseconds (a process's next
    // call, a holder's F_UNLCK), and catching it here saves a wake-up Linux would not pay.
    if (poll(seen, timeoutMs)) continue;
    Atomics.store(ctl, CTL_KRUNNING, 0);
    const t0 = performance.now();
    const woke = Atomics.load(ctl, CTL_DOORBELL) === seen ? Atomics.wait(ctl, CTL_DOORBELL, seen, timeoutMs) : 'not-equal';
    Atomics.store(ctl, CTL_KRUNNING, 1);
    pollWindow.slept(woke !== 'timed-out', performance.now() - t0);
  }
}

/**
 * Lease changes are posted LEASE_BATCH_NS after the oldest one not yet posted, or at
 * LEASE_BATCH_MAX changes, busy or not (the loop sleeps no longer than that). Late is harmless:
 * the machines step in kernel time (LifecycleDriver), so a batch mirrors exactly what feeding
 * each change at once would.
 */
const LEASE_BATCH_NS = 100e6;
const LEASE_BATCH_MAX = 4096;

function postLeases(): void {
  data.leasePort.postMessage(built!.kernel.lifecycles.take());
  leaseBatches++;
}

const pollWindow = new PollWindow((data.spec.pollNs ?? DEFAULT_POLL_NS) / 1e6);

const spareCpu = new SpareCpuGate(availableParallelism());

/** Poll the doorbell (see poll.ts); true if it rang. */
function poll(seen: number, capMs: number): boolean {
  const now = performance.now();
  const spare = pollWindow.maxMs > 0 && spareCpu.spare(now);
  Atomics.store(ctl, CTL_SPIN, spare ? 1 : 0);
  const window = spare ? Math.min(pollWindow.current(now), capMs) : 0;
  if (window <= 0) return false;
  const r = spinUntil(() => Atomics.load(ctl, CTL_DOORBELL) !== seen, window);
  pollWindow.polled(r, performance.now());
  return r === 'done';
}

Atomics.store(ctl, CTL_KRUNNING, 1);

void loop();
