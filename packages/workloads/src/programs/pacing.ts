/**
 * Pacing for the race programs (truncator, file-writer, mmap-writer, dio-reader), as lease-breaker
 * paces itself: open loop at `rate` operations per second (slot i at start + i/rate, whatever
 * happened before; slots still owed when the duration ends are `missed`), or closed loop (rate 0):
 * each operation starts when the previous one ended, and a cycle lasts at least MIN_CYCLE_NS, so
 * a program never spins — on a real kernel thread, and under the deterministic runtime, whose
 * virtual time only moves when every task sleeps.
 */
import type { ProcessContext } from '@leasebreak/runtime';
import { programLife, sleepUntil } from './stress.js';

/** The shortest closed-loop cycle (the pacing sleep of an operation that did not wait). */
export const RACE_MIN_CYCLE_NS = 100_000;

export class Pacer {
  /** Open loop: slots whose start fell inside the duration but that were never issued. */
  missed = 0;
  private slot = 0;

  constructor(
    private readonly ctx: ProcessContext,
    readonly startNs: number,
    readonly endNs: number,
    /** Operations per second; 0 = closed loop. */
    readonly rate: number,
    readonly minCycleNs = RACE_MIN_CYCLE_NS,
  ) {}

  /** Wait for the next operation's slot. Return: its intended start (ns), or null when the run is over. */
  async next(): Promise<number | null> {
    if (this.rate > 0) {
      const intended = this.startNs + Math.round((this.slot * 1e9) / this.rate);
      if (intended >= this.endNs) return null;
      if (this.ctx.now() >= this.endNs) {
        for (let j = this.slot; this.startNs + Math.round((j * 1e9) / this.rate) < this.endNs; j++) this.missed++;
        return null;
      }
      await sleepUntil(this.ctx, intended);
      this.slot++;
      return intended;
    }
    const now = this.ctx.now();
    if (now >= this.endNs) return null;
    this.slot++;
    return now;
  }

  /** After an operation: closed loop sleeps the rest of the minimum cycle (never past the end). */
  async done(intended: number): Promise<void> {
    if (this.rate === 0) await sleepUntil(this.ctx, Math.min(intended + this.minCycleNs, this.endNs));
  }
}

/** Per-kind tallies of a race program: operations, successes, errnos and latencies. */
export class OpStats {
  count = 0;
  ok = 0;
  readonly errnos: Record<string, number> = {};
  readonly latencyNs: number[] = [];

  add(errno: string | null, latencyNs: number): void {
    this.count++;
    this.latencyNs.push(latencyNs);
    if (errno === null) this.ok++;
    else this.errnos[errno] = (this.errnos[errno] ?? 0) + 1;
  }
}

/** A uniform whole number in [lo, hi] from the process's seeded stream. */
export function randInt(ctx: ProcessContext, lo: number, hi: number): number {
  if (hi <= lo) return lo;
  return lo + Math.floor(ctx.random() * (hi - lo + 1));
}

/**
 * The life every race program shares: report an empty output, set up (open, map), loop until the
 * pacer says the duration is over, exit(0). A death by signal ends it early and is reported as
 * such; anything else thrown is a bug in the program and propagates.
 */
export abstract class PacedProgram<O> {
  protected readonly startNs: number;
  protected readonly endNs: number;
  protected readonly pacer: Pacer;
  protected finishedAt = 0;
  protected error: string | null = null;

  constructor(
    protected readonly ctx: ProcessContext,
    protected readonly name: string,
    durationNs: number,
    rate: number,
  ) {
    this.startNs = ctx.now();
    this.endNs = this.startNs + Math.max(0, durationNs);
    this.pacer = new Pacer(ctx, this.startNs, this.endNs, rate);
  }

  /** Open files, map buffers. Return false (with `error` set) to skip the loop. */
  protected abstract setup(): Promise<boolean>;
  protected abstract loop(): Promise<void>;
  abstract output(stopped: string | null, done: boolean): O;

  run(): Promise<O> {
    return programLife(
      this.ctx,
      async () => {
        if (await this.setup()) await this.loop();
      },
      (stopped, done) => this.output(stopped, done),
      () => (this.finishedAt = this.ctx.now()),
    );
  }

}
