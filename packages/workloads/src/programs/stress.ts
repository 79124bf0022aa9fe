/**
 * What the stress programs (lease-holder, lease-breaker) share: entering the kernel with death
 * handled, sleeping to a point in time, tallies and latency summaries.
 */
import type { SyscallRequest, SyscallResponse } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';

/** The process died on its way back from a syscall (the response's `killed`). */
export class Killed extends Error {
  constructor(readonly sig: string) {
    super(`killed by ${sig}`);
  }
}

/**
 * Enter the kernel. A dead process stops here (Killed). The stress programs install no signal
 * handlers, so a response never lists handlers to run; any that do come are ignored.
 */
export async function sys(ctx: ProcessContext, req: SyscallRequest): Promise<SyscallResponse> {
  const r = await ctx.syscall(req);
  if (r.killed !== null) throw new Killed(r.killed);
  return r;
}

/**
 * Sleep until `atNs` (no-op if it has passed). nanosleep answers EINTR only for a handled signal,
 * which these programs do not have; the loop re-sleeps the remainder if one ever comes.
 */
export async function sleepUntil(ctx: ProcessContext, atNs: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const left = atNs - ctx.now();
    if (left <= 0) return;
    const r = await sys(ctx, { op: 'nanosleep', ns: left });
    if (r.errno === null) return;
  }
}

/**
 * A stress program's entry point (`runProgram`, loaded by URL in the process's thread or called
 * directly): validate the plan's normalised `with:` options again, then start the program.
 */
export function stressEntry<T, O, I extends { readonly name: string; readonly options?: unknown }>(
  workload: string,
  parse: (options: Readonly<Record<string, unknown>>, pc: { readonly normalized: true }) => { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly { readonly path: readonly (string | number)[]; readonly message: string }[] },
  start: (ctx: ProcessContext, input: I, options: T) => Promise<O>,
): (ctx: ProcessContext, input: unknown) => Promise<O> {
  return async (ctx, input) => {
    const inp = input as I;
    const parsed = parse((inp.options ?? {}) as Readonly<Record<string, unknown>>, { normalized: true });
    if (!parsed.ok) throw badOptions(workload, inp.name, parsed.issues);
    return start(ctx, inp, parsed.value);
  };
}

/** The error for options that did not validate (the plan validates first; this is a bug guard). */
export function badOptions(workload: string, name: string, issues: readonly { readonly path: readonly (string | number)[]; readonly message: string }[]): Error {
  return new Error(`${workload} ${name}: bad options: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

/**
 * A stress program's life: report an empty output, run `body`, exit(0); a death by signal ends it
 * early and is reported as such; anything else thrown is a bug and propagates. `finished` marks the
 * end time before the output is taken.
 */
export async function programLife<O>(ctx: ProcessContext, body: () => Promise<void>, output: (stopped: string | null, done: boolean) => O, finished: () => void): Promise<O> {
  try {
    ctx.progress(output(null, false));
    await body();
    finished();
    await sys(ctx, { op: 'exit', code: 0 });
    return output(null, true);
  } catch (e) {
    if (e instanceof Killed) {
      finished();
      return output(`killed by ${e.sig}`, true);
    }
    throw e;
  }
}

export function tally(t: Record<string, number>, key: string): void {
  t[key] = (t[key] ?? 0) + 1;
}

/** Nearest-rank percentiles of a sample, in the sample's unit. All zero for no samples. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export function summarizeLatency(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (p: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!);
  const mean = n === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / n;
  return { count: n, p50: at(50), p90: at(90), p99: at(99), p999: at(99.9), max: n === 0 ? 0 : sorted[n - 1]!, mean };
}

/** Report progress every this many operations. */
export const PROGRESS_EVERY = 100;
