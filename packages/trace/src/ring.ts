/**
 * A per-thread event ring: one SharedArrayBuffer that one thread writes its events into (no
 * message per event) and the main thread reads at the end of the run — or after the thread died
 * or hung: what was published stays readable, so an interrupted run keeps the events written so
 * far.
 *
 * Layout (all offsets in bytes, records 8-byte aligned):
 *
 *   header (64 bytes, Int32 words)
 *     0 magic 'LBR1'   1 end: where the next record goes (published with Atomics.store after the
 *     record is written, so a reader that Atomics.loads it never sees half a record)
 *     2 events offered   3 events dropped (the ring was full)   4 keep (0: count only)
 *   records, from byte 64, each: Int32 tag, Int32 payload length, the payload, padding to 8
 *
 * Tags: a string definition (a JSON string; the writer interns names — ops, errnos, signals, lease
 * states, argument shapes — and defines each the first time it uses it: ids count up from 0 in
 * ring order); binary records: `syscall.enter` whose args are numbers, booleans and strings
 * (stored with their shape — the key list — interned, so key order survives), `syscall.exit` with
 * a numeric return, `dma.write`, `nic.wr.start`, `nic.wr.end` (Int32 words for their numbers when
 * they fit, else Float64), and a flat record (one Float64 slot per field, masks for nulls and
 * strings) for every other kind made of numbers, strings, booleans and nulls (FLAT: lease,
 * signal, barrier, DAX, MR events…); JSON (UTF-8 of JSON.stringify) for the rest — events that
 * carry arrays or free text (gup.pin, hang, note) or an unexpected value. Binary records keep any
 * number exactly; decoding gives back objects equal to those emitted, keys in the same order (JSON
 * records: as JSON.parse(JSON.stringify(e)) — keys holding undefined are left out).
 *
 * Full: a record that does not fit is not written, nor is anything after it (dropped is counted
 * and published; nothing already written is ever overwritten). The kept events are exactly the
 * first ones, and every string a kept record refers to is defined before it.
 */
import type { EventSink, NicWrOp, SimEvent } from './events.js';

export const RING_MAGIC = 0x4c425231;
export const RING_HEADER_BYTES = 64;
/** Largest data area a ring may have (offsets are Int32). */
export const RING_MAX_BYTES = 1 << 30;

/**
 * Default data area per ring. SharedArrayBuffers are zero pages until written (the OS commits
 * them on first touch), so a ring costs the memory its events take, not its capacity: a run
 * that writes 1 MiB of events costs 1 MiB, however large the rings.
 */
export const DEFAULT_RING_BYTES = {
  /** ~1.2 M syscall events (enter 40 + 8 per argument, exit 40): ~20 s of lease-break-latency. */
  kernel: 64 * 1024 * 1024,
  /** A process thread (the NIC: 56 bytes per WR start or end, ~600 k WRs: ~10 s at full speed). */
  process: 64 * 1024 * 1024,
  /** The lease-lifecycle thread's transitions (JSON, ~150 bytes each). */
  lifecycle: 8 * 1024 * 1024,
} as const;

const H_MAGIC = 0;
const H_END = 1;
const H_COUNT = 2;
const H_DROPPED = 3;
const H_KEEP = 4;

const R_STR = 1;
const R_JSON = 2;
const R_ENTER = 3;
const R_EXIT = 4;
const R_DMA = 5;
const R_WR_START = 6;
const R_WR_END = 7;
/** nic.wr.start / nic.wr.end whose numbers (all but t) are Int32: 56 bytes instead of 88. */
const R_WR_START32 = 8;
const R_WR_END32 = 9;

/** v is an Int32 (and not -0): it survives an Int32 store. */
const isI32 = (v: number): boolean => (v | 0) === v && (v !== 0 || 1 / v > 0);

/**
 * The other kinds a thread writes often, as flat records: per field one Float64 slot (a number,
 * a boolean as 0/1, a string's id), and two masks: fields that are null, fields that are strings.
 * Field types: n number, n? number|null, s string, s? string|null, b boolean, ns number|string.
 * Tags from R_FLAT_BASE in this order. A value of another type sends the event to JSON.
 */
