/**
 * The `lease-breaker` stress program: breaks leases on one file, over and over, for the duration
 * of the run, and measures how long each operation took.
 *
 * Each operation — open(O_WRONLY) / open(O_RDONLY) (plus O_NONBLOCK with `nonblock`), then
 * `hold` and close; or truncate(path, length) — has an intended start time:
 *  - closed loop (no `rate`): when the previous operation (and its hold and close) finished;
 *  - open loop (`rate` R): t0 + i/R, whatever happened before.
 * Latency is measured from the intended start, not from the moment the call was made, so a
 * breaker that stalls behind a slow break does not hide the operations it could not issue
 * (no coordinated omission): in open loop, late operations carry their lateness. No operation
 * starts after the duration ends; in open loop the slots still owed then are counted as `missed`.
 * A `hold` is cut short at the end of the duration.
 *
 * A breaker never spins: in closed loop a cycle lasts at least MIN_CYCLE_NS (100 µs) — an
 * operation that fails at once (EAGAIN with O_NONBLOCK) or finds no lease to break is followed
 * by a nanosleep for the rest of it. Besides keeping a real kernel thread from being hammered,
 * this is what lets virtual time move under the deterministic runtime (it only advances when
 * every task sleeps). The pause is think time: the next intended start is after it.
 *
 * Input: { name, durationNs, options: LeaseBreakerOptions } (as the validator leaves them:
 * `hold` in µs, `length` in bytes). Output: LeaseBreakerOutput.
 */
import { O_NONBLOCK, O_RDONLY, O_WRONLY } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { type LatencySummary, PROGRESS_EVERY, programLife, sleepUntil, summarizeLatency, sys, stressEntry, tally } from './stress.js';
import { type BreakerOp, type LeaseBreakerOptions, parseLeaseBreakerOptions } from './validators.js';

export interface LeaseBreakerInput {
  readonly name: string;
  /** How long to issue operations, ns, from the program's start. */
  readonly durationNs: number;
  readonly options: LeaseBreakerOptions;
}

export interface LeaseBreakerOutput {
  readonly workload: 'lease-breaker';
  readonly name: string;
  readonly file: string;
  readonly op: BreakerOp;
  readonly nonblock: boolean;
  /** Operations per second; 0 = closed loop. */
  readonly rate: number;
  /** µs each opened fd was kept. */
  readonly hold: number;
  /** Program start and end, ns (run clock). */
  readonly startNs: number;
  readonly endNs: number;
  /** Operations issued. The per-operation arrays below have this many entries, in order. */
  readonly count: number;
  /** Operations that succeeded. */
  readonly ok: number;
  /**
   * Open loop: operations whose intended start fell before the end of the duration but that were
   * never issued, because the breaker was still behind schedule when the duration ended. Their
   * latency would have been at least end − intended; a run with missed > 0 under-reports its tail.
   */
  readonly missed: number;
  /** Failed operations by errno (EWOULDBLOCK is EAGAIN). */
  readonly errnos: Record<string, number>;
  /** Intended start of each operation, ns. */
  readonly intendedNs: number[];
  /** When each operation was actually issued, ns (≥ its intended start). */
  readonly startedNs: number[];
  /** Completion minus intended start, ns. */
  readonly latencyNs: number[];
  /** Each operation's errno, or null for success. */
  readonly errno: (string | null)[];
  /** close(2) failures by errno (none expected). */
  readonly closeErrnos: Record<string, number>;
  /** Percentiles of latencyNs (ns); in the final output only, null in progress reports. */
  readonly latency: LatencySummary | null;
  /** `killed by SIG…` if the process died, else null. */
  readonly stopped: string | null;
  /** False in progress reports, true in the final output. */
  readonly done: boolean;
}

/** The shortest closed-loop cycle: the breaker's pacing when an operation does not wait. */
export const MIN_CYCLE_NS = 100_000;

