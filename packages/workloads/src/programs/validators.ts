/**
 * The `with:` options of the built-in stress programs: what each accepts, its defaults, and the
 * validators `loadScenario` runs (`loadScenario(text, source, { workloads: WORKLOAD_VALIDATORS })`).
 * A validator's value is the normalised options the program receives as `input.options`:
 * every default filled in, durations in µs, sizes in bytes, signals by canonical name.
 *
 * Only the workloads that exist have a validator; the others (rdma-writer, rdma-reader,
 * truncator, file-writer, mmap-writer, dio-reader) accept any object until they are written.
 */
import { describe, parseSignal, suggest } from '../scenario/names.js';
import type { FileSpec, WorkloadOptionsValidator, WorkloadValidators } from '../scenario/types.js';
import { parseDuration, parseSize } from '../scenario/units.js';

export const LEASE_TYPES_HELD = ['F_RDLCK', 'F_WRLCK'] as const;
export const ON_SIGIO = ['release', 'downgrade', 'ignore'] as const;
export const BREAKER_OPS = ['open-write', 'open-read', 'truncate'] as const;

export type HeldLeaseType = (typeof LEASE_TYPES_HELD)[number];
export type OnSigio = (typeof ON_SIGIO)[number];
export type BreakerOp = (typeof BREAKER_OPS)[number];

/** lease-holder's options, normalised (a type literal, so it is a Record<string, unknown>). */
export type LeaseHolderOptions = {
  /** The file to lease: one of the scenario's files. */
  readonly file: string;
  /** The lease to take (default F_RDLCK). */
  readonly lease: HeldLeaseType;
  /** What to do on each break signal (default release). */
  readonly onSigio: OnSigio;
  /** Wait this long (µs) before reacting to a break signal (default 0). */
  readonly delay: number;
  /** Take the lease again after each break (default true). */
  readonly retake: boolean;
  /** The break signal set with F_SETSIG (canonical name, e.g. SIGRTMIN+1); absent = plain SIGIO. */
  readonly signal?: string;
};

/** lease-breaker's options, normalised. */
export type LeaseBreakerOptions = {
  readonly file: string;
  /** What each operation is (default open-write). */
  readonly op: BreakerOp;
  /** Add O_NONBLOCK to the opens (default false). */
  readonly nonblock: boolean;
  /** Operations per second; 0 = closed loop (default). */
  readonly rate: number;
  /** Keep each opened fd this long (µs) before closing it (default 0). */
  readonly hold: number;
  /** truncate only: the length to truncate to, bytes (default: the file's size in the scenario). */
  readonly length?: number;
};

export const LEASE_HOLDER_KEYS = ['file', 'lease', 'onSigio', 'delay', 'retake', 'signal'] as const;
export const LEASE_BREAKER_KEYS = ['file', 'op', 'nonblock', 'rate', 'hold', 'length'] as const;

type Issue = { readonly path: readonly (string | number)[]; readonly message: string };
export type OptionsResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly Issue[] };

/**
 * How to read the options: `files` are the scenario's files (absent: not known, so `file` is
 * not checked against them and truncate's `length` has no default). `normalized`: the options
 * already went through the validator, so a duration given as a plain number is µs (in a scenario
 * file a plain number is ms). Strings are read the same either way.
 */
export interface ParseContext {
  readonly files?: readonly FileSpec[];
  readonly normalized?: boolean;
}

class Reader {
  readonly issues: Issue[] = [];
  constructor(
    private readonly o: Readonly<Record<string, unknown>>,
    private readonly pc: ParseContext,
  ) {}

  bad(key: string, message: string): undefined {
    this.issues.push({ path: [key], message });
    return undefined;
  }

  keys(allowed: readonly string[]): void {
    for (const k of Object.keys(this.o)) {
      if (allowed.includes(k)) continue;
      const near = suggest(k, allowed);
      this.bad(k, `unknown option "${k}"${near ? ` (did you mean ${near}?)` : ''}; allowed: ${allowed.join(', ')}`);
    }
  }

  has(key: string): boolean {
    return this.o[key] !== undefined;
  }

  file(): string | undefined {
    const v = this.o['file'];
    const files = this.pc.files;
    const known = files === undefined ? '' : files.length === 0 ? ' (the scenario has no files: add one under "files")' : `; the scenario's files: ${files.map((f) => f.path).join(', ')}`;
    if (v === undefined) return this.bad('file', `missing required option "file": the path of the file to work on${known}`);
    if (typeof v !== 'string' || v.trim() === '') return this.bad('file', `expected file: a path like /pmem/a, got ${describe(v)}`);
    if (files !== undefined && !files.some((f) => f.path === v)) {
      const near = suggest(v, files.map((f) => f.path));
      return this.bad('file', `file "${v}" is not one of the scenario's files${near ? ` (did you mean ${near}?)` : ''}${known}`);
    }
    return v;
  }