type FieldType = 'n' | 'n?' | 's' | 's?' | 'b' | 'ns';
const FLAT: readonly { readonly kind: SimEvent['kind']; readonly fields: readonly (readonly [string, FieldType])[] }[] = [
  { kind: 'lease.transition', fields: [['t', 'n'], ['lease', 'n'], ['ino', 'n'], ['owner', 'n'], ['from', 's'], ['to', 's'], ['event', 's']] },
  { kind: 'lease.break', fields: [['t', 'n'], ['ino', 'n'], ['breaker', 'n'], ['lease', 'n'], ['owner', 'n'], ['target', 's'], ['layout', 'b'], ['deadline', 'n?']] },
  { kind: 'lease.break.wait', fields: [['t', 'n'], ['ino', 'n'], ['breaker', 'n'], ['until', 'n?']] },
  { kind: 'lease.break.done', fields: [['t', 'n'], ['ino', 'n'], ['breaker', 'n'], ['result', 's'], ['startedAt', 'n']] },
  { kind: 'signal.send', fields: [['t', 'n'], ['pid', 'n'], ['signo', 's'], ['fd', 'n?'], ['from', 'n?']] },
  { kind: 'signal.deliver', fields: [['t', 'n'], ['pid', 'n'], ['signo', 's'], ['fd', 'n?'], ['how', 's']] },
  { kind: 'signal.pending', fields: [['t', 'n'], ['pid', 'n'], ['signo', 's'], ['fd', 'n?']] },
  { kind: 'task.exit', fields: [['t', 'n'], ['pid', 'n'], ['code', 'ns']] },
  { kind: 'barrier', fields: [['t', 'n'], ['pid', 'n'], ['name', 's'], ['open', 'b']] },
  { kind: 'gup.unpin', fields: [['t', 'n'], ['pid', 'n'], ['pin', 'n']] },
  { kind: 'dax.busy', fields: [['t', 'n'], ['pid', 'n'], ['ino', 'n'], ['pfn', 'n'], ['fn', 's'], ['action', 's']] },
  { kind: 'dax.busy.done', fields: [['t', 'n'], ['pid', 'n'], ['ino', 'n'], ['pfn', 'n'], ['result', 's']] },
  { kind: 'layout.change', fields: [['t', 'n'], ['pid', 'n'], ['ino', 'n'], ['op', 's'], ['waited', 'b'], ['errno', 's?']] },
  { kind: 'mr.reg', fields: [['t', 'n'], ['pid', 'n'], ['key', 'n'], ['ino', 'n'], ['pgoff', 'n'], ['npages', 'n'], ['odp', 'b']] },
  { kind: 'mr.dereg', fields: [['t', 'n'], ['pid', 'n'], ['key', 'n']] },
  { kind: 'sched.pick', fields: [['t', 'n'], ['pid', 'n'], ['choices', 'n']] },
];
const R_FLAT_BASE = 32;
const FLAT_BY_KIND = new Map(FLAT.map((f, i) => [f.kind as string, { ...f, tag: R_FLAT_BASE + i }]));

/** Most argument keys a binary `syscall.enter` record carries (one bit each in its boolean mask). */
const MAX_SHAPE_KEYS = 30;

const align8 = (n: number): number => (n + 7) & ~7;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A new ring with `dataBytes` of records (rounded down to 8); keep false: count events, keep none. */
export function newEventRing(dataBytes: number, opts: { readonly keep?: boolean } = {}): SharedArrayBuffer {
  const keep = opts.keep ?? true;
  if (!Number.isFinite(dataBytes) || dataBytes < 0 || dataBytes > RING_MAX_BYTES) throw new RangeError(`event ring: ${dataBytes} bytes; allowed 0 to ${RING_MAX_BYTES}`);
  const data = keep ? Math.floor(dataBytes / 8) * 8 : 0;
  const buf = new SharedArrayBuffer(RING_HEADER_BYTES + data);
  const h = new Int32Array(buf, 0, RING_HEADER_BYTES / 4);
  h[H_MAGIC] = RING_MAGIC;
  h[H_KEEP] = keep ? 1 : 0;
  Atomics.store(h, H_END, RING_HEADER_BYTES);
  return buf;
}

