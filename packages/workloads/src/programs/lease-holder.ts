/**
 * The `lease-holder` stress program: holds a lease on one file and answers its breaks, for the
 * duration of the run.
 *
 * It opens the file O_RDONLY (a read lease needs a read-only fd; a write lease on an O_RDONLY fd
 * is legal while it is the only open), blocks the break signal and takes each break with
 * sigtimedwait, as a program using sigwaitinfo does — so a plain SIGIO never kills it. On each
 * signal it waits `delay`, then releases (F_UNLCK), downgrades (F_SETLEASE F_RDLCK) or does
 * nothing; with `retake` it then takes the lease again, retrying with a short, growing sleep
 * (200 µs doubling to 5 ms) while F_SETLEASE answers EAGAIN (a breaker still has the file open
 * for write). With `signal`, F_SETSIG is issued before every F_SETLEASE: F_UNLCK and a forced
 * removal reset it to 0 (plain SIGIO), a trap real programs fall into.
 *
 * Both SIGIO and the F_SETSIG signal are blocked and waited for, so a break that arrives as plain
 * SIGIO after the kernel reset the signal is still counted, not fatal.
 *
 * Input: { name, durationNs, options: LeaseHolderOptions } (options as the validator leaves
 * them: durations in µs). Output: LeaseHolderOutput.
 */
import { F_RDLCK, F_SETLEASE, F_SETSIG, F_UNLCK, F_WRLCK, O_RDONLY, SIGIO, parseSignal, signame } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { PROGRESS_EVERY, programLife, sleepUntil, sys, stressEntry, tally } from './stress.js';
import { type HeldLeaseType, type LeaseHolderOptions, type OnSigio, parseLeaseHolderOptions } from './validators.js';

export interface LeaseHolderInput {
  readonly name: string;
  /** How long to run, ns, from the program's start. */
  readonly durationNs: number;
  readonly options: LeaseHolderOptions;
}

export interface LeaseHolderOutput {
  readonly workload: 'lease-holder';
  readonly name: string;
  readonly file: string;
  readonly lease: HeldLeaseType;
  readonly onSigio: OnSigio;
  /** The break signal's name: SIGIO, or the F_SETSIG signal. */
  readonly signal: string;
  /** Program start and end, ns (run clock). */
  readonly startNs: number;
  readonly endNs: number;
  /** Break signals taken. The per-break arrays below have this many entries, in order. */
  readonly breaks: number;
  /** When the kernel sent each break signal, ns. */
  readonly signalSentNs: number[];
  /** When sigtimedwait returned it, ns. */
  readonly signalTakenNs: number[];
  /** When the release / downgrade returned (ignore: when the delay ended), ns. */
  readonly reactedNs: number[];
  /** The release's / downgrade's errno, or null (success, or ignore). */
  readonly reactErrno: (string | null)[];
  /** When the lease was held again after this break, ns; -1 if it was not (no retake, or the run ended). */
  readonly retakenNs: number[];
  /** Successful F_SETLEASE calls taking the lease: the first take plus every retake. */
  readonly takes: number;
  /** Successful re-takes after a break. */
  readonly retakes: number;
  /** F_SETLEASE answers of EAGAIN while taking the lease (each followed by a short sleep). */
  readonly eagain: number;
  /** Breaks released / downgraded successfully, and ignored. */
  readonly released: number;
  readonly downgraded: number;
  readonly ignored: number;
  /** Failed F_SETLEASE calls while taking the lease, by errno (EAGAIN included). */
  readonly takeErrnos: Record<string, number>;
  /** Failed releases / downgrades, by errno. */
  readonly reactErrnos: Record<string, number>;
  /** Signals taken, by name. */
  readonly signals: Record<string, number>;
  /** Why the holder could not do its job (open failed, F_SETLEASE refused for good), or null. */
  readonly error: string | null;
  /** `killed by SIG…` if the process died, else null. */
  readonly stopped: string | null;
  /** False in progress reports, true in the final output. */
  readonly done: boolean;
}

