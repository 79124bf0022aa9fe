/**
 * The `with:` options of the built-in stress programs: what each accepts, its defaults, and the
 * validators `loadScenario` runs (`loadScenario(text, source, { workloads: WORKLOAD_VALIDATORS })`).
 * A validator's value is the normalised options the program receives as `input.options`:
 * every default filled in, durations in µs, sizes in bytes, signals by canonical name.
 *
 * Every built-in workload has one (rdma-writer and rdma-reader share parseRdmaOptions).
 */
import { describe, parseSignal, suggest } from '../scenario/names.js';
import type { FileSpec, WorkloadOptionsValidator, WorkloadValidators } from '../scenario/types.js';
import { parseDuration, parseSize } from '../scenario/units.js';
import { mrTable } from '@leasebreak/model';
import { SQ_ENTRIES } from '../nic/layout.js';

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

// ---- the race programs: truncator, file-writer, mmap-writer, dio-reader ------------------------

export const TRUNCATOR_OPS = ['truncate-down', 'truncate-up', 'punch', 'collapse', 'insert', 'zero'] as const;
export type TruncatorOp = (typeof TRUNCATOR_OPS)[number];

/** truncator's options, normalised. */
export type TruncatorOptions = {
  readonly file: string;
  /** The layout changes to mix, each drawn with equal chance (default: all of TRUNCATOR_OPS). */
  readonly ops: readonly TruncatorOp[];
  /** Operations per second; 0 = closed loop with a 100 µs pacing sleep (default). */
  readonly rate: number;
  /** The range it works in, in 4 KiB pages from offset 0 (default: the file's size in pages). */
  readonly pages: number;
  /** Bring the file back to `pages` pages, all written, before the next operation (default true). */
  readonly restore: boolean;
  /** µs: arm alarm(2) before each operation so a layout change blocked this long fails EINTR. */
  readonly signalAfter?: number;
};

/** file-writer's options, normalised. */
export type FileWriterOptions = {
  /** The files to write, round robin (each one of the scenario's files). */
  readonly files: readonly string[];
  /** Pages written per file per round; each round starts by truncating the file to 0 (default 16). */
  readonly pages: number;
  /** Writes per second; 0 = closed loop with a 100 µs pacing sleep (default). */
  readonly rate: number;
};

/** mmap-writer's options, normalised. */
export type MmapWriterOptions = {
  readonly file: string;
  /** Pages mapped (MAP_SHARED, from offset 0) and stored to, cyclically (default: the file's size in pages). */
  readonly pages: number;
  /** Stores per second; 0 = closed loop with a 100 µs pacing sleep (default). */
  readonly rate: number;
};

/** dio-reader's options, normalised. */
export type DioReaderOptions = {
  readonly file: string;
  /** Pages of `file` mapped as the read buffer (default: the file's size in pages). */
  readonly pages: number;
  /** Bytes per direct-I/O read (default pages × 4096); reads walk the buffer chunk by chunk. */
  readonly chunk: number;
  /** µs the disk's DMA is in flight, pages pinned (default 2 ms). */
  readonly inFlight: number;
  /** Reads per second; 0 = closed loop (default). */
  readonly rate: number;
  /** Submit asynchronously (io_submit), munmap the buffer while the DMA is in flight, map it again after (default false). */
  readonly munmap: boolean;
};

export const TRUNCATOR_KEYS = ['file', 'ops', 'rate', 'pages', 'restore', 'signalAfter'] as const;
export const FILE_WRITER_KEYS = ['files', 'pages', 'rate'] as const;
export const MMAP_WRITER_KEYS = ['file', 'pages', 'rate'] as const;
export const DIO_READER_KEYS = ['file', 'pages', 'chunk', 'inFlight', 'rate', 'munmap'] as const;

/** The most pages a race program works on (a 4 GiB range). */
export const MAX_RACE_PAGES = 1 << 20;
const RACE_PAGE = 4096;

function readRate(r: Reader, options: Readonly<Record<string, unknown>>, what: string): number | undefined {
  const v = options['rate'];
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  return r.bad('rate', `expected rate: ${what} per second, a number ≥ 0 (0 or absent = closed loop), got ${describe(v)}`);
}

