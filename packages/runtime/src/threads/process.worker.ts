/**
 * A process thread: runs one program. Its syscalls go to the kernel thread over its channel and
 * block this thread in Atomics.wait until the answer comes (one wake each way).
 */
import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import type { SyscallRequest, SyscallResponse } from '@leasebreak/model';
import { EventRing } from '@leasebreak/trace';
import { Prng } from '../prng.js';
import { spinUntil } from './poll.js';
import type { ProcessContext, ProgramModule, SharedRegions } from '../types.js';
import { CTL_DOORBELL, CTL_GO, CTL_KRUNNING, CTL_SIGWORD_BASE, CTL_SPIN, CH_STATE, Channel, DEFAULT_POLL_NS, IDLE, PARKED, REQ, RESP } from './channel.js';

export interface ProcessWorkerData {
  readonly index: number;
  readonly name: string;
  readonly pid: number;
  readonly pids: Record<string, number>;
  readonly program: string;
  readonly input: unknown;
  readonly seed: number;
  readonly control: SharedArrayBuffer;
  readonly channel: SharedArrayBuffer;
  readonly originNs: string;
  readonly shared: SharedRegions;
  /** This thread's event ring (ProcessContext.emit), read by the main thread. */
  readonly ring: SharedArrayBuffer;
  /** RunSpec.pollNs: the most this thread spins for an answer before it sleeps. */
  readonly pollNs?: number;
  /** Where ProcessContext.progress posts (the main thread drains it when the process ends). */
  readonly progress: MessagePort;
}

const d = workerData as ProcessWorkerData;
const ctl = new Int32Array(d.control);
const ch = new Channel(d.channel);
const origin = BigInt(d.originNs);
const rng = new Prng(d.seed, d.index + 1);
const sigword = CTL_SIGWORD_BASE + d.index;
const ring = new EventRing(d.ring);

function call(req: SyscallRequest): SyscallResponse {
  Atomics.store(ctl, sigword, 0);
  ch.write(req);
  ch.state = REQ;
  Atomics.add(ctl, CTL_DOORBELL, 1);
  Atomics.notify(ctl, CTL_DOORBELL);
  if (spinMs > 0 && Atomics.load(ctl, CTL_SPIN) === 1) spin();
  for (let s = ch.state; s !== RESP; s = ch.state) Atomics.wait(ch.words, CH_STATE, s);
  const resp = ch.read<SyscallResponse & { simError?: string }>();
  ch.state = IDLE;
  if (resp.simError !== undefined) throw new Error(`kernel: simulator bug during ${req.op}: ${resp.simError}`);
  return resp;
}

const spinMs = (d.pollNs ?? DEFAULT_POLL_NS) / 1e6;

/**
 * Spin for the answer while the kernel thread is on a CPU (it polls, so it has the request
 * already), for at most spinMs: a syscall that does not block answers within microseconds. One
 * that blocks (a lease break, sigtimedwait) is marked PARKED by the kernel after its first pass,
 * and the thread sleeps at once, to be woken as Linux wakes it.
 */
function spin(): void {
  spinUntil(() => {
    const s = ch.state;
    return s === RESP || s === PARKED || Atomics.load(ctl, CTL_KRUNNING) === 0;
  }, spinMs);
}

const ctx: ProcessContext = {
  pid: d.pid,
  name: d.name,
  mode: 'threads',
  pids: d.pids,
  syscall: (req) => Promise.resolve(call(req)),
  now: () => Number(process.hrtime.bigint() - origin),
  random: () => rng.next(),
  schedPoint: () => Promise.resolve(),
  signalFlagged: () => Atomics.load(ctl, sigword) !== 0,
  progress: (partial) => d.progress.postMessage(partial),
  emit: (e) => ring.emit(e),
  index: d.index,
  shared: d.shared,
  waitCell: (arr, index, value, timeoutNs) => Promise.resolve(Atomics.wait(arr, index, value, timeoutNs === null ? Infinity : timeoutNs / 1e6)),
  notifyCell: (arr, index) => void Atomics.notify(arr, index),
};

try {
  const mod = (await import(d.program)) as ProgramModule;
  // The start gate: every process thread starts its program at once, not as its worker came up.
  parentPort!.postMessage({ type: 'ready' });
  while (Atomics.load(ctl, CTL_GO) === 0) Atomics.wait(ctl, CTL_GO, 0);
  const output = await mod.runProgram(ctx, d.input);
  parentPort!.postMessage({ type: 'done', output });
} catch (e) {
  parentPort!.postMessage({ type: 'error', error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
