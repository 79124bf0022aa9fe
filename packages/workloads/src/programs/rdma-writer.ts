/**
 * The `rdma-writer` stress program (and, with reads, `rdma-reader`): an RDMA application over a
 * DAX file. It opens the file O_RDWR, mmaps `pages` pages, takes a layout lease when it needs
 * one, registers the mapping (ibv_reg_mr), then until the duration ends keeps up to `depth` RDMA
 * WRITEs (READs) of `wrPages` pages each in flight over the MR's pages, round-robin, and polls
 * completions. The NIC daemon (programs/nic.ts) moves the bytes, stamps them and checks where they
 * land. Completions are moderated: the program sleeps until about half the queue has completed
 * (at least one WR, at most POLL_SLICE_NS) and then refills it — woken by the NIC until it has
 * learned the NIC's pace, then on its own clock, with the NIC's wake-up as a backstop at three
 * quarters (see reap) — so a stream costs the NIC no wake-up per WR, and the NIC always has
 * queued work while the program sleeps.
 *
 * Layout lease (`layoutLease`): 'auto' takes F_SETLEASE F_RDLCK|F_LAYOUT when the run's policy
 * grants long-term pins only under a layout lease (input.policy.longtermPin =
 * 'needs-layout-lease', the 2019 RFCs); 'always' / 'never' force it. No F_SETSIG: the break
 * signal is plain SIGIO.
 *
 * SIGIO: the program always installs a SIGIO handler (sigaction, no SA_RESTART), so a lease break
 * never kills it, whatever `onSigio` says — an RDMA application that takes a layout lease must be
 * ready for the break, and 'ignore' models one that catches the signal and does nothing about it
 * (the lease is then removed at lease-break-time, and the breaker's fate is up to the policy).
 * The handler only counts; the main loop reacts between work requests:
 *   'ignore'                — keep streaming;
 *   'dereg-release'         — ibv_dereg_mr, then F_SETLEASE F_UNLCK|F_LAYOUT, and stop doing RDMA (the
 *                             program idles until the duration ends);
 *   'dereg-release-retake'  — the same, then take the lease again and register again (each
 *                             retried every RETRY_NS while it fails) and go on streaming.
 * Work requests still in flight at the deregistration complete in error (EINVAL).
 *
 * Registration: when ibv_reg_mr fails, the errno is recorded (these are the report's informed
 * failures: EOPNOTSUPP under mainline, EPERM without a layout lease under ira-rfc-2019) and, with
 * `retryRegister` (default), the program retries every RETRY_NS until the duration ends. With
 * `barrier`, the program arrives at that barrier once, when its first ibv_reg_mr has returned
 * (registered or refused: a refusal must not leave the other parties waiting for the whole
 * duration), and waits there for the other parties: they act on an MR that exists.
 *
 * At the end: wait (up to DRAIN_NS) for outstanding completions, deregister, drop the lease,
 * exit(0). Input: { name, durationNs, options: RdmaOptions, policy: { name, longtermPin, odp } }.
 * Output: RdmaOutput.
 */
import { F_LAYOUT, F_RDLCK, F_SETLEASE, F_UNLCK, O_RDWR, PAGE_SIZE, SIGIO, type SyscallRequest, type SyscallResponse } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { type Completion, outstanding, pollCq, postSend, qpOpen } from '../nic/uverbs.js';
import type { RdmaOp } from '../nic/layout.js';
import { Killed, badOptions, tally } from './stress.js';
import { type RdmaLayoutLease, type RdmaOnSigio, type RdmaOptions, parseRdmaOptions } from './validators.js';
import { BwLog, type BwLogOutput } from './bwlog.js';

/** Retry period of a failed ibv_reg_mr or lease take; idle sleep slice. */
export const RETRY_NS = 10_000_000;
/** Longest wait for one poll of the completion queue (signals are looked at in between). */
export const POLL_SLICE_NS = 1_000_000;
/** Shortest timed sleep between looks at the completion queue while streaming. */
export const MIN_POLL_NS = 5_000;
/** Longest wait for outstanding completions at the end. */
export const DRAIN_NS = 10_000_000;
/** MR keys listed in the output (registrations are counted in full). */
const KEYS_KEPT = 32;

export interface RdmaPolicyInfo {
  readonly name: string;
  readonly longtermPin: 'allow' | 'EOPNOTSUPP' | 'needs-layout-lease';
  readonly odp: boolean;
}

