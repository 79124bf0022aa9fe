/**
 * The runtime interface: what model and workload code may use, identical under both runtimes.
 * A process program gets a ProcessContext; everything it does to shared state goes through
 * `syscall` (a scheduling point) or an explicit `schedPoint`.
 */
import type { KernelKnobValues, PmemBuffers, PolicyName, SyscallRequest, SyscallResponse } from '@leasebreak/model';
import type { SimEvent } from '@leasebreak/trace';
import type { KernelAudit } from './collect.js';

export type RuntimeMode = 'threads' | 'deterministic';

/** Memory every actor can touch directly (created by the runtime before the kernel). */
export interface SharedRegions {
  readonly pmem: PmemBuffers;
  /** The kernel's table of memory regions (MR pfn lists; model/src/rdma/mr_table.ts). */
  readonly mrTable: SharedArrayBuffer;
  /** One region per process (its queue pairs), in spec order; the NIC sees them all. */
  readonly qps: readonly SharedArrayBuffer[];
  /** Words anyone may wait on: the NIC doorbell and friends (workloads/src/nic/layout.ts). */
  readonly nic: SharedArrayBuffer;
}

export const QP_REGION_BYTES = 64 * 1024;
export const NIC_REGION_BYTES = 4096;

export type CellWaitResult = 'ok' | 'not-equal' | 'timed-out';

export interface ProcessContext {
  readonly pid: number;
  readonly name: string;
  readonly mode: RuntimeMode;
  /** Pids of every process in the run, by name. */
  readonly pids: Readonly<Record<string, number>>;
  /** Enter the kernel. */
  syscall(req: SyscallRequest): Promise<SyscallResponse>;
  /** Nanoseconds since the run started (virtual under the deterministic runtime). */
  now(): number;
  /** This process's own seeded stream, uniform in [0, 1). */
  random(): number;
  /** A scheduling point for user-mode work that other actors can observe. */
  schedPoint(): Promise<void>;
  /** Has the kernel flagged a signal for us while we ran user code? (check, then enter the kernel) */
  signalFlagged(): boolean;
  /** Record the program's output so far: reported as is if the run hangs or is interrupted. */
  progress(partial: unknown): void;
  /**
   * Add an event to the run's one stream. Threads: into this thread's own ring (no message per
   * event; kept if the thread later hangs or dies). Deterministic: into the run's sink, so it
   * counts in the event hash. Per work request is fine; keep per-page hot paths free of it.
   */
  emit(e: SimEvent): void;
  /** This process's position in the spec (its QP region is shared.qps[index]). */
  readonly index: number;
  readonly shared: SharedRegions;
  /**
   * Block while arr[index] === value (Atomics.wait semantics), up to timeoutNs (null: for ever).
   * A scheduling point; under the deterministic runtime the task parks until the cell changes.
   */
  waitCell(arr: Int32Array, index: number, value: number, timeoutNs: number | null): Promise<CellWaitResult>;
  /** Atomics.notify (under the deterministic runtime the scheduler sees the change by itself). */
  notifyCell(arr: Int32Array, index: number): void;
}

/** A program: a module exporting `runProgram`. Its input and output must be structured-clonable. */
export interface ProgramModule {
  runProgram(ctx: ProcessContext, input: unknown): Promise<unknown>;
}

export interface FileSpec {
  readonly path: string;
  readonly size: number;
  readonly uid: number;
  readonly mode?: number;
}

/** Everything the kernel needs, as plain data (it crosses to the kernel thread). */
export interface KernelSpec {
  /** The kernel design (default mainline) and knob overrides on top of its defaults. */
  readonly policy?: PolicyName;
  readonly knobs?: Partial<KernelKnobValues>;
  readonly pmemPages: number;
  readonly idleRefcount?: 0 | 1;
  readonly preferRecentlyFreed?: boolean;
  readonly fallocateModeCheck?: 'v4' | 'v6.12';
  readonly leaseBreakTimeNs?: number;
  readonly leasesEnable?: boolean;
  readonly layoutLeasesFcntl?: boolean;
  readonly files: readonly FileSpec[];
}

