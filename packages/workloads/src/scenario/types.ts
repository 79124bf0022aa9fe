/**
 * The normalised scenario: what `loadScenario` returns and the interpreter runs. Sizes are bytes,
 * durations microseconds, flags numbers (with their original text), names canonical.
 */
import type { Errno } from '@leasebreak/model';
import type { LeaseType, Mode, PolicyName, Sig, StepOp, WorkloadName } from './names.js';

export type { FcntlCmd, LeaseType, Mode, PolicyName, Sig, StepOp, WorkloadName } from './names.js';

/** Flag bits with the text they were written as (`O_RDWR|O_CREAT`), for reports. */
export interface Flags {
  readonly value: number;
  readonly text: string;
}

/**
 * A reference to an earlier result: a name bound by `as` (string) or a literal number (an fd
 * number, for instance). Names are checked at load time: bound earlier in the same process.
 */
export type Ref = string | number;

/** One acceptable result of a step. A step's `expect` holds if any of its entries matches. */
export type Expect =
  /** The step returned this value (for `wait`, a signal number; `text` keeps `SIGIO` if written so). */
  | { readonly kind: 'ret'; readonly value: number; readonly text?: string }
  /** The step succeeded, whatever it returned. */
  | { readonly kind: 'ok' }
  /** The step failed with this errno (aliases resolved: EWOULDBLOCK → EAGAIN, ENOTSUP → EOPNOTSUPP). */
  | { readonly kind: 'errno'; readonly name: Errno }
  /** F_GETLEASE returned this lease type; `value` is the canonical text, `bits` its number. */
  | { readonly kind: 'lease'; readonly value: string; readonly bits: number };

/** Named arguments of an op that has none. */
export type NoArgs = { readonly [key: string]: never };

interface StepBase<Op extends StepOp, Arg, Args> {
  /** 0-based position in the enclosing list (the process's steps, or a repeat/handler body). */
  readonly index: number;
  readonly op: Op;
  /** The first argument: the value of the op key, normalised. */
  readonly arg: Arg;
  /** Named arguments, normalised; optional ones the scenario left out are absent. */
  readonly args: Args;
  /** `as`: the name this step's result is bound to. */
  readonly as?: string;
  /** Acceptable results; absent = record the result only. */
  readonly expect?: readonly Expect[];
  /** Where the step is, for messages: `processes[1].steps[3]` or `processes[0].steps[2].steps[0]`. */
  path: string;
  /** Line of the step in the scenario file, when known. */
  line?: number;
}

export type OpenStep = StepBase<'open', string, { readonly flags: Flags }>;
export type CloseStep = StepBase<'close', Ref, NoArgs>;
export type DupStep = StepBase<'dup', Ref, NoArgs>;
export type ReadStep = StepBase<'read', Ref, { readonly length: number }>;
export type PreadStep = StepBase<'pread', Ref, { readonly length: number; readonly offset: number }>;
export type WriteStep = StepBase<'write', Ref, { readonly data: string }>;
export type PwriteStep = StepBase<'pwrite', Ref, { readonly data: string; readonly offset: number }>;
export type TruncateStep = StepBase<'truncate', string, { readonly length: number }>;
export type FtruncateStep = StepBase<'ftruncate', Ref, { readonly length: number }>;
/** `mode` defaults to 0 (allocate); its bits are FALLOC_FL_*. */
export type FallocateStep = StepBase<'fallocate', Ref, { readonly mode: Flags; readonly offset: number; readonly length: number }>;
export type FcntlArgs =
  | { readonly cmd: 'F_SETLEASE'; readonly arg: LeaseType }
  /** signo 0 (name `0`) = back to the default SIGIO, as F_SETSIG 0 does. */
  | { readonly cmd: 'F_SETSIG'; readonly arg: Sig }
  | { readonly cmd: 'F_GETLEASE' }
  | { readonly cmd: 'F_GETSIG' };
export type FcntlStep = StepBase<'fcntl', Ref, FcntlArgs>;
export type MmapStep = StepBase<'mmap', Ref, { readonly length: number; readonly offset?: number }>;
export type MunmapStep = StepBase<'munmap', Ref, NoArgs>;
export type LoadStep = StepBase<'load', Ref, { readonly offset: number; readonly length?: number }>;
/** At least one of `data` / `length` is present. */
export type StoreStep = StepBase<'store', Ref, { readonly offset: number; readonly length?: number; readonly data?: string }>;
export type IbvRegMrStep = StepBase<'ibv_reg_mr', Ref, NoArgs>;
export type IbvDeregMrStep = StepBase<'ibv_dereg_mr', Ref, NoArgs>;
export type RdmaWriteStep = StepBase<'rdma_write', Ref, { readonly offset: number; readonly length: number }>;
export type RdmaReadStep = StepBase<'rdma_read', Ref, { readonly offset: number; readonly length: number }>;
/** Installs a handler for `arg`; `steps` run when it arrives (empty = catch and ignore). */
export type SignalStep = StepBase<'signal', Sig, NoArgs> & { readonly steps: readonly Step[] };
/** `timeout` in µs; absent = wait for ever. */
export type WaitStep = StepBase<'wait', Sig, { readonly timeout?: number }>;
/** `arg` in µs. */
export type SleepStep = StepBase<'sleep', number, NoArgs>;
export type BarrierStep = StepBase<'barrier', string, NoArgs>;
/** `arg` is a process name (every instance of it when its count > 1); `signo` defaults to SIGTERM. */
export type KillStep = StepBase<'kill', string, { readonly signo: Sig }>;
export type ExitStep = StepBase<'exit', number, NoArgs>;
export type RepeatStep = StepBase<'repeat', number, NoArgs> & { readonly steps: readonly Step[] };