/** `pages`: a whole number ≥ 1; default the scenario's size of `file` in pages (16 when not known). */
function readPages(r: Reader, options: Readonly<Record<string, unknown>>, pc: ParseContext, file: string | undefined, dflt = 16): number | undefined {
  const v = options['pages'];
  if (v === undefined) {
    const size = file === undefined ? undefined : pc.files?.find((f) => f.path === file)?.size;
    return size === undefined ? dflt : Math.max(1, Math.ceil(size / RACE_PAGE));
  }
  if (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_RACE_PAGES) return v;
  return r.bad('pages', `expected pages: a whole number of 4 KiB pages from 1 to ${MAX_RACE_PAGES}, got ${describe(v)}`);
}

export function parseTruncatorOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<TruncatorOptions> {
  const r = new Reader(options, pc);
  r.keys(TRUNCATOR_KEYS);
  const file = r.file();
  let ops: TruncatorOp[] | undefined = [...TRUNCATOR_OPS];
  const ov = options['ops'];
  if (ov !== undefined) {
    const list = typeof ov === 'string' ? [ov] : ov;
    if (!Array.isArray(list) || list.length === 0) {
      ops = r.bad('ops', `expected ops: a non-empty list of ${TRUNCATOR_OPS.join(', ')}, got ${describe(ov)}`);
    } else {
      const seen: TruncatorOp[] = [];
      for (const o of list) {
        if (typeof o === 'string' && (TRUNCATOR_OPS as readonly string[]).includes(o)) {
          if (!seen.includes(o as TruncatorOp)) seen.push(o as TruncatorOp);
          continue;
        }
        const near = typeof o === 'string' ? suggest(o, TRUNCATOR_OPS) : undefined;
        r.bad('ops', `unknown op ${describe(o)}${near ? ` (did you mean ${near}?)` : ''}; allowed: ${TRUNCATOR_OPS.join(', ')}`);
      }
      ops = seen;
    }
  }
  const rate = readRate(r, options, 'layout changes');
  const pages = readPages(r, options, pc, file);
  const restore = r.bool('restore', true);
  let signalAfter: number | undefined;
  if (r.has('signalAfter')) {
    signalAfter = r.duration('signalAfter', 0);
    if (signalAfter === 0) signalAfter = r.bad('signalAfter', 'signalAfter must be longer than 0 (leave it out to let blocked operations wait)');
  }
  if (r.issues.length > 0 || file === undefined || ops === undefined || rate === undefined || pages === undefined || restore === undefined) {
    return { ok: false, issues: r.issues };
  }
  return { ok: true, value: { file, ops, rate, pages, restore, ...(signalAfter === undefined ? {} : { signalAfter }) } };
}

export function parseFileWriterOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<FileWriterOptions> {
  const r = new Reader(options, pc);
  r.keys(FILE_WRITER_KEYS);
  let files: string[] | undefined;
  const fv = options['files'];
  const known = pc.files === undefined ? '' : pc.files.length === 0 ? ' (the scenario has no files: add some under "files")' : `; the scenario's files: ${pc.files.map((f) => f.path).join(', ')}`;
  if (fv === undefined) {
    files = r.bad('files', `missing required option "files": the paths of the files to write (a list)${known}`);
  } else {
    const list = typeof fv === 'string' ? [fv] : fv;
    if (!Array.isArray(list) || list.length === 0) {
      files = r.bad('files', `expected files: a non-empty list of paths like [/pmem/b], got ${describe(fv)}`);
    } else {
      files = [];
      for (const f of list) {
        if (typeof f !== 'string' || f.trim() === '') {
          r.bad('files', `expected a path like /pmem/b in files, got ${describe(f)}`);
        } else if (pc.files !== undefined && !pc.files.some((x) => x.path === f)) {
          const near = suggest(f, pc.files.map((x) => x.path));
          r.bad('files', `file "${f}" is not one of the scenario's files${near ? ` (did you mean ${near}?)` : ''}${known}`);
        } else if (!files.includes(f)) files.push(f);
      }
    }
  }
  const pages = readPages(r, options, pc, undefined);
  const rate = readRate(r, options, 'writes');
  if (r.issues.length > 0 || files === undefined || pages === undefined || rate === undefined) return { ok: false, issues: r.issues };
  return { ok: true, value: { files, pages, rate } };
}

