/**
 * The `truncator` stress program: a mix of layout changes on one file, for the duration of the
 * run — the other side of every pin race (kernel-semantics §3.4: which of these break layouts,
 * and wait for busy DAX pages, depends on the policy).
 *
 * It works in the first `pages` pages of the file (B = pages × 4096 bytes, the file's base size).
 * Each operation is drawn uniformly from `ops`, with a random page-aligned offset and a length of
 * 1 .. max(1, pages/4) pages:
 *   truncate-down  truncate(path, k pages), k in [0, pages)        — frees the blocks past k
 *   truncate-up    truncate(path, B + n pages)                     — no block freed
 *   punch          fallocate(PUNCH_HOLE|KEEP_SIZE, k, n pages)     — frees [k, k+n)
 *   collapse       fallocate(COLLAPSE_RANGE, k, n), k+n < pages    — frees [k, k+n), shifts the tail down
 *   insert         fallocate(INSERT_RANGE, k, n)                   — shifts [k, …) up by n
 *   zero           fallocate(ZERO_RANGE|KEEP_SIZE, k, n)            — converts [k, k+n) to unwritten
 * truncate(2) by path (it breaks leases, as a real truncater's would); fallocate(2) on an O_RDWR fd
 * opened at the start.
 *
 * With `restore` (default), half a cycle after each operation (half of 1/rate; closed loop: 50 µs)
 * the file is brought back to B bytes, all written: ftruncate(fd, B), then pwrite over whatever
 * the operation left as holes (the truncated tail, the punched, collapsed or inserted range). A
 * restore that fails (EINTR) is tried again before the next operation. In the gap between an
 * operation and its restore other processes (a file-writer) may be handed the freed blocks — what
 * the races need: the allocator prefers recently freed blocks.
 *
 * `signalAfter`: a process cannot kill(2) itself while it is blocked in a syscall, so the program
 * arms alarm(2) (setitimer ITIMER_REAL) before every layout change, restores included, and
 * disarms it after: a truncate or fallocate still waiting for a busy page or a lease break when
 * SIGALRM comes fails EINTR (handlers are installed without SA_RESTART). SIGUSR1 is handled the
 * same way, so another process's `kill: truncator, signo: SIGUSR1` interrupts an operation rather
 * than the program. EINTR, ETXTBSY, EPERM and EOPNOTSUPP are informed failures (architecture §6),
 * counted in `informed`; whether an operation waited is for the kernel's events to tell
 * (`layout.change` {waited}).
 *
 * Latency of an operation: from its call to its return (ns), so a wait for a pin shows in full.
 *
 * Input: { name, durationNs, options: TruncatorOptions } (signalAfter in µs). Output: TruncatorOutput.
 */
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  O_RDWR,
  SIGNALS,
  type SyscallRequest,
  type SyscallResponse,
  signame,
} from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { OpStats, PacedProgram, RACE_MIN_CYCLE_NS, randInt } from './pacing.js';
import { type LatencySummary, PROGRESS_EVERY, sleepUntil, summarizeLatency, sys, stressEntry, tally } from './stress.js';
import { type TruncatorOp, type TruncatorOptions, TRUNCATOR_OPS, parseTruncatorOptions } from './validators.js';

const PAGE = 4096;
const SIGALRM = SIGNALS['SIGALRM']!;
const SIGUSR1 = SIGNALS['SIGUSR1']!;

export interface TruncatorInput {
  readonly name: string;
  readonly durationNs: number;
  readonly options: TruncatorOptions;
}

/** Per operation kind. */
export interface TruncatorOpSummary {
  readonly count: number;
  readonly ok: number;
  readonly errnos: Record<string, number>;
  /** Call-to-return latency percentiles, ns; null in progress reports. */
  readonly latency: LatencySummary | null;
}

export interface TruncatorOutput {
  readonly workload: 'truncator';
  readonly name: string;
  readonly file: string;
  readonly ops: readonly TruncatorOp[];
  readonly rate: number;
  readonly pages: number;
  readonly restore: boolean;
  /** µs, or null when no alarm is armed. */
  readonly signalAfter: number | null;
  readonly startNs: number;
  readonly endNs: number;
  /** Layout changes issued (restores not included); the per-operation arrays have this many entries. */
  readonly count: number;
  readonly ok: number;
  /** Open loop: slots never issued because the program was still behind when the duration ended. */
  readonly missed: number;
  /** Failed layout changes by errno. */
  readonly errnos: Record<string, number>;
  /** The informed failures among them (architecture §6). */
  readonly informed: { readonly EINTR: number; readonly ETXTBSY: number; readonly EPERM: number; readonly EOPNOTSUPP: number };
  /** Call-to-return latency of every layout change, ns; null in progress reports. */
  readonly latency: LatencySummary | null;
  readonly byOp: Partial<Record<TruncatorOp, TruncatorOpSummary>>;
  /** Each operation: its kind, offset and length in bytes (truncate: the new size, 0), call time, latency and errno. */
  readonly op: TruncatorOp[];
  readonly offset: number[];
  readonly length: number[];
  readonly startedNs: number[];
  readonly latencyNs: number[];
  readonly errno: (string | null)[];
  /** Restores: ftruncate back to the base size and pwrite over holes. */
  readonly restores: { readonly count: number; readonly ok: number; readonly errnos: Record<string, number>; readonly latency: LatencySummary | null };
  /** Signals that reached the handlers (SIGALRM from the alarm, SIGUSR1 from others), by name. */
  readonly signals: Record<string, number>;
  /** Why the program could not run (the open failed), or null. */
  readonly error: string | null;
  readonly stopped: string | null;
  readonly done: boolean;
}

