/**
 * The syscall channel between a process thread and the kernel thread: one SharedArrayBuffer per
 * process holding a state word, a length and a payload area. A call is one wake each way:
 *   process: write request, state = REQ, bump the kernel doorbell, notify it, wait on state;
 *   kernel:  state = BUSY, run the syscall, write the response, state = RESP, notify state.
 * A call that must sleep in the kernel goes BUSY → PARKED → RESP.
 * Most syscalls and answers carry only numbers: they travel as binary (an op code and Float64
 * arguments), with no encoding worth the name. The rest is JSON; a top-level `data` byte array
 * travels as base64 in `data$b64` (no JSON replacer/reviver: they cost more than the rest).
 */
import { ERRNO, type Errno } from '@leasebreak/model';

export const CH_STATE = 0;
export const CH_LEN = 1;
/** KIND_JSON, KIND_BIN_REQ or KIND_BIN_RESP. */
export const CH_KIND = 2;
export const CH_OP = 3;
const KIND_JSON = 0;
const KIND_BIN_REQ = 1;
const KIND_BIN_RESP = 2;

/** Syscalls sent as binary: op → its numeric fields, in order (booleans as 0/1, absent as NaN). */
const BIN_OPS: Readonly<Record<string, readonly string[]>> = {
  null: [],
  close: ['fd'],
  dup: ['fd'],
  read: ['fd', 'length'],
  pread: ['fd', 'length', 'offset'],
  ftruncate: ['fd', 'length'],
  fallocate: ['fd', 'mode', 'offset', 'length'],
  fcntl: ['fd', 'cmd', 'arg'],
  mmap: ['fd', 'length', 'prot', 'offset'],
  munmap: ['addr', 'length'],
  load: ['addr', 'length'],
  nanosleep: ['ns'],
  kill: ['pid', 'signo'],
  ibv_reg_mr: ['addr', 'length'],
  ibv_dereg_mr: ['key'],
  nic_fault: ['key', 'page', 'write'],
  dio_read: ['addr', 'length', 'ns', 'async'],
  alarm: ['ns'],
  exit: ['code'],
};
const BOOL_FIELDS = new Set(['write', 'async']);
const OP_NAMES = Object.keys(BIN_OPS);
const OP_CODE = new Map(OP_NAMES.map((n, i) => [n, i]));
const ERRNO_NAMES = Object.keys(ERRNO) as Errno[];
const ERRNO_CODE = new Map(ERRNO_NAMES.map((n, i) => [n, i]));
export const CH_HEADER_BYTES = 16;
export const CH_PAYLOAD_BYTES = 4 * 1024 * 1024;

export const IDLE = 0;
export const REQ = 1;
export const BUSY = 2;
export const RESP = 3;
/**
 * The syscall sleeps in the kernel (a lease break, a barrier, a wait): set by the kernel thread
 * when a call did not finish in its first pass, so the caller stops spinning and sleeps at once.
 */
export const PARKED = 4;

/** Control words shared by everyone: the kernel doorbell, a stop flag, then one signal word per process. */
export const CTL_DOORBELL = 0;
export const CTL_STOP = 1;
/** Set by the kernel thread when the hung-task watchdog fires. */
export const CTL_HANG = 2;
/** The start gate: process threads wait on it until every one of them is ready. */
export const CTL_GO = 3;
/**
 * 1 while the kernel thread is awake (serving or polling its doorbell), 0 while it sleeps in
 * Atomics.wait. A process waiting for an answer spins only while it is 1: the owner is on a CPU,
 * so the answer is microseconds away (mutex_spin_on_owner's rule, kernel/locking/mutex.c).
 */
export const CTL_KRUNNING = 4;
/** 1 while spinning pays (the kernel thread polls, a CPU is spare): processes may spin for answers. */
export const CTL_SPIN = 5;
/**
 * Bumped by the main thread with every control call it posts to the kernel thread (Comlink:
 * ready, collect), before it rings the doorbell. The kernel thread takes messages only when its
 * event loop turns, which it skips on the syscall fast path: a changed value asks for a turn.
 */
export const CTL_CONTROL = 6;
/**
 * How long the kernel thread polls its doorbell before it sleeps, and the most a process spins
 * for an answer, by default. A real syscall runs on the caller's CPU and costs no wake-up; the
 * model's kernel is another thread, so entering it would cost one. Polling (io_uring's SQPOLL
 * idea) removes that artefact: what is left are the wake-ups Linux has too — the holder woken
 * by SIGIO, the breaker woken by the release.
 */