export function parseMmapWriterOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<MmapWriterOptions> {
  const r = new Reader(options, pc);
  r.keys(MMAP_WRITER_KEYS);
  const file = r.file();
  const pages = readPages(r, options, pc, file);
  const rate = readRate(r, options, 'stores');
  if (r.issues.length > 0 || file === undefined || pages === undefined || rate === undefined) return { ok: false, issues: r.issues };
  return { ok: true, value: { file, pages, rate } };
}

export function parseDioReaderOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<DioReaderOptions> {
  const r = new Reader(options, pc);
  r.keys(DIO_READER_KEYS);
  const file = r.file();
  const pages = readPages(r, options, pc, file);
  let chunk: number | undefined = pages === undefined ? undefined : pages * RACE_PAGE;
  if (r.has('chunk')) {
    chunk = r.size('chunk');
    if (chunk !== undefined && chunk <= 0) chunk = r.bad('chunk', 'chunk must be at least 1 byte');
    else if (chunk !== undefined && pages !== undefined && chunk > pages * RACE_PAGE) {
      chunk = r.bad('chunk', `chunk (${chunk} bytes) is larger than the buffer: pages × 4096 = ${pages * RACE_PAGE} bytes`);
    }
  }
  const inFlight = r.duration('inFlight', 2000);
  const rate = readRate(r, options, 'reads');
  const munmap = r.bool('munmap', false);
  if (r.issues.length > 0 || file === undefined || pages === undefined || chunk === undefined || inFlight === undefined || rate === undefined || munmap === undefined) {
    return { ok: false, issues: r.issues };
  }
  return { ok: true, value: { file, pages, chunk, inFlight, rate, munmap } };
}

const truncator: WorkloadOptionsValidator = (options, context) => parseTruncatorOptions(options, { files: context.scenarioFiles });
const fileWriter: WorkloadOptionsValidator = (options, context) => parseFileWriterOptions(options, { files: context.scenarioFiles });
const mmapWriter: WorkloadOptionsValidator = (options, context) => parseMmapWriterOptions(options, { files: context.scenarioFiles });
const dioReader: WorkloadOptionsValidator = (options, context) => parseDioReaderOptions(options, { files: context.scenarioFiles });

// ---- rdma-writer, rdma-reader -------------------------------------------------------------------

export const RDMA_ON_SIGIO = ['ignore', 'dereg-release', 'dereg-release-retake'] as const;
export const RDMA_LAYOUT_LEASE = ['auto', 'always', 'never'] as const;
export type RdmaOnSigio = (typeof RDMA_ON_SIGIO)[number];
export type RdmaLayoutLease = (typeof RDMA_LAYOUT_LEASE)[number];

/** rdma-writer's and rdma-reader's options, normalised (programs/rdma-writer.ts). */
export type RdmaOptions = {
  /** The file whose mapping is registered: one of the scenario's files. */
  readonly file: string;
  /** Pages mapped, registered and streamed over (default 16); the file must hold them. */
  readonly pages: number;
  /** What to do on a lease-break SIGIO (default ignore: a handler that does nothing). */
  readonly onSigio: RdmaOnSigio;
  /** Take F_SETLEASE F_RDLCK|F_LAYOUT: when the policy needs one for long-term pins (auto, default), always, never. */
  readonly layoutLease: RdmaLayoutLease;
  /** Retry a failed ibv_reg_mr every 10 ms until the duration ends (default true). */
  readonly retryRegister: boolean;
  /** Work requests kept in flight (default 8, at most RDMA_MAX_DEPTH). */
  readonly depth: number;
  /** Pages per work request (default 1; at most `pages`): large transfers measure the NIC's bandwidth. */
  readonly wrPages: number;
  /**
   * A barrier the program arrives at once, when its first ibv_reg_mr has returned (registered or
   * refused), and waits at until every other party has arrived (or exited): a scripted process
   * that names it too acts on the MR only once it exists. Absent: none.
   */
  readonly barrier?: string;
};