/** First and last sleep between F_SETLEASE retries on EAGAIN. */
export const RETAKE_BACKOFF_FIRST_NS = 200_000;
export const RETAKE_BACKOFF_MAX_NS = 5_000_000;

class Holder {
  private readonly ctx: ProcessContext;
  private readonly opts: LeaseHolderOptions;
  private readonly name: string;
  private readonly startNs: number;
  private readonly endNs: number;
  private readonly leaseArg: number;
  /** The F_SETSIG signal, or null for plain SIGIO. */
  private readonly setsig: number | null;
  private readonly waitFor: number[];
  private fd = -1;
  private held = false;
  /** An F_SETLEASE error other than EAGAIN: taking the lease again would fail the same way. */
  private refused = false;
  private ops = 0;
  private finishedAt = 0;

  private readonly signalSentNs: number[] = [];
  private readonly signalTakenNs: number[] = [];
  private readonly reactedNs: number[] = [];
  private readonly reactErrno: (string | null)[] = [];
  private readonly retakenNs: number[] = [];
  private takes = 0;
  private retakes = 0;
  private eagain = 0;
  private released = 0;
  private downgraded = 0;
  private ignored = 0;
  private readonly takeErrnos: Record<string, number> = {};
  private readonly reactErrnos: Record<string, number> = {};
  private readonly signals: Record<string, number> = {};
  private error: string | null = null;

  constructor(ctx: ProcessContext, input: LeaseHolderInput, opts: LeaseHolderOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.name = input.name;
    this.startNs = ctx.now();
    this.endNs = this.startNs + Math.max(0, input.durationNs);
    this.leaseArg = opts.lease === 'F_WRLCK' ? F_WRLCK : F_RDLCK;
    this.setsig = opts.signal === undefined ? null : parseSignal(opts.signal);
    if (opts.signal !== undefined && this.setsig === null) throw new Error(`lease-holder ${input.name}: unknown signal "${opts.signal}"`);
    this.waitFor = this.setsig === null || this.setsig === SIGIO ? [SIGIO] : [SIGIO, this.setsig];
  }

  private left(): number {
    return this.endNs - this.ctx.now();
  }