export interface RdmaInput {
  readonly name: string;
  readonly durationNs: number;
  readonly options: RdmaOptions;
  /** The run's policy (from the plan). Absent: treated as a policy that needs no lease. */
  readonly policy?: RdmaPolicyInfo;
}

export interface RdmaOutput {
  readonly workload: 'rdma-writer' | 'rdma-reader';
  readonly name: string;
  readonly file: string;
  readonly pages: number;
  readonly depth: number;
  readonly onSigio: RdmaOnSigio;
  readonly layoutLease: RdmaLayoutLease;
  /** Whether the program takes a layout lease in this run (layoutLease resolved against the policy). */
  readonly leaseNeeded: boolean;
  readonly policy: string;
  readonly startNs: number;
  readonly endNs: number;
  /** ibv_reg_mr calls, successful ones, and the failures by errno (the informed failures). */
  readonly regAttempts: number;
  readonly registrations: number;
  readonly regErrnos: Record<string, number>;
  /** The first failed registration's errno, or null. */
  readonly firstRegErrno: string | null;
  /** When the first registration succeeded (ns), or -1. */
  readonly firstRegisteredNs: number;
  /** Keys of the MRs registered, in order (the first KEYS_KEPT). */
  readonly mrKeys: number[];
  readonly deregistrations: number;
  readonly deregErrnos: Record<string, number>;
  /** Successful F_SETLEASE F_RDLCK|F_LAYOUT, failures by errno, successful F_UNLCK. */
  readonly leaseTakes: number;
  readonly leaseErrnos: Record<string, number>;
  readonly leaseReleases: number;
  /** SIGIO signals handled, and the reactions (dereg-release) carried out. */
  readonly sigio: number;
  readonly reactions: number;
  /** Work requests posted, post failures by errno, completions polled by status ('ok' or errno). */
  readonly posted: number;
  readonly postErrnos: Record<string, number>;
  readonly completed: number;
  readonly completions: Record<string, number>;
  /** Bytes moved by successful completions. */
  readonly bytes: number;
  /** Bytes completed per interval from the first registration (fio's bw log), or null if none. */
  readonly bwLog: BwLogOutput | null;
  /** Pages the NIC's checker flagged in this program's completions. */
  readonly violations: number;
  /** Why the program could not do its job (open or mmap failed), or null. */
  readonly error: string | null;
  /** `killed by SIG…` if the process died, else null. */
  readonly stopped: string | null;
  readonly done: boolean;
}

const NO_LEASE_POLICY: RdmaPolicyInfo = { name: 'unknown', longtermPin: 'allow', odp: false };

export class RdmaStreamer {
  private readonly ctx: ProcessContext;
  private readonly op: RdmaOp;
  private readonly opts: RdmaOptions;
  private readonly name: string;
  private readonly policy: RdmaPolicyInfo;
  private readonly leaseNeeded: boolean;
  private readonly startNs: number;
  private readonly endNs: number;
  private finishedAt = 0;

  private fd = -1;
  private addr = 0;
  private key: number | null = null;
  private leaseHeld = false;
  /** After a dereg-release-retake reaction: take the lease and register again. */
  private retake = false;
  /** SIGIO handled and not yet reacted to. */
  private pendingSigio = 0;
  /** Arrived at `opts.barrier` (once, after the first ibv_reg_mr). */
  private arrived = false;
  private nextPage = 0;
  private depth = 0;
  /** The NIC's pace as seen from here (reap): ns per WR completed, and how late timed sleeps end. */
  private nsPerWr = 0;
  private lateNs = 0;

  private regAttempts = 0;
  private registrations = 0;
  private readonly regErrnos: Record<string, number> = {};
  private firstRegErrno: string | null = null;
  private firstRegisteredNs = -1;
  private readonly mrKeys: number[] = [];
  private deregistrations = 0;
  private readonly deregErrnos: Record<string, number> = {};
  private leaseTakes = 0;
  private readonly leaseErrnos: Record<string, number> = {};
  private leaseReleases = 0;
  private sigio = 0;
  private reactions = 0;
  private posted = 0;
  private readonly postErrnos: Record<string, number> = {};
  private completed = 0;
  private readonly completions: Record<string, number> = {};
  private bytes = 0;
  private bwLog: BwLog | null = null;
  private violations = 0;
  private error: string | null = null;
  private lastProgressNs = 0;