/** What the next restore has to do. */
interface Pending {
  size: boolean;
  /** Page ranges to fill: [first page, count]. */
  holes: [number, number][];
}

class Truncator extends PacedProgram<TruncatorOutput> {
  private readonly base: number;
  private readonly span: number;
  private fd = -1;
  private readonly pending: Pending = { size: false, holes: [] };
  private readonly all = new OpStats();
  private readonly per = new Map<TruncatorOp, OpStats>();
  private readonly restores = new OpStats();
  private readonly signals: Record<string, number> = {};
  private readonly opKind: TruncatorOp[] = [];
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly startedNs: number[] = [];
  private readonly errno: (string | null)[] = [];
  private readonly fill: Uint8Array;

  constructor(
    ctx: ProcessContext,
    name: string,
    durationNs: number,
    private readonly opts: TruncatorOptions,
  ) {
    super(ctx, name, durationNs, opts.rate);
    this.base = opts.pages * PAGE;
    this.span = Math.max(1, Math.floor(opts.pages / 4));
    this.fill = new Uint8Array(PAGE).fill(0x54); // 'T': plain data
    for (const o of opts.ops) this.per.set(o, new OpStats());
  }

  /** Enter the kernel, counting the signals whose (empty) handlers ran. */
  private async call(req: SyscallRequest): Promise<SyscallResponse> {
    const r = await sys(this.ctx, req);
    for (const h of r.handlers) tally(this.signals, signame(h.signo));
    return r;
  }

  protected async setup(): Promise<boolean> {
    await this.prepare();
    return this.error === null;
  }

  private async prepare(): Promise<void> {
    await this.call({ op: 'sigaction', signo: SIGUSR1, disposition: 'handler' });
    if (this.opts.signalAfter !== undefined) await this.call({ op: 'sigaction', signo: SIGALRM, disposition: 'handler' });
    const r = await this.call({ op: 'open', path: this.opts.file, flags: O_RDWR });
    if (r.errno !== null) this.error = `open(${this.opts.file}, O_RDWR) failed: ${r.errno}`;
    else this.fd = r.ret;
  }

  /** A layout-changing syscall, under the alarm when signalAfter is set. */
  private async timed(req: SyscallRequest): Promise<{ errno: string | null; ns: number }> {
    const alarm = this.opts.signalAfter;
    if (alarm !== undefined) await this.call({ op: 'alarm', ns: alarm * 1000 });
    const t0 = this.ctx.now();
    const r = await this.call(req);
    const ns = this.ctx.now() - t0;
    if (alarm !== undefined) await this.call({ op: 'alarm', ns: 0 });
    return { errno: r.errno, ns };
  }