/** Where a ring stood at some moment (the writer's view): read up to here. */
export interface RingMark {
  readonly end: number;
  readonly count: number;
  readonly dropped: number;
}

interface Shape {
  readonly keys: readonly string[];
  readonly id: number;
}

type Ev<K extends SimEvent['kind']> = Extract<SimEvent, { kind: K }>;

/** The writer: the one thread that owns the ring. An EventSink. */
export class EventRing implements EventSink {
  readonly buffer: SharedArrayBuffer;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u8: Uint8Array;
  private readonly cap: number;
  private readonly keep: boolean;
  private off: number;
  private full = false;
  private count = 0;
  private dropped = 0;
  private readonly strings = new Map<string, number>();
  /** The args shape last seen per syscall op. */
  private readonly shapes = new Map<string, Shape>();
  private readonly shapeIds = new Map<string, Shape>();
  private readonly scratch = new Float64Array(MAX_SHAPE_KEYS);

  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.u8 = new Uint8Array(buffer);
    this.cap = buffer.byteLength;
    if (this.i32[H_MAGIC] !== RING_MAGIC) throw new TypeError('event ring: not a ring (made by newEventRing)');
    if (Atomics.load(this.i32, H_END) !== RING_HEADER_BYTES || this.i32[H_COUNT] !== 0) throw new TypeError('event ring: already written (one writer per ring)');
    this.keep = this.i32[H_KEEP] === 1;
    this.off = RING_HEADER_BYTES;
  }

  emit(e: SimEvent): void {
    this.i32[H_COUNT] = ++this.count;
    if (!this.keep) return;
    if (this.full || !this.put(e)) {
      this.full = true;
      Atomics.store(this.i32, H_DROPPED, ++this.dropped);
    }
  }

  /** Where the ring stands now. */
  mark(): RingMark {
    return { end: this.off, count: this.count, dropped: this.dropped };
  }

  get eventCount(): number {
    return this.count;
  }

  get eventsDropped(): number {
    return this.dropped;
  }

  private put(e: SimEvent): boolean {
    switch (e.kind) {
      case 'syscall.enter':
        return this.enter(e);
      case 'syscall.exit':
        return this.exit(e);
      case 'dma.write':
        return this.dma(e);
      case 'nic.wr.start':
        return this.wrStart(e);
      case 'nic.wr.end':
        return this.wrEnd(e);
      default: {
        const flat = FLAT_BY_KIND.get(e.kind);
        return flat === undefined ? this.text(R_JSON, JSON.stringify(e)) : this.flat(e, flat.tag, flat.fields);
      }
    }
  }

  // [tag, len] [nullMask, stringMask] one Float64 per field
  private flat(e: SimEvent, tag: number, fields: readonly (readonly [string, FieldType])[]): boolean {
    const o = e as unknown as Record<string, unknown>;
    const vals = this.scratch;
    let nulls = 0;
    let strs = 0;
    for (let i = 0; i < fields.length; i++) {
      const [name, type] = fields[i]!;
      const v = o[name];
      const bit = 1 << i;
      if (typeof v === 'number' && type !== 's' && type !== 's?' && type !== 'b') vals[i] = v;
      else if (typeof v === 'string' && type !== 'n' && type !== 'n?' && type !== 'b') {
        const id = this.str(v);
        if (id < 0) return false;
        vals[i] = id;
        strs |= bit;
      } else if (typeof v === 'boolean' && type === 'b') vals[i] = v ? 1 : 0;
      else if (v === null && (type === 'n?' || type === 's?')) {
        vals[i] = 0;
        nulls |= bit;
      } else return this.text(R_JSON, JSON.stringify(e));
    }
    const len = 8 + 8 * fields.length;
    const at = this.off;
    if (at + 8 + len > this.cap) return false;
    const d = at >> 3;
    for (let i = 0; i < fields.length; i++) this.f64[d + 2 + i] = vals[i]!;
    this.i32[(at >> 2) + 2] = nulls;
    this.i32[(at >> 2) + 3] = strs;
    this.commit(at, tag, len);
    return true;
  }

  /** Publish a record written at `at`. */
  private commit(at: number, tag: number, len: number): void {
    const w = at >> 2;
    this.i32[w] = tag;
    this.i32[w + 1] = len;
    this.off = at + 8 + align8(len);
    Atomics.store(this.i32, H_END, this.off);
  }

  /** A UTF-8 record; false if it does not fit. */
  private text(tag: number, s: string): boolean {
    const at = this.off;
    if (at + 8 > this.cap) return false;
    const r = enc.encodeInto(s, this.u8.subarray(at + 8, this.cap));
    if (r.read < s.length) return false;
    this.commit(at, tag, r.written);
    return true;
  }

  /** The id of a string, defined in the ring the first time; -1 if the definition does not fit. */
  private str(s: string): number {
    const id = this.strings.get(s);
    if (id !== undefined) return id;
    // As JSON: exact for every string, lone surrogates included (TextEncoder would replace them).
    if (!this.text(R_STR, JSON.stringify(s))) return -1;
    const n = this.strings.size;
    this.strings.set(s, n);
    return n;
  }

  /** The shape of args of numbers, booleans and strings (null: other args; id -1: no room to define it). */
  private shapeOf(op: string, a: Record<string, unknown>): Shape | null {
    const last = this.shapes.get(op);
    if (last !== undefined) {
      const keys = last.keys;
      let i = 0;
      let same = true;
      for (const k in a) {
        if (i >= keys.length || keys[i] !== k) {
          same = false;
          break;
        }
        i++;
      }
      if (same && i === keys.length) return last;
    }
    const keys: string[] = [];
    for (const k in a) {
      const v = a[k];
      if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string') return null;
      keys.push(k);
    }
    if (keys.length > MAX_SHAPE_KEYS) return null;
    const name = JSON.stringify(keys);
    let sh = this.shapeIds.get(name);
    if (sh === undefined) {
      const id = this.str(name);
      if (id < 0) return { keys, id: -1 };
      sh = { keys, id };
      this.shapeIds.set(name, sh);
    }
    this.shapes.set(op, sh);
    return sh;
  }

  // [tag, len] [op, shape] [boolMask, stringMask] t pid v0 … v(n-1) (a string value: its id)
  private enter(e: Ev<'syscall.enter'>): boolean {
    const a = e.args as Record<string, unknown> | undefined | null;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) return this.text(R_JSON, JSON.stringify(e));
    const sh = this.shapeOf(e.op, a);
    if (sh === null) return this.text(R_JSON, JSON.stringify(e));
    if (sh.id < 0) return false;
    const n = sh.keys.length;
    // Values first (string definitions go into the ring before the record that uses them).
    const vals = this.scratch;
    let bools = 0;
    let strs = 0;
    let i = 0;
    for (const k in a) {
      const v = a[k];
      if (typeof v === 'number') vals[i] = v;
      else if (typeof v === 'boolean') {
        vals[i] = v ? 1 : 0;
        bools |= 1 << i;
      } else if (typeof v === 'string') {
        const id = this.str(v);
        if (id < 0) return false;
        vals[i] = id;
        strs |= 1 << i;
      } else return this.text(R_JSON, JSON.stringify(e)); // a value changed type under the same shape
      i++;
    }
    const op = this.str(e.op);
    if (op < 0) return false;
    const len = 32 + 8 * n;
    const at = this.off;
    if (at + 8 + len > this.cap) return false;
    const w = at >> 2;
    const d = at >> 3;
    const f = this.f64;
    for (let j = 0; j < n; j++) f[d + 5 + j] = vals[j]!;
    this.i32[w + 2] = op;
    this.i32[w + 3] = sh.id;
    this.i32[w + 4] = bools;
    this.i32[w + 5] = strs;
    f[d + 3] = e.t;
    f[d + 4] = e.pid;
    this.commit(at, R_ENTER, len);
    return true;
  }

  // [tag, len] [op, errno (-1: null)] t pid ret
  private exit(e: Ev<'syscall.exit'>): boolean {
    if (typeof e.ret !== 'number' || (e.errno !== null && typeof e.errno !== 'string')) return this.text(R_JSON, JSON.stringify(e));
    const op = this.str(e.op);
    const errno = e.errno === null ? -1 : this.str(e.errno);
    if (op < 0 || (e.errno !== null && errno < 0)) return false;
    const at = this.off;
    if (at + 40 > this.cap) return false;
    const w = at >> 2;
    const d = at >> 3;
    this.i32[w + 2] = op;
    this.i32[w + 3] = errno;
    this.f64[d + 2] = e.t;
    this.f64[d + 3] = e.pid;
    this.f64[d + 4] = e.ret;
    this.commit(at, R_EXIT, 32);
    return true;
  }

  // [tag, len] [op, 0] t writer source pfn intended.ino intended.index owner.ino owner.index owner.generation
  private dma(e: Ev<'dma.write'>): boolean {
    const op = this.str(e.op);
    if (op < 0) return false;
    const at = this.off;
    if (at + 88 > this.cap) return false;
    const d = at >> 3;
    const f = this.f64;
    this.i32[(at >> 2) + 2] = op;
    this.i32[(at >> 2) + 3] = 0;
    f[d + 2] = e.t;
    f[d + 3] = e.writer;
    f[d + 4] = e.source;
    f[d + 5] = e.pfn;
    f[d + 6] = e.intended.ino;
    f[d + 7] = e.intended.index;
    f[d + 8] = e.owner.ino;
    f[d + 9] = e.owner.index;
    f[d + 10] = e.owner.generation;
    this.commit(at, R_DMA, 80);
    return true;
  }

  // [tag, len] [op, 0] t pid from qp wrId key offset bytes pages (Int32 words when they all fit)
  private wrStart(e: Ev<'nic.wr.start'>): boolean {
    const op = this.str(e.op);
    if (op < 0) return false;
    const at = this.off;
    if (isI32(e.pid) && isI32(e.from) && isI32(e.qp) && isI32(e.wrId) && isI32(e.key) && isI32(e.offset) && isI32(e.bytes) && isI32(e.pages)) {
      if (at + 56 > this.cap) return false;
      const w = at >> 2;
      const i = this.i32;
      i[w + 2] = op;
      i[w + 3] = 0;
      this.f64[(at >> 3) + 2] = e.t;
      i[w + 6] = e.pid;
      i[w + 7] = e.from;
      i[w + 8] = e.qp;
      i[w + 9] = e.wrId;
      i[w + 10] = e.key;
      i[w + 11] = e.offset;
      i[w + 12] = e.bytes;
      i[w + 13] = e.pages;
      this.commit(at, R_WR_START32, 48);
      return true;
    }
    if (at + 88 > this.cap) return false;
    const d = at >> 3;
    const f = this.f64;
    this.i32[(at >> 2) + 2] = op;
    this.i32[(at >> 2) + 3] = 0;
    f[d + 2] = e.t;
    f[d + 3] = e.pid;
    f[d + 4] = e.from;
    f[d + 5] = e.qp;
    f[d + 6] = e.wrId;
    f[d + 7] = e.key;
    f[d + 8] = e.offset;
    f[d + 9] = e.bytes;
    f[d + 10] = e.pages;
    this.commit(at, R_WR_START, 80);
    return true;
  }

  // [tag, len] [op, status] t pid from qp wrId key bytes pages violations (Int32 words when they all fit)
  private wrEnd(e: Ev<'nic.wr.end'>): boolean {
    const op = this.str(e.op);
    const status = this.str(e.status);
    if (op < 0 || status < 0) return false;
    const at = this.off;
    if (isI32(e.pid) && isI32(e.from) && isI32(e.qp) && isI32(e.wrId) && isI32(e.key) && isI32(e.bytes) && isI32(e.pages) && isI32(e.violations)) {
      if (at + 56 > this.cap) return false;
      const w = at >> 2;
      const i = this.i32;
      i[w + 2] = op;
      i[w + 3] = status;
      this.f64[(at >> 3) + 2] = e.t;
      i[w + 6] = e.pid;
      i[w + 7] = e.from;
      i[w + 8] = e.qp;
      i[w + 9] = e.wrId;
      i[w + 10] = e.key;
      i[w + 11] = e.bytes;
      i[w + 12] = e.pages;
      i[w + 13] = e.violations;
      this.commit(at, R_WR_END32, 48);
      return true;
    }
    if (at + 88 > this.cap) return false;
    const d = at >> 3;
    const f = this.f64;
    this.i32[(at >> 2) + 2] = op;
    this.i32[(at >> 2) + 3] = status;
    f[d + 2] = e.t;
    f[d + 3] = e.pid;
    f[d + 4] = e.from;
    f[d + 5] = e.qp;
    f[d + 6] = e.wrId;
    f[d + 7] = e.key;
    f[d + 8] = e.bytes;
    f[d + 9] = e.pages;
    f[d + 10] = e.violations;
    this.commit(at, R_WR_END, 80);
    return true;
  }
}