  constructor(ctx: ProcessContext, op: RdmaOp, input: RdmaInput, opts: RdmaOptions) {
    this.ctx = ctx;
    this.op = op;
    this.opts = opts;
    this.name = input.name;
    this.policy = input.policy ?? NO_LEASE_POLICY;
    this.leaseNeeded = opts.layoutLease === 'always' || (opts.layoutLease === 'auto' && !this.policy.odp && this.policy.longtermPin === 'needs-layout-lease');
    this.startNs = ctx.now();
    this.endNs = this.startNs + Math.max(0, input.durationNs);
  }

  private left(): number {
    return this.endNs - this.ctx.now();
  }

  /** Enter the kernel; a handled SIGIO is noted for the main loop; death ends the program. */
  private async sys(req: SyscallRequest): Promise<SyscallResponse> {
    const r = await this.ctx.syscall(req);
    if (r.killed !== null) throw new Killed(r.killed);
    for (const h of r.handlers) {
      if (h.signo === SIGIO) {
        this.sigio++;
        this.pendingSigio++;
      }
    }
    return r;
  }

  /** A signal flagged while in user mode: enter the kernel to take it (its handler runs). */
  private async checkSignals(): Promise<void> {
    if (this.ctx.signalFlagged()) await this.sys({ op: 'null' });
  }

  private async sleep(ns: number): Promise<void> {
    const until = Math.min(this.ctx.now() + ns, this.endNs);
    while (this.ctx.now() < until) {
      const r = await this.sys({ op: 'nanosleep', ns: until - this.ctx.now() });
      if (r.errno !== 'EINTR') return;
      if (this.pendingSigio > 0) return; // let the main loop react
    }
  }

  async run(): Promise<RdmaOutput> {
    try {
      await this.sys({ op: 'sigaction', signo: SIGIO, disposition: 'handler' });
      const o = await this.sys({ op: 'open', path: this.opts.file, flags: O_RDWR });
      if (o.errno !== null) {
        this.error = `open ${this.opts.file} O_RDWR: ${o.errno}`;
        return await this.finish();
      }
      this.fd = o.ret;
      const m = await this.sys({ op: 'mmap', fd: this.fd, length: this.opts.pages * PAGE_SIZE });
      if (m.errno !== null) {
        this.error = `mmap ${this.opts.pages} pages of ${this.opts.file}: ${m.errno}`;
        return await this.finish();
      }
      this.addr = m.ret;
      this.depth = qpOpen(this.ctx, this.opts.depth);
      if (this.leaseNeeded) await this.takeLease(false);
      await this.register();
      this.progress();
      await this.loop();
      await this.drain();
      if (this.key !== null) await this.dereg();
      if (this.leaseHeld) await this.releaseLease();
      return await this.finish();
    } catch (e) {
      if (e instanceof Killed) {
        this.finishedAt = this.ctx.now();
        return this.output(`killed by ${e.sig}`, true);
      }
      throw e;
    }
  }

  private async finish(): Promise<RdmaOutput> {
    this.finishedAt = this.ctx.now();
    await this.sys({ op: 'exit', code: 0 });
    return this.output(null, true);
  }

  private async loop(): Promise<void> {
    while (this.left() > 0) {
      await this.checkSignals();
      if (this.pendingSigio > 0) await this.react();
      if (this.key === null && this.retake) {
        if (this.leaseNeeded && !this.leaseHeld) await this.takeLease(true);
        if (this.leaseHeld || !this.leaseNeeded) await this.register();
        // Registered again; or, without retryRegister, one failed try ends the retaking.
        if (this.key !== null || !this.opts.retryRegister) this.retake = false;
        continue;
      }
      if (this.key !== null) this.fill();
      if (outstanding(this.ctx) > 0) {
        await this.reap();
      } else if (this.key === null) {
        await this.sleep(RETRY_NS);
      }
      if (this.ctx.now() - this.lastProgressNs >= 50_000_000) this.progress();
    }
  }

  /** Completions to wait for before refilling: half the queue (at least one). */
  private refill(): number {
    return Math.max(1, this.depth >> 1);
  }