export const DEFAULT_POLL_NS = 50_000;
export const CTL_SIGWORD_BASE = 8;

export function newChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(CH_HEADER_BYTES + CH_PAYLOAD_BYTES);
}

export function newControl(nproc: number): SharedArrayBuffer {
  return new SharedArrayBuffer((CTL_SIGWORD_BASE + nproc) * 4);
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function pack(msg: unknown): unknown {
  const d = (msg as { data?: unknown }).data;
  if (!(d instanceof Uint8Array)) return msg;
  const { data: _d, ...rest } = msg as { data: Uint8Array };
  return { ...rest, data$b64: Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64') };
}

function unpack<T>(msg: T): T {
  const b = (msg as { data$b64?: unknown }).data$b64;
  if (typeof b !== 'string') return msg;
  const { data$b64: _b, ...rest } = msg as { data$b64: string };
  return { ...rest, data: new Uint8Array(Buffer.from(b, 'base64')) } as T;
}

export class Channel {
  readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly nums: Float64Array;

  constructor(buf: SharedArrayBuffer) {
    this.words = new Int32Array(buf, 0, CH_HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buf, CH_HEADER_BYTES);
    this.nums = new Float64Array(buf, CH_HEADER_BYTES, 8);
  }

  /** Binary if the message is a numbers-only syscall or a plain answer; else JSON. */
  private writeBinary(msg: Record<string, unknown>): boolean {
    if (typeof msg.op === 'string') {
      const fields = BIN_OPS[msg.op];
      if (fields === undefined) return false;
      for (const k in msg) if (k !== 'op' && !fields.includes(k)) return false;
      for (let i = 0; i < fields.length; i++) {
        const v = msg[fields[i]!];
        if (v === undefined) this.nums[i] = NaN;
        else if (typeof v === 'number') this.nums[i] = v;
        else if (typeof v === 'boolean') this.nums[i] = v ? 1 : 0;
        else return false;
      }
      this.words[CH_OP] = OP_CODE.get(msg.op)!;
      this.words[CH_KIND] = KIND_BIN_REQ;
      return true;
    }
    if (typeof msg.ret !== 'number' || msg.killed !== null || (msg.handlers as unknown[]).length > 0) return false;
    for (const k in msg) if (k !== 'ret' && k !== 'errno' && k !== 'killed' && k !== 'handlers') return false;
    const e = msg.errno === null ? -1 : ERRNO_CODE.get(msg.errno as Errno);
    if (e === undefined) return false;
    this.nums[0] = msg.ret;
    this.nums[1] = e;
    this.words[CH_KIND] = KIND_BIN_RESP;
    return true;
  }

  write(msg: unknown): void {
    if (this.writeBinary(msg as Record<string, unknown>)) return;
    this.words[CH_KIND] = KIND_JSON;
    const json = JSON.stringify(pack(msg));
    const r = enc.encodeInto(json, this.bytes);
    if (r.read < json.length) throw new RangeError(`syscall channel: message of ${json.length} characters exceeds ${CH_PAYLOAD_BYTES} bytes`);
    Atomics.store(this.words, CH_LEN, r.written);
  }

  read<T>(): T {
    const kind = this.words[CH_KIND];
    if (kind === KIND_BIN_REQ) {
      const op = OP_NAMES[this.words[CH_OP]!]!;
      const out: Record<string, unknown> = { op };
      BIN_OPS[op]!.forEach((f, i) => {
        const v = this.nums[i]!;
        if (!Number.isNaN(v)) out[f] = BOOL_FIELDS.has(f) ? v !== 0 : v;
      });
      return out as T;
    }
    if (kind === KIND_BIN_RESP) {
      const e = this.nums[1]!;
      return { ret: this.nums[0]!, errno: e < 0 ? null : ERRNO_NAMES[e]!, killed: null, handlers: [] } as T;
    }
    const n = Atomics.load(this.words, CH_LEN);
    // TextDecoder refuses views on shared memory: copy out first.
    return unpack(JSON.parse(dec.decode(this.bytes.slice(0, n))) as T);
  }

  get state(): number {
    return Atomics.load(this.words, CH_STATE);
  }

  set state(v: number) {
    Atomics.store(this.words, CH_STATE, v);
  }
}