export interface RingContents {
  /** The events kept, in the order written. */
  readonly events: SimEvent[];
  /** Events emitted (kept, dropped, or only counted when the ring keeps none). */
  readonly count: number;
  /** Events that did not fit. */
  readonly dropped: number;
  /** Bytes of records read, and the data area's size. */
  readonly bytes: number;
  readonly capacity: number;
}

/**
 * Decode a ring: up to `mark.end` if given (the writer's mark), else up to what the writer has
 * published so far — safe while it is still writing, or after it died mid-record.
 */
export function readEventRing(buffer: SharedArrayBuffer, mark?: RingMark): RingContents {
  const i32 = new Int32Array(buffer);
  const f64 = new Float64Array(buffer);
  const u8 = new Uint8Array(buffer);
  if (i32[H_MAGIC] !== RING_MAGIC) throw new TypeError('event ring: not a ring (made by newEventRing)');
  const published = Atomics.load(i32, H_END);
  const end = Math.min(mark?.end ?? published, published, buffer.byteLength);
  const dropped = mark?.dropped ?? Atomics.load(i32, H_DROPPED);
  const counted = mark?.count ?? Atomics.load(i32, H_COUNT);
  const strings: string[] = [];
  const shapes: (string[] | undefined)[] = [];
  const events: SimEvent[] = [];
  const utf8 = (at: number, len: number): string => dec.decode(u8.slice(at, at + len));
  const s = (id: number): string => {
    const v = strings[id];
    if (v === undefined) throw new RangeError(`event ring: string ${id} used before it is defined`);
    return v;
  };
  let at = RING_HEADER_BYTES;
  while (at < end) {
    const w = at >> 2;
    const d = at >> 3;
    const tag = i32[w]!;
    const len = i32[w + 1]!;
    const next = at + 8 + align8(len);
    if (len < 0 || next > end) throw new RangeError(`event ring: record at byte ${at} (tag ${tag}, ${len} bytes) runs past the end (${end})`);
    switch (tag) {
      case R_STR:
        strings.push(JSON.parse(utf8(at + 8, len)) as string);
        break;
      case R_JSON:
        events.push(JSON.parse(utf8(at + 8, len)) as SimEvent);
        break;
      case R_ENTER: {
        const sid = i32[w + 3]!;
        let keys = shapes[sid];
        if (keys === undefined) keys = shapes[sid] = JSON.parse(s(sid)) as string[];
        const bools = i32[w + 4]!;
        const strs = i32[w + 5]!;
        const args: Record<string, number | boolean | string> = {};
        keys.forEach((k, i) => {
          const v = f64[d + 5 + i]!;
          const bit = 1 << i;
          args[k] = (strs & bit) !== 0 ? s(v) : (bools & bit) !== 0 ? v !== 0 : v;
        });
        events.push({ kind: 'syscall.enter', t: f64[d + 3]!, pid: f64[d + 4]!, op: s(i32[w + 2]!), args });
        break;
      }
      case R_EXIT: {
        const errno = i32[w + 3]!;
        events.push({ kind: 'syscall.exit', t: f64[d + 2]!, pid: f64[d + 3]!, op: s(i32[w + 2]!), ret: f64[d + 4]!, errno: errno < 0 ? null : s(errno) });
        break;
      }
      case R_DMA:
        events.push({
          kind: 'dma.write',
          t: f64[d + 2]!,
          writer: f64[d + 3]!,
          source: f64[d + 4]!,
          pfn: f64[d + 5]!,
          intended: { ino: f64[d + 6]!, index: f64[d + 7]! },
          owner: { ino: f64[d + 8]!, index: f64[d + 9]!, generation: f64[d + 10]! },
          op: s(i32[w + 2]!) as 'write' | 'read',
        });
        break;
      case R_WR_START:
        events.push({
          kind: 'nic.wr.start',
          t: f64[d + 2]!,
          pid: f64[d + 3]!,
          from: f64[d + 4]!,
          qp: f64[d + 5]!,
          wrId: f64[d + 6]!,
          key: f64[d + 7]!,
          op: s(i32[w + 2]!) as NicWrOp,
          offset: f64[d + 8]!,
          bytes: f64[d + 9]!,
          pages: f64[d + 10]!,
        });
        break;
      case R_WR_END:
        events.push({
          kind: 'nic.wr.end',
          t: f64[d + 2]!,
          pid: f64[d + 3]!,
          from: f64[d + 4]!,
          qp: f64[d + 5]!,
          wrId: f64[d + 6]!,
          key: f64[d + 7]!,
          op: s(i32[w + 2]!) as NicWrOp,
          status: s(i32[w + 3]!),
          bytes: f64[d + 8]!,
          pages: f64[d + 9]!,
          violations: f64[d + 10]!,
        });
        break;
      case R_WR_START32:
        events.push({
          kind: 'nic.wr.start',
          t: f64[d + 2]!,
          pid: i32[w + 6]!,
          from: i32[w + 7]!,
          qp: i32[w + 8]!,
          wrId: i32[w + 9]!,
          key: i32[w + 10]!,
          op: s(i32[w + 2]!) as NicWrOp,
          offset: i32[w + 11]!,
          bytes: i32[w + 12]!,
          pages: i32[w + 13]!,
        });
        break;
      case R_WR_END32:
        events.push({
          kind: 'nic.wr.end',
          t: f64[d + 2]!,
          pid: i32[w + 6]!,
          from: i32[w + 7]!,
          qp: i32[w + 8]!,
          wrId: i32[w + 9]!,
          key: i32[w + 10]!,
          op: s(i32[w + 2]!) as NicWrOp,
          status: s(i32[w + 3]!),
          bytes: i32[w + 11]!,
          pages: i32[w + 12]!,
          violations: i32[w + 13]!,
        });
        break;
      default: {
        const flat = FLAT[tag - R_FLAT_BASE];
        if (flat === undefined) throw new RangeError(`event ring: unknown record tag ${tag} at byte ${at}`);
        const nulls = i32[w + 2]!;
        const strs = i32[w + 3]!;
        const e: Record<string, unknown> = { kind: flat.kind };
        flat.fields.forEach(([name, type], i) => {
          const bit = 1 << i;
          const v = f64[d + 2 + i]!;
          e[name] = (nulls & bit) !== 0 ? null : (strs & bit) !== 0 ? s(v) : type === 'b' ? v !== 0 : v;
        });
        events.push(e as unknown as SimEvent);
        break;
      }
    }
    at = next;
  }
  return { events, count: Math.max(counted, events.length + dropped), dropped, bytes: end - RING_HEADER_BYTES, capacity: buffer.byteLength - RING_HEADER_BYTES };
}