export const RDMA_KEYS = ['file', 'pages', 'onSigio', 'layoutLease', 'retryRegister', 'depth', 'wrPages', 'barrier'] as const;
/** The most pages one MR covers (the MR table's MR_MAX_PAGES). */
export const RDMA_MAX_PAGES = mrTable.MR_MAX_PAGES;
/** The most outstanding work requests a QP holds (its ring size). */
export const RDMA_MAX_DEPTH = SQ_ENTRIES;

export function parseRdmaOptions(options: Readonly<Record<string, unknown>>, pc: ParseContext = {}): OptionsResult<RdmaOptions> {
  const r = new Reader(options, pc);
  r.keys(RDMA_KEYS);
  const file = r.file();
  let pages: number | undefined = 16;
  const pv = options['pages'];
  if (pv !== undefined) {
    if (typeof pv === 'number' && Number.isInteger(pv) && pv >= 1 && pv <= RDMA_MAX_PAGES) pages = pv;
    else pages = r.bad('pages', `expected pages: a whole number of 4 KiB pages from 1 to ${RDMA_MAX_PAGES} (one MR), got ${describe(pv)}`);
  }
  const size = file === undefined ? undefined : pc.files?.find((f) => f.path === file)?.size;
  if (pages !== undefined && size !== undefined && pages * 4096 > size) {
    r.bad('pages', `${pages} pages (${pages * 4096} bytes) is more than ${file} holds (${size} bytes): ibv_reg_mr would fail EFAULT past EOF; use pages ≤ ${Math.floor(size / 4096)} or a larger file`);
  }
  const onSigio = r.oneOf('onSigio', RDMA_ON_SIGIO, 'ignore');
  const layoutLease = r.oneOf('layoutLease', RDMA_LAYOUT_LEASE, 'auto');
  const retryRegister = r.bool('retryRegister', true);
  let depth: number | undefined = 8;
  const dv = options['depth'];
  if (dv !== undefined) {
    if (typeof dv === 'number' && Number.isInteger(dv) && dv >= 1 && dv <= RDMA_MAX_DEPTH) depth = dv;
    else depth = r.bad('depth', `expected depth: outstanding work requests, a whole number from 1 to ${RDMA_MAX_DEPTH}, got ${describe(dv)}`);
  }
  let wrPages: number | undefined = 1;
  const wv = options['wrPages'];
  if (wv !== undefined) {
    if (typeof wv === 'number' && Number.isInteger(wv) && wv >= 1 && (pages === undefined || wv <= pages)) wrPages = wv;
    else wrPages = r.bad('wrPages', `expected wrPages: pages per work request, a whole number from 1 to pages (${pages ?? '?'}), got ${describe(wv)}`);
  }
  const bv = options['barrier'];
  if (bv !== undefined && (typeof bv !== 'string' || bv.trim() === '')) r.bad('barrier', `expected barrier: the name of a barrier (as a \`barrier:\` step names it), got ${describe(bv)}`);
  if (r.issues.length > 0 || file === undefined || pages === undefined || onSigio === undefined || layoutLease === undefined || retryRegister === undefined || depth === undefined || wrPages === undefined) {
    return { ok: false, issues: r.issues };
  }
  return { ok: true, value: { file, pages, onSigio, layoutLease, retryRegister, depth, wrPages, ...(typeof bv === 'string' ? { barrier: bv } : {}) } };
}

const rdmaStream: WorkloadOptionsValidator = (options, context) => parseRdmaOptions(options, { files: context.scenarioFiles });

/** `with:` validators of the built-in stress programs that exist. */
export const WORKLOAD_VALIDATORS: WorkloadValidators = {
  'lease-holder': leaseHolder,
  'lease-breaker': leaseBreaker,
  truncator,
  'file-writer': fileWriter,
  'mmap-writer': mmapWriter,
  'dio-reader': dioReader,
  'rdma-writer': rdmaStream,
  'rdma-reader': rdmaStream,
};