export interface ProcessSpec {
  readonly name: string;
  /** Unset: root (uid 0, CAP_LEASE). */
  readonly uid?: number;
  /** URL of the program module (import()ed in the process's thread). */
  readonly program: string;
  readonly input: unknown;
  /** Signals to block from the start (those a `wait` step takes). */
  readonly blocked?: readonly number[];
  /**
   * A daemon (the NIC) runs until every other process has finished, then is stopped where it
   * stands; its output is its last `progress` report.
   */
  readonly daemon?: boolean;
}

export interface RunSpec {
  readonly kernel: KernelSpec;
  readonly processes: readonly ProcessSpec[];
  /** Barrier name → process names that take part. */
  readonly barriers: Readonly<Record<string, readonly string[]>>;
  readonly seed: number;
  /** Give up after this much (real or virtual) time from the start gate (programs loaded): the run is reported as a hang. */
  readonly timeLimitNs: number;
  /** Keep the event stream in the result (the report needs it). Default true. */
  readonly keepEvents?: boolean;
  /**
   * Threads runtime: bytes of event ring per thread (default DEFAULT_RING_BYTES from
   * @leasebreak/trace: kernel 64 MiB, each process 64 MiB, the lease-lifecycle thread 8 MiB). Only what is
   * written takes memory; a full ring keeps its first events and counts the rest as dropped.
   */
  readonly eventRingBytes?: { readonly kernel?: number; readonly process?: number; readonly lifecycle?: number };
  /**
   * Threads runtime: how long the kernel thread polls for the next syscall before it sleeps, and
   * the most a process spins for an answer while the kernel thread is awake (ns). 0: never poll,
   * every hop is a sleep and a wake. Default DEFAULT_POLL_NS (50 µs).
   */
  readonly pollNs?: number;
  /** Threads runtime: how long the process threads may take to load their programs (default 60 s). */
  readonly startupTimeoutMs?: number;
  /**
   * Threads runtime: how long (ms) the kernel thread, then the lease-lifecycle thread, may take to
   * answer at the end of the run before it counts as stuck: the run ends with status 'error' and
   * the events written until then. Default 10 s (COLLECT_TIMEOUT_MS, threads/runtime.ts). Not a scenario key (plan()
   * never sets it); tests that provoke a stuck thread set it short.
   */
  readonly collectTimeoutMs?: number;
}

export interface ProcessOutcome {
  readonly name: string;
  readonly pid: number;
  /** Exit code, the name of the signal that killed it, or null if it never finished. */
  readonly exit: number | string | null;
  /** What the program returned (steps, stats...), or null. */
  readonly output: unknown;
  /** Set if the program threw (a bug in the program, not a kernel outcome). */
  readonly error?: string;
}

export interface RunResult {
  /** The kernel's state at the end (file layouts, pins held, fsck) and the device, for the checker. */
  readonly audit: KernelAudit;
  readonly pmem: PmemBuffers;
  readonly mode: RuntimeMode;
  readonly seed: number;
  readonly status: 'ok' | 'hang' | 'error' | 'interrupted';
  readonly detail?: string;
  readonly durationNs: number;
  readonly processes: readonly ProcessOutcome[];
  readonly events: readonly SimEvent[];
  readonly eventHash: string;
  readonly eventCount: number;
  /** Events counted but not kept (a full ring or buffer), in all. */
  readonly eventsDropped: number;
  /**
   * Events not kept, per thread: threads runtime `kernel`, `lifecycle` (the lease machines) and each
   * process by name (`name (pid N)` if a process is itself called kernel or lifecycle); the
   * deterministic runtime has one buffer (MAX_EVENTS), `all`.
   */
  readonly eventsDroppedBy: Readonly<Record<string, number>>;
  /** Events emitted (kept or not), per thread, keyed as eventsDroppedBy. */
  readonly eventCountBy: Readonly<Record<string, number>>;
}

export interface Runtime {
  readonly mode: RuntimeMode;
  run(spec: RunSpec, signal?: AbortSignal): Promise<RunResult>;
}