  oneOf<const T extends readonly string[]>(key: string, names: T, dflt: T[number]): T[number] | undefined {
    const v = this.o[key];
    if (v === undefined) return dflt;
    if (typeof v === 'string' && (names as readonly string[]).includes(v)) return v;
    const near = typeof v === 'string' ? suggest(v, names) : undefined;
    return this.bad(key, `unknown ${key} ${describe(v)}${near ? ` (did you mean ${near}?)` : ''}; allowed: ${names.join(', ')}`);
  }

  bool(key: string, dflt: boolean): boolean | undefined {
    const v = this.o[key];
    if (v === undefined) return dflt;
    if (typeof v === 'boolean') return v;
    return this.bad(key, `expected ${key}: true or false, got ${describe(v)}`);
  }

  /** A duration, µs. */
  duration(key: string, dflt: number): number | undefined {
    const v = this.o[key];
    if (v === undefined) return dflt;
    if (this.pc.normalized && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
    const r = parseDuration(v);
    return r.ok ? r.value : this.bad(key, `invalid ${key}: ${r.message}`);
  }

  size(key: string): number | undefined {
    const r = parseSize(this.o[key]);
    return r.ok ? r.value : this.bad(key, `invalid ${key}: ${r.message}`);
  }
}

export function parseLeaseHolderOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<LeaseHolderOptions> {
  const r = new Reader(options, pc);
  r.keys(LEASE_HOLDER_KEYS);
  const file = r.file();
  const lease = r.oneOf('lease', LEASE_TYPES_HELD, 'F_RDLCK');
  const onSigio = r.oneOf('onSigio', ON_SIGIO, 'release');
  const delay = r.duration('delay', 0);
  const retake = r.bool('retake', true);
  let signal: string | undefined;
  if (r.has('signal')) {
    const s = parseSignal(options['signal']);
    if (!s.ok) r.bad('signal', `invalid signal: ${s.message}`);
    else if (s.value.name === 'SIGKILL') r.bad('signal', 'SIGKILL cannot be blocked or waited for: give SIGIO or a real-time signal like SIGRTMIN+1 (or leave signal out for plain SIGIO)');
    else signal = s.value.name;
  }
  if (r.issues.length > 0 || file === undefined || lease === undefined || onSigio === undefined || delay === undefined || retake === undefined) {
    return { ok: false, issues: r.issues };
  }
  return { ok: true, value: { file, lease, onSigio, delay, retake, ...(signal === undefined ? {} : { signal }) } };
}

export function parseLeaseBreakerOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<LeaseBreakerOptions> {
  const r = new Reader(options, pc);
  r.keys(LEASE_BREAKER_KEYS);
  const file = r.file();
  const op = r.oneOf('op', BREAKER_OPS, 'open-write');
  const nonblock = r.bool('nonblock', false);
  let rate: number | undefined = 0;
  const rv = options['rate'];
  if (rv !== undefined) {
    if (typeof rv === 'number' && Number.isFinite(rv) && rv >= 0) rate = rv;
    else rate = r.bad('rate', `expected rate: operations per second, a number ≥ 0 (0 or absent = closed loop: each operation starts when the previous one ends), got ${describe(rv)}`);
  }
  const hold = r.duration('hold', 0);
  let length: number | undefined;
  if (op === 'truncate') {
    if (nonblock === true) r.bad('nonblock', 'nonblock applies to the opens only: truncate(2) has no O_NONBLOCK (use op: open-write with nonblock: true)');
    if (hold !== undefined && hold > 0) r.bad('hold', 'hold applies to the opens only: truncate(2) leaves no fd to hold');
    if (r.has('length')) length = r.size('length');
    else if (file !== undefined) {
      length = pc.files?.find((f) => f.path === file)?.size;
      if (length === undefined) r.bad('length', `missing length for op truncate: the scenario's size of ${file} is not known here`);
    }
  } else if (r.has('length') && op !== undefined) {
    r.bad('length', `length applies to op truncate only (op is ${op})`);
  }
  if (r.issues.length > 0 || file === undefined || op === undefined || nonblock === undefined || rate === undefined || hold === undefined) {
    return { ok: false, issues: r.issues };
  }
  return { ok: true, value: { file, op, nonblock, rate, hold, ...(length === undefined ? {} : { length }) } };
}

const leaseHolder: WorkloadOptionsValidator = (options, context) => parseLeaseHolderOptions(options, { files: context.scenarioFiles });
const leaseBreaker: WorkloadOptionsValidator = (options, context) => parseLeaseBreakerOptions(options, { files: context.scenarioFiles });

/** `with:` validators of the built-in stress programs that exist. */
export const WORKLOAD_VALIDATORS: WorkloadValidators = {
  'lease-holder': leaseHolder,
  'lease-breaker': leaseBreaker,
};