  /**
   * Wait for completions and take them. Until the NIC's pace is known, the NIC wakes us when half
   * the queue has completed (CQ moderation). From then on we sleep on our own clock for about as
   * long as the NIC takes to complete half the queue — waking a sleeping thread costs the NIC
   * thread tens of µs on a VM, a timer costs it nothing — and arm the CQ only as a backstop, for
   * when three quarters have completed (the NIC still has a quarter to work on while we wake).
   * The pace is learned from the completions themselves: ns per WR while the NIC never ran dry,
   * and how late our timed sleeps end (timer slack, scheduling), both as moving averages.
   */
  private async reap(): Promise<void> {
    const owed = outstanding(this.ctx);
    const half = this.refill();
    const left = Math.max(1, this.left());
    const paced = this.nsPerWr > 0;
    const sleep = paced ? Math.min(POLL_SLICE_NS, left, Math.max(MIN_POLL_NS, half * this.nsPerWr - this.lateNs)) : Math.min(POLL_SLICE_NS, left);
    const wakeAt = paced ? Math.max(1, owed - Math.max(1, this.depth >> 2)) : half;
    const t0 = this.ctx.now();
    const cs = await pollCq(this.ctx, sleep, Number.POSITIVE_INFINITY, wakeAt);
    const took = this.ctx.now() - t0;
    // Some but not all owed completed: the NIC was at work on our queue the whole time.
    if (cs.length > 0 && cs.length < owed) this.nsPerWr = ewma(this.nsPerWr, took / cs.length);
    // Ended by our clock, not by the NIC: how late the timer was.
    if (paced && cs.length < wakeAt) this.lateNs = ewma(this.lateNs, Math.max(0, took - sleep));
    this.account(cs);
  }

  /** Fill the queue to `depth` WRs in flight, `wrPages` pages each, round-robin over the MR. */
  private fill(): void {
    const n = this.opts.wrPages;
    while (this.key !== null && outstanding(this.ctx) < this.depth) {
      if (this.nextPage + n > this.opts.pages) this.nextPage = 0;
      const page = this.nextPage;
      this.nextPage = (this.nextPage + n) % this.opts.pages;
      const r = postSend(this.ctx, this.op, this.key, page * PAGE_SIZE, n * PAGE_SIZE);
      if (!r.ok) {
        tally(this.postErrnos, r.errno);
        return;
      }
      this.posted++;
    }
  }

  private account(cs: readonly Completion[]): void {
    let ok = 0;
    for (const c of cs) {
      this.completed++;
      tally(this.completions, c.errno ?? 'ok');
      if (c.status === 0) ok += c.bytes;
      this.violations += c.violations;
    }
    this.bytes += ok;
    if (ok > 0) this.bwLog?.add(this.ctx.now(), ok);
  }

  /** React to the SIGIO(s) taken since the last look (onSigio). */
  private async react(): Promise<void> {
    this.pendingSigio = 0;
    if (this.opts.onSigio === 'ignore') return;
    if (this.key === null && !this.leaseHeld) return; // nothing to give back
    this.reactions++;
    if (this.key !== null) await this.dereg();
    if (this.leaseHeld) await this.releaseLease();
    if (this.opts.onSigio === 'dereg-release-retake') this.retake = true;
  }

  private async takeLease(retry: boolean): Promise<void> {
    for (;;) {
      const r = await this.sys({ op: 'fcntl', fd: this.fd, cmd: F_SETLEASE, arg: F_RDLCK | F_LAYOUT });
      if (r.errno === null) {
        this.leaseHeld = true;
        this.leaseTakes++;
        return;
      }
      tally(this.leaseErrnos, r.errno);
      if (!retry || this.left() <= 0) return;
      await this.sleep(RETRY_NS);
      if (this.left() <= 0 || this.pendingSigio > 0) return;
    }
  }

  private async releaseLease(): Promise<void> {
    // A layout lease is released as F_UNLCK|F_LAYOUT (plain F_UNLCK names the file lease).
    const r = await this.sys({ op: 'fcntl', fd: this.fd, cmd: F_SETLEASE, arg: F_UNLCK | F_LAYOUT });
    this.leaseHeld = false; // whatever F_UNLCK says (EAGAIN: the lease was already removed)
    if (r.errno === null) this.leaseReleases++;
    else tally(this.leaseErrnos, `F_UNLCK:${r.errno}`);
  }