export type Step =
  | OpenStep
  | CloseStep
  | DupStep
  | ReadStep
  | PreadStep
  | WriteStep
  | PwriteStep
  | TruncateStep
  | FtruncateStep
  | FallocateStep
  | FcntlStep
  | MmapStep
  | MunmapStep
  | LoadStep
  | StoreStep
  | IbvRegMrStep
  | IbvDeregMrStep
  | RdmaWriteStep
  | RdmaReadStep
  | SignalStep
  | WaitStep
  | SleepStep
  | BarrierStep
  | KillStep
  | ExitStep
  | RepeatStep;

export type StepOf<Op extends StepOp> = Extract<Step, { readonly op: Op }>;

/** Kernel knobs; each absent one keeps the policy's default. Sizes in bytes, times in µs. */
export interface KernelKnobs {
  readonly pmem?: number;
  readonly blockSize?: number;
  /** 0 = no deadline, as on Linux. */
  readonly leaseBreakTime?: number;
  readonly leasesEnable?: boolean;
  readonly allowLongtermPin?: boolean;
  readonly idleRefcount?: number;
  readonly skipWaitWhenUnmapped?: boolean;
  readonly hungTaskTimeout?: number;
}
export type KernelKnob = keyof KernelKnobs;

export interface FileSpec {
  readonly path: string;
  /** Bytes. */
  readonly size: number;
  /** Owner; 0 (root) when the scenario leaves it out. */
  readonly uid: number;
  /** Permission bits; 0o644 by default. */
  readonly mode: number;
}

interface ProcessBase {
  readonly name: string;
  /** Absent = root (uid 0, with CAP_LEASE). */
  readonly uid?: number;
  /** Instances of this process (default 1). */
  readonly count: number;
  /** Where it is, for messages: `processes[1]`. */
  readonly path: string;
}
export interface ScriptedProcess extends ProcessBase {
  readonly kind: 'steps';
  readonly steps: readonly Step[];
}
export interface WorkloadProcess extends ProcessBase {
  readonly kind: 'workload';
  readonly workload: WorkloadName;
  /** The `with:` options; validated by the workload's validator when one is registered. */
  readonly with: Readonly<Record<string, unknown>>;
}
export type ProcessSpec = ScriptedProcess | WorkloadProcess;

export const OUTCOME_KEYS = ['corruption', 'dataLeak', 'staleOffset', 'lostWrite', 'hang', 'delayedOk', 'informedFailure'] as const;
export type OutcomeKey = (typeof OUTCOME_KEYS)[number];
export const INFORMED_FAILURE_ERRNOS = ['EPERM', 'ETXTBSY', 'EOPNOTSUPP', 'EINTR'] as const;
export type InformedFailureErrno = (typeof INFORMED_FAILURE_ERRNOS)[number];

/** Expected outcome counts; an absent key is not checked. */
export interface OutcomeExpect {
  readonly corruption?: number;
  readonly dataLeak?: number;
  readonly staleOffset?: number;
  readonly lostWrite?: number;
  readonly hang?: number;
  readonly delayedOk?: number;
  /** The total, or counts per errno (an absent errno is not checked). */
  readonly informedFailure?: number | { readonly [E in InformedFailureErrno]?: number };
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** The file (or `builtin:NAME`) it came from. */
  readonly source: string;
  /** Policies to run it under, in order; default ['mainline']. */
  readonly policy: readonly PolicyName[];
  readonly kernel: KernelKnobs;
  readonly files: readonly FileSpec[];
  readonly processes: readonly ProcessSpec[];
  /** How long stress programs run, µs (default 1 s). */
  readonly duration: number;
  /** First seed (default 1); runs use seed .. seed+runs-1. */
  readonly seed: number;
  /** Default 1. */
  readonly runs: number;
  /** Default 'threads'. */
  readonly mode: Mode;
  readonly expect: { readonly outcomes: OutcomeExpect };
}

/** One problem with a scenario file. `path` is like `processes[1].steps[3].flags` ('' = the file). */
export interface ScenarioError {
  readonly source: string;
  readonly path: string;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export type LoadResult = { readonly ok: true; readonly scenario: Scenario } | { readonly ok: false; readonly errors: readonly ScenarioError[] };

/**
 * Validates one workload's `with:` options (the hook the built-in stress programs register).
 * `path` is the key path of the `with` object, e.g. `processes[2].with`; report issues relative
 * to it (`path: ['pages']`).
 */
export type WorkloadOptionsValidator = (
  options: Readonly<Record<string, unknown>>,
  context: { readonly scenarioFiles: readonly FileSpec[]; readonly processName: string },
) =>
  | { readonly ok: true; readonly value: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly issues: readonly { readonly path: readonly (string | number)[]; readonly message: string }[] };

export type WorkloadValidators = { readonly [W in WorkloadName]?: WorkloadOptionsValidator };

export interface LoadOptions {
  /** Validators for `with:` per workload; workloads without one accept any object. */
  readonly workloads?: WorkloadValidators;
}
