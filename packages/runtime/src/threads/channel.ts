/**
 * The syscall channel between a process thread and the kernel thread: one SharedArrayBuffer per
 * process holding a state word, a length and a payload area. A call is one wake each way:
 *   process: write request, state = REQ, bump the kernel doorbell, notify it, wait on state;
 *   kernel:  state = BUSY, run the syscall, write the response, state = RESP, notify state.
 * Payloads are JSON; a top-level `data` byte array travels as base64 in `data$b64` (no
 * JSON replacer/reviver on the hot path: they cost more than the rest of the encoding).
 */

export const CH_STATE = 0;
export const CH_LEN = 1;
export const CH_HEADER_BYTES = 16;
export const CH_PAYLOAD_BYTES = 4 * 1024 * 1024;

export const IDLE = 0;
export const REQ = 1;
export const BUSY = 2;
export const RESP = 3;

/** Control words shared by everyone: the kernel doorbell, a stop flag, then one signal word per process. */
export const CTL_DOORBELL = 0;
export const CTL_STOP = 1;
/** Set by the kernel thread when the hung-task watchdog fires. */
export const CTL_HANG = 2;
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

  constructor(buf: SharedArrayBuffer) {
    this.words = new Int32Array(buf, 0, CH_HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buf, CH_HEADER_BYTES);
  }

  write(msg: unknown): void {
    const json = JSON.stringify(pack(msg));
    const r = enc.encodeInto(json, this.bytes);
    if (r.read < json.length) throw new RangeError(`syscall channel: message of ${json.length} characters exceeds ${CH_PAYLOAD_BYTES} bytes`);
    Atomics.store(this.words, CH_LEN, r.written);
  }

  read<T>(): T {
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