  /** ibv_reg_mr over the mapping, retried every RETRY_NS while it fails (with retryRegister). */
  private async register(): Promise<void> {
    for (;;) {
      this.regAttempts++;
      const r = await this.sys({ op: 'ibv_reg_mr', addr: this.addr, length: this.opts.pages * PAGE_SIZE });
      await this.arriveOnce();
      if (r.errno === null) {
        this.key = r.ret;
        this.registrations++;
        if (this.firstRegisteredNs < 0) {
          this.firstRegisteredNs = this.ctx.now();
          this.bwLog = new BwLog(this.firstRegisteredNs);
        }
        if (this.mrKeys.length < KEYS_KEPT) this.mrKeys.push(r.ret);
        return;
      }
      tally(this.regErrnos, r.errno);
      this.firstRegErrno ??= r.errno;
      if (!this.opts.retryRegister || this.left() <= 0) return;
      await this.sleep(RETRY_NS);
      if (this.left() <= 0 || this.pendingSigio > 0) return;
    }
  }

  /** With `barrier`: arrive at it (the first time only) and wait for every other party. */
  private async arriveOnce(): Promise<void> {
    const name = this.opts.barrier;
    if (name === undefined || this.arrived) return;
    this.arrived = true;
    // EINTR: a handler ran (SIGIO is noted by sys); wait on without arriving twice.
    for (let again = false; ; again = true) {
      const r = await this.sys({ op: 'barrier', name, arrived: again });
      if (r.errno !== 'EINTR') return;
    }
  }

  private async dereg(): Promise<void> {
    const key = this.key!;
    this.key = null;
    const r = await this.sys({ op: 'ibv_dereg_mr', key });
    if (r.errno === null) this.deregistrations++;
    else tally(this.deregErrnos, r.errno);
  }

  /** Collect the completions still owed (the NIC completes dead-MR WRs in error at once). */
  private async drain(): Promise<void> {
    const until = this.ctx.now() + DRAIN_NS;
    while (outstanding(this.ctx) > 0 && this.ctx.now() < until) {
      await this.checkSignals();
      this.account(await pollCq(this.ctx, Math.max(1, Math.min(POLL_SLICE_NS, until - this.ctx.now()))));
    }
  }

  private progress(): void {
    this.lastProgressNs = this.ctx.now();
    this.ctx.progress(this.output(null, false));
  }

  output(stopped: string | null, done: boolean): RdmaOutput {
    return {
      workload: this.op === 'write' ? 'rdma-writer' : 'rdma-reader',
      name: this.name,
      file: this.opts.file,
      pages: this.opts.pages,
      depth: this.opts.depth,
      onSigio: this.opts.onSigio,
      layoutLease: this.opts.layoutLease,
      leaseNeeded: this.leaseNeeded,
      policy: this.policy.name,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      regAttempts: this.regAttempts,
      registrations: this.registrations,
      regErrnos: { ...this.regErrnos },
      firstRegErrno: this.firstRegErrno,
      firstRegisteredNs: this.firstRegisteredNs,
      mrKeys: [...this.mrKeys],
      deregistrations: this.deregistrations,
      deregErrnos: { ...this.deregErrnos },
      leaseTakes: this.leaseTakes,
      leaseErrnos: { ...this.leaseErrnos },
      leaseReleases: this.leaseReleases,
      sigio: this.sigio,
      reactions: this.reactions,
      posted: this.posted,
      postErrnos: { ...this.postErrnos },
      completed: this.completed,
      completions: { ...this.completions },
      bytes: this.bytes,
      bwLog: this.bwLog?.output() ?? null,
      violations: this.violations,
      error: this.error,
      stopped,
      done,
    };
  }
}

/** A moving average (weight 1/4 to the new sample); the first sample is taken as is. */
function ewma(avg: number, sample: number): number {
  return avg === 0 ? sample : avg + (sample - avg) / 4;
}

/** Parse the input (options as the validator left them) and run the program. */
export async function runRdmaProgram(ctx: ProcessContext, op: RdmaOp, input: unknown): Promise<RdmaOutput> {
  const inp = input as RdmaInput;
  const workload = op === 'write' ? 'rdma-writer' : 'rdma-reader';
  const parsed = parseRdmaOptions((inp.options ?? {}) as unknown as Readonly<Record<string, unknown>>);
  if (!parsed.ok) throw badOptions(workload, inp.name, parsed.issues);
  return new RdmaStreamer(ctx, op, inp, parsed.value).run();
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export async function runProgram(ctx: ProcessContext, input: unknown): Promise<RdmaOutput> {
  return runRdmaProgram(ctx, 'write', input);
}