class Breaker {
  private readonly ctx: ProcessContext;
  private readonly opts: LeaseBreakerOptions;
  private readonly name: string;
  private readonly startNs: number;
  private readonly endNs: number;
  private finishedAt = 0;
  private readonly intendedNs: number[] = [];
  private readonly startedNs: number[] = [];
  private readonly latencyNs: number[] = [];
  private readonly errno: (string | null)[] = [];
  private readonly errnos: Record<string, number> = {};
  private readonly closeErrnos: Record<string, number> = {};
  private ok = 0;
  private missed = 0;

  constructor(ctx: ProcessContext, input: LeaseBreakerInput, opts: LeaseBreakerOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.name = input.name;
    this.startNs = ctx.now();
    this.endNs = this.startNs + Math.max(0, input.durationNs);
    if (opts.op === 'truncate' && opts.length === undefined) throw new Error(`lease-breaker ${input.name}: op truncate needs a length`);
  }

  run(): Promise<LeaseBreakerOutput> {
    return programLife(this.ctx, () => this.loop(), (stopped, done) => this.output(stopped, done), () => (this.finishedAt = this.ctx.now()));
  }


  private async loop(): Promise<void> {
    const rate = this.opts.rate;
    for (let i = 0; ; i++) {
      let intended: number;
      if (rate > 0) {
        intended = this.startNs + Math.round((i * 1e9) / rate);
        if (intended >= this.endNs) return;
        if (this.ctx.now() >= this.endNs) {
          // Behind schedule at the end: the slots left were never issued (see `missed`).
          for (let j = i; this.startNs + Math.round((j * 1e9) / rate) < this.endNs; j++) this.missed++;
          return;
        }
        await sleepUntil(this.ctx, intended);
      } else {
        intended = this.ctx.now();
        if (intended >= this.endNs) return;
      }
      const started = this.ctx.now();
      const { errno, fd } = await this.operate();
      const latency = this.ctx.now() - intended;
      this.intendedNs.push(intended);
      this.startedNs.push(started);
      this.latencyNs.push(latency);
      this.errno.push(errno);
      if (errno === null) this.ok++;
      else tally(this.errnos, errno);
      if (fd >= 0) {
        if (this.opts.hold > 0) await sleepUntil(this.ctx, Math.min(this.ctx.now() + this.opts.hold * 1000, this.endNs));
        const c = await sys(this.ctx, { op: 'close', fd });
        if (c.errno !== null) tally(this.closeErrnos, c.errno);
      }
      if (this.intendedNs.length % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
      // Closed loop: never spin (see the file comment). Open loop paces itself by its schedule.
      if (rate === 0) await sleepUntil(this.ctx, Math.min(intended + MIN_CYCLE_NS, this.endNs));
    }
  }

  /** One operation. Return its errno (null: success) and the fd to close, or -1. */
  private async operate(): Promise<{ errno: string | null; fd: number }> {
    const o = this.opts;
    if (o.op === 'truncate') {
      const r = await sys(this.ctx, { op: 'truncate', path: o.file, length: o.length ?? 0 });
      return { errno: r.errno, fd: -1 };
    }
    const flags = (o.op === 'open-write' ? O_WRONLY : O_RDONLY) | (o.nonblock ? O_NONBLOCK : 0);
    const r = await sys(this.ctx, { op: 'open', path: o.file, flags });
    return { errno: r.errno, fd: r.errno === null ? r.ret : -1 };
  }

  output(stopped: string | null, done: boolean): LeaseBreakerOutput {
    return {
      workload: 'lease-breaker',
      name: this.name,
      file: this.opts.file,
      op: this.opts.op,
      nonblock: this.opts.nonblock,
      rate: this.opts.rate,
      hold: this.opts.hold,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      count: this.intendedNs.length,
      ok: this.ok,
      missed: this.missed,
      errnos: this.errnos,
      intendedNs: this.intendedNs,
      startedNs: this.startedNs,
      latencyNs: this.latencyNs,
      errno: this.errno,
      closeErrnos: this.closeErrnos,
      latency: done ? summarizeLatency(this.latencyNs) : null,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof Breaker>[2], LeaseBreakerOutput, LeaseBreakerInput>('lease-breaker', parseLeaseBreakerOptions, (ctx, inp, o) => new Breaker(ctx, inp, o).run());