  private tick(): void {
    if (++this.ops % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
  }

  run(): Promise<LeaseHolderOutput> {
    return programLife(
      this.ctx,
      async () => {
        await sys(this.ctx, { op: 'sigprocmask', how: 'block', signos: this.waitFor });
        const o = await sys(this.ctx, { op: 'open', path: this.opts.file, flags: O_RDONLY });
        if (o.errno !== null) {
          this.error = `open ${this.opts.file} O_RDONLY: ${o.errno}`;
        } else {
          this.fd = o.ret;
          await this.take(-1);
          this.ctx.progress(this.output(null, false));
          await this.loop();
          // The duration is over: drop the lease (EAGAIN if it is already gone) and the fd.
          await sys(this.ctx, { op: 'fcntl', fd: this.fd, cmd: F_SETLEASE, arg: F_UNLCK });
          await sys(this.ctx, { op: 'close', fd: this.fd });
        }
      },
      (stopped, done) => this.output(stopped, done),
      () => (this.finishedAt = this.ctx.now()),
    );
  }


  private async loop(): Promise<void> {
    let breakIndex = -1;
    for (;;) {
      if (this.left() <= 0) return;
      if (!this.held && this.opts.retake && !this.refused && breakIndex >= 0) {
        await this.take(breakIndex);
        continue;
      }
      const r = await sys(this.ctx, { op: 'sigtimedwait', signos: this.waitFor, timeoutNs: this.left() });
      this.tick();
      if (r.errno === 'ETIMEDOUT' || r.errno === 'EINTR') continue;
      if (r.errno !== null) {
        this.error = `sigtimedwait: ${r.errno}`;
        return;
      }
      breakIndex = await this.onBreak(r.siginfo?.atNs ?? this.ctx.now(), r.ret);
    }
  }

  /** One break signal: wait, react, and mark the lease for re-taking. Return the break's index. */
  private async onBreak(sentNs: number, signo: number): Promise<number> {
    const takenNs = this.ctx.now();
    const i = this.signalTakenNs.length;
    this.signalSentNs.push(sentNs);
    this.signalTakenNs.push(takenNs);
    this.retakenNs.push(-1);
    tally(this.signals, signame(signo));
    if (this.opts.delay > 0) await sleepUntil(this.ctx, Math.min(takenNs + this.opts.delay * 1000, this.endNs));
    let errno: string | null = null;
    if (this.opts.onSigio === 'ignore') {
      this.ignored++;
    } else {
      const arg = this.opts.onSigio === 'release' ? F_UNLCK : F_RDLCK;
      const r = await sys(this.ctx, { op: 'fcntl', fd: this.fd, cmd: F_SETLEASE, arg });
      errno = r.errno;
      if (r.errno !== null) tally(this.reactErrnos, r.errno);
      else if (this.opts.onSigio === 'release') this.released++;
      else this.downgraded++;
      if (r.errno === null && this.opts.onSigio === 'release') this.held = false;
    }
    this.reactedNs.push(this.ctx.now());
    this.reactErrno.push(errno);
    // Whatever the reaction did, the lease we want is not (or no longer surely) held: a downgrade
    // left a read lease, an ignored or failed one is doomed. Re-taking is an F_SETLEASE of our type.
    if (this.opts.retake) this.held = false;
    return i;
  }

  /**
   * Take the lease: F_SETSIG (if asked) and F_SETLEASE, retrying on EAGAIN with a short, growing
   * sleep until it holds or the duration ends. `breakIndex` ≥ 0 makes it a retake after that break.
   */
  private async take(breakIndex: number): Promise<void> {
    let backoff = RETAKE_BACKOFF_FIRST_NS;
    for (;;) {
      if (this.setsig !== null) await sys(this.ctx, { op: 'fcntl', fd: this.fd, cmd: F_SETSIG, arg: this.setsig });
      const r = await sys(this.ctx, { op: 'fcntl', fd: this.fd, cmd: F_SETLEASE, arg: this.leaseArg });
      this.tick();
      if (r.errno === null) {
        this.held = true;
        this.takes++;
        if (breakIndex >= 0) {
          this.retakes++;
          this.retakenNs[breakIndex] = this.ctx.now();
        }
        return;
      }
      tally(this.takeErrnos, r.errno);
      if (r.errno !== 'EAGAIN') {
        this.refused = true;
        this.error = `F_SETLEASE ${this.opts.lease} on ${this.opts.file}: ${r.errno}`;
        return;
      }
      this.eagain++;
      const left = this.left();
      if (left <= 0) return;
      await sleepUntil(this.ctx, this.ctx.now() + Math.min(backoff, left));
      backoff = Math.min(backoff * 2, RETAKE_BACKOFF_MAX_NS);
    }
  }

  output(stopped: string | null, done: boolean): LeaseHolderOutput {
    return {
      workload: 'lease-holder',
      name: this.name,
      file: this.opts.file,
      lease: this.opts.lease,
      onSigio: this.opts.onSigio,
      signal: this.setsig === null ? 'SIGIO' : signame(this.setsig),
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      breaks: this.signalTakenNs.length,
      signalSentNs: this.signalSentNs,
      signalTakenNs: this.signalTakenNs,
      reactedNs: this.reactedNs,
      reactErrno: this.reactErrno,
      retakenNs: this.retakenNs,
      takes: this.takes,
      retakes: this.retakes,
      eagain: this.eagain,
      released: this.released,
      downgraded: this.downgraded,
      ignored: this.ignored,
      takeErrnos: this.takeErrnos,
      reactErrnos: this.reactErrnos,
      signals: this.signals,
      error: this.error,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof Holder>[2], LeaseHolderOutput, LeaseHolderInput>('lease-holder', parseLeaseHolderOptions, (ctx, inp, o) => new Holder(ctx, inp, o).run());