  protected async loop(): Promise<void> {
    // The restore comes half a cycle after the operation: the freed blocks are up for grabs in
    // between, and the file is whole for the other half (a reader of it is not starved).
    const half = Math.round((this.opts.rate > 0 ? 1e9 / this.opts.rate : RACE_MIN_CYCLE_NS) / 2);
    for (;;) {
      const intended = await this.pacer.next();
      if (intended === null) break;
      if (this.opts.restore) await this.restore(); // a restore that failed last time
      await this.operate();
      if (this.opKind.length % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
      if (this.opts.restore && (this.pending.size || this.pending.holes.length > 0)) {
        await sleepUntil(this.ctx, Math.min(intended + half, this.endNs));
        await this.restore();
      }
      await this.pacer.done(intended);
    }
  }

  private async restore(): Promise<void> {
    const p = this.pending;
    if (p.size) {
      const r = await this.timed({ op: 'ftruncate', fd: this.fd, length: this.base });
      this.restores.add(r.errno, r.ns);
      if (r.errno !== null) return; // try again before the next operation
      p.size = false;
    }
    while (p.holes.length > 0) {
      const [first, n] = p.holes[0]!;
      const from = Math.max(0, first);
      const to = Math.min(this.opts.pages, first + n);
      if (to > from) {
        const data = new Uint8Array((to - from) * PAGE);
        for (let i = 0; i < to - from; i++) data.set(this.fill, i * PAGE);
        const t0 = this.ctx.now();
        const r = await this.call({ op: 'pwrite', fd: this.fd, data, offset: from * PAGE });
        this.restores.add(r.errno, this.ctx.now() - t0);
        if (r.errno !== null) return;
      }
      p.holes.shift();
    }
  }

  private async operate(): Promise<void> {
    const o = this.opts;
    const kind = o.ops[Math.min(o.ops.length - 1, Math.floor(this.ctx.random() * o.ops.length))]!;
    const P = o.pages;
    let req: SyscallRequest;
    let offset = 0;
    let length = 0;
    let after: (() => void) | null = null;
    switch (kind) {
      case 'truncate-down': {
        const k = randInt(this.ctx, 0, P - 1);
        offset = k * PAGE;
        req = { op: 'truncate', path: o.file, length: offset };
        after = () => {
          this.pending.size = true;
          this.pending.holes.push([k, P - k]);
        };
        break;
      }
      case 'truncate-up': {
        const n = randInt(this.ctx, 1, this.span);
        offset = this.base + n * PAGE;
        req = { op: 'truncate', path: o.file, length: offset };
        after = () => void (this.pending.size = true);
        break;
      }
      case 'punch': {
        const k = randInt(this.ctx, 0, P - 1);
        const n = randInt(this.ctx, 1, Math.min(this.span, P - k));
        offset = k * PAGE;
        length = n * PAGE;
        req = { op: 'fallocate', fd: this.fd, mode: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length };
        after = () => void this.pending.holes.push([k, n]);
        break;
      }
      case 'collapse': {
        // offset + len must stay below EOF (else EINVAL: "use ftruncate").
        const k = randInt(this.ctx, 0, Math.max(0, P - 2));
        const n = randInt(this.ctx, 1, Math.max(1, Math.min(this.span, P - 1 - k)));
        offset = k * PAGE;
        length = n * PAGE;
        req = { op: 'fallocate', fd: this.fd, mode: FALLOC_FL_COLLAPSE_RANGE, offset, length };
        after = () => {
          this.pending.size = true;
          this.pending.holes.push([P - n, n]);
        };
        break;
      }
      case 'insert': {
        const k = randInt(this.ctx, 0, P - 1);
        const n = randInt(this.ctx, 1, this.span);
        offset = k * PAGE;
        length = n * PAGE;
        req = { op: 'fallocate', fd: this.fd, mode: FALLOC_FL_INSERT_RANGE, offset, length };
        after = () => {
          this.pending.size = true; // the tail moved past B: cut it off again
          this.pending.holes.push([k, n]);
        };
        break;
      }
      case 'zero': {
        const k = randInt(this.ctx, 0, P - 1);
        const n = randInt(this.ctx, 1, Math.min(this.span, P - k));
        offset = k * PAGE;
        length = n * PAGE;
        req = { op: 'fallocate', fd: this.fd, mode: FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, length };
        break;
      }
    }
    this.startedNs.push(this.ctx.now());
    const r = await this.timed(req);
    this.opKind.push(kind);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.errno.push(r.errno);
    this.all.add(r.errno, r.ns);
    this.per.get(kind)!.add(r.errno, r.ns);
    if (r.errno === null && after !== null) after();
  }

  output(stopped: string | null, done: boolean): TruncatorOutput {
    const e = this.all.errnos;
    const byOp: Partial<Record<TruncatorOp, TruncatorOpSummary>> = {};
    for (const k of TRUNCATOR_OPS) {
      const s = this.per.get(k);
      if (s !== undefined) byOp[k] = { count: s.count, ok: s.ok, errnos: { ...s.errnos }, latency: done ? summarizeLatency(s.latencyNs) : null };
    }
    return {
      workload: 'truncator',
      name: this.name,
      file: this.opts.file,
      ops: this.opts.ops,
      rate: this.opts.rate,
      pages: this.opts.pages,
      restore: this.opts.restore,
      signalAfter: this.opts.signalAfter ?? null,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      count: this.all.count,
      ok: this.all.ok,
      missed: this.pacer.missed,
      errnos: { ...e },
      informed: { EINTR: e['EINTR'] ?? 0, ETXTBSY: e['ETXTBSY'] ?? 0, EPERM: e['EPERM'] ?? 0, EOPNOTSUPP: e['EOPNOTSUPP'] ?? 0 },
      latency: done ? summarizeLatency(this.all.latencyNs) : null,
      byOp,
      op: this.opKind,
      offset: this.offsets,
      length: this.lengths,
      startedNs: this.startedNs,
      latencyNs: this.all.latencyNs,
      errno: this.errno,
      restores: { count: this.restores.count, ok: this.restores.ok, errnos: { ...this.restores.errnos }, latency: done ? summarizeLatency(this.restores.latencyNs) : null },
      signals: { ...this.signals },
      error: this.error,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof Truncator>[3], TruncatorOutput, TruncatorInput>('truncator', parseTruncatorOptions, (ctx, inp, o) => new Truncator(ctx, inp.name, inp.durationNs, o).run());
