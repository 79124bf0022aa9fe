/**
 * The scenario file schema (architecture.md §7) in zod 4. Every object is strict: an unknown key is
 * an error naming the allowed keys. Leaves normalise as they validate: sizes to bytes, durations
 * to µs, flags to numbers (keeping their text), signals and lease types to canonical names.
 *
 * Parse with `ScenarioSchema.safeParse(data, { error: scenarioErrorMap })`; issues carry their
 * final messages. `loadScenario` (load.ts) does that and adds file names and line numbers.
 */
import * as z from 'zod';
import { ERRNO, ERRNO_ALIASES, FALLOC_FLAGS, OPEN_FLAGS, errnoByName, parseFlagList } from '@leasebreak/model';
import {
  FCNTL_CMDS,
  MODES,
  POLICY_NAMES,
  type PolicyName,
  STEP_OPS,
  type Sig,
  type StepOp,
  WORKLOAD_NAMES,
  DEFAULT_POLICY,
  describe,
  parseLeaseType,
  parseSignal,
  suggest,
} from './names.js';
import type {
  Expect,
  FileSpec,
  Flags,
  KernelKnobs,
  OutcomeExpect,
  ProcessSpec,
  Ref,
  Scenario,
  Step,
  StepOf,
} from './types.js';
import { INFORMED_FAILURE_ERRNOS, OUTCOME_KEYS } from './types.js';
import { parseDuration, parseSize } from './units.js';
import { checkScenario } from './check.js';

// ---------------------------------------------------------------------------------------------
// Leaf parsers: each turns an unknown value into a normalised one or a message.

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** Marks the issue of a required key that is absent, so callers can say which key and for what. */
export const MISSING = 'missing';

/**
 * A zod schema from a leaf parser. `undefined` (a key left out) is reported as MISSING; wrap
 * optional keys in `.optional()`, which never calls the parser for an absent key.
 */
function leaf<T>(parse: (v: unknown) => Parsed<T>) {
  return z.unknown().transform((v, ctx): T => {
    if (v === undefined) {
      ctx.addIssue({ code: 'custom', message: MISSING, input: v, params: { missing: true } });
      return z.NEVER;
    }
    const r = parse(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message, input: v });
    return z.NEVER;
  });
}

function uintParser(what: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (v: unknown): Parsed<number> =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? { ok: true, value: v }
      : {
          ok: false,
          message: `expected ${what}: a whole number ${max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `from ${min} to ${max}`}, got ${describe(v)}`,
        };
}

const uint = leaf(uintParser('a count'));
const posInt = leaf(uintParser('a count', 1));
const uidArg = leaf(uintParser('a uid', 0, 0xfffffffe));
const seedArg = leaf(uintParser('a seed', 0, 0xffffffff));
const sizeArg = leaf(parseSize);
const durationArg = leaf(parseDuration);
const boolArg = leaf((v): Parsed<boolean> =>
  typeof v === 'boolean' ? { ok: true, value: v } : { ok: false, message: `expected true or false, got ${describe(v)}` },
);

function stringParser(what: string) {
  return (v: unknown): Parsed<string> => {
    if (typeof v === 'string' && v.trim() !== '') return { ok: true, value: v };
    if (typeof v === 'number') return { ok: false, message: `expected ${what}, got the number ${v} (quote it: "${v}")` };
    return { ok: false, message: `expected ${what}, got ${v === '' ? 'an empty string' : describe(v)}` };
  };
}

const nameArg = leaf(stringParser('a name'));
const dataArg = leaf((v): Parsed<string> => {
  if (typeof v === 'string') return { ok: true, value: v };
  return stringParser('a string of data')(v);
});
const pathArg = leaf((v): Parsed<string> => {
  const r = stringParser('an absolute path')(v);
  if (r.ok && !r.value.startsWith('/')) return { ok: false, message: `expected an absolute path, got "${r.value}" (paths start with /, e.g. /pmem/a)` };
  return r;
});

const AS_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const asArg = leaf((v): Parsed<string> => {
  if (typeof v === 'string' && AS_RE.test(v)) return { ok: true, value: v };
  return { ok: false, message: `expected a name for "as" (letters, digits, _ . -, starting with a letter or _), got ${describe(v)}` };
});

/** An earlier `as` name or a literal number (checked against bindings in check.ts). */
const refArg = leaf((v): Parsed<Ref> => {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return { ok: true, value: v };
  if (typeof v === 'string' && AS_RE.test(v)) return { ok: true, value: v };
  return { ok: false, message: `expected a name bound by an earlier "as" or a number, got ${describe(v)}` };
});

function flagsParser(kind: string, table: Readonly<Record<string, number>>, prefix = '') {
  const allowed = Object.keys(table).join(', ');
  return (v: unknown): Parsed<Flags> => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < 0) return { ok: false, message: `bad ${kind} ${v}: expected flag names or a whole number ≥ 0` };
      return { ok: true, value: { value: v, text: String(v) } };
    }
    if (typeof v !== 'string') return { ok: false, message: `expected ${kind} like ${Object.keys(table).slice(0, 2).join('|')}, got ${describe(v)}; allowed: ${allowed}` };
    const r = parseFlagList(v, table, prefix);
    if (!r.ok) {
      const near = r.unknown.trim() === '' ? undefined : suggest(r.unknown.trim(), Object.keys(table));
      const what = r.unknown.trim() === '' ? `empty name in "${v}"` : `unknown ${kind} "${r.unknown}"${r.unknown === v ? '' : ` in "${v}"`}`;
      return { ok: false, message: `${what}${near ? ` (did you mean ${near}?)` : ''}; allowed: ${allowed}${prefix ? ` (the ${prefix} prefix may be left out)` : ''}` };
    }
    return { ok: true, value: { value: r.value, text: v } };
  };
}

const openFlagsArg = leaf(flagsParser('open flag', OPEN_FLAGS));
const fallocModeArg = leaf(flagsParser('fallocate mode', FALLOC_FLAGS, 'FALLOC_FL_'));
const signalArg = leaf(parseSignal);

function enumParser<const T extends readonly string[]>(what: string, names: T) {
  return (v: unknown): Parsed<T[number]> => {
    if (typeof v === 'string' && (names as readonly string[]).includes(v)) return { ok: true, value: v };
    const near = typeof v === 'string' ? suggest(v, names) : undefined;
    return { ok: false, message: `unknown ${what} ${describe(v)}${near ? ` (did you mean ${near}?)` : ''}; allowed: ${names.join(', ')}` };
  };
}

const FCNTL_CMD_NAMES = Object.keys(FCNTL_CMDS) as (keyof typeof FCNTL_CMDS)[];
const fcntlCmdArg = leaf(enumParser('fcntl cmd', FCNTL_CMD_NAMES));
const workloadArg = leaf(enumParser('workload', WORKLOAD_NAMES));
const modeArg = leaf(enumParser('mode', MODES));

/** A policy name or a list of them (`--policy a,b` on the command line: split first). */
export function parsePolicyList(v: unknown): Parsed<PolicyName[]> {
  const one = enumParser('policy', POLICY_NAMES);
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  if (list.length === 0) return { ok: false, message: `empty policy list; allowed: ${POLICY_NAMES.join(', ')}` };
  const out: PolicyName[] = [];
  for (const item of list) {
    const r = one(item);
    if (!r.ok) return r;
    if (out.includes(r.value)) return { ok: false, message: `policy "${r.value}" is listed twice` };
    out.push(r.value);
  }
  return { ok: true, value: out };
}
const policyArg = leaf(parsePolicyList);

const objectArg = leaf((v): Parsed<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? { ok: true, value: v as Record<string, unknown> }
    : { ok: false, message: `expected an object of options, got ${describe(v)}` },
);

// ---------------------------------------------------------------------------------------------
// expect

const ERRNO_NAMES = [...Object.keys(ERRNO), ...Object.keys(ERRNO_ALIASES)];
const EXPECT_HINT = `expected a number, ok, an errno name (${ERRNO_NAMES.join(', ')}), a lease type (F_RDLCK, F_WRLCK, F_UNLCK, optionally |F_LAYOUT|F_UNBREAK), a signal name, or a list of these`;

export function parseExpectOne(v: unknown): Parsed<Expect> {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return { ok: true, value: { kind: 'ret', value: v } };
    return { ok: false, message: `bad expect value ${v}: not a whole number; ${EXPECT_HINT}` };
  }
  if (typeof v !== 'string') return { ok: false, message: `bad expect value ${describe(v)}; ${EXPECT_HINT}` };
  const t = v.trim();
  if (t === 'ok') return { ok: true, value: { kind: 'ok' } };
  if (/^-?\d+$/.test(t)) return { ok: true, value: { kind: 'ret', value: Number(t) } };
  const errno = errnoByName(t);
  if (errno !== undefined) return { ok: true, value: { kind: 'errno', name: errno } };
  if (t.startsWith('F_')) {
    const r = parseLeaseType(t);
    if (!r.ok) return { ok: false, message: `bad expect value: ${r.message}` };
    return { ok: true, value: { kind: 'lease', value: r.value.text, bits: r.value.value } };
  }
  if (t.startsWith('SIG')) {
    const r = parseSignal(t);
    if (!r.ok) return { ok: false, message: `bad expect value: ${r.message}` };
    return { ok: true, value: { kind: 'ret', value: r.value.signo, text: r.value.name } };
  }
  const near = suggest(t, [...ERRNO_NAMES, 'ok']);
  return { ok: false, message: `unknown expect value "${v}"${near ? ` (did you mean ${near}?)` : ''}; ${EXPECT_HINT}` };
}

/** One expect form or a list; every entry is checked (a bad list entry names its index). */
const expectArg = z
  .union([z.array(z.unknown()), z.unknown()])
  .transform((v, ctx): Expect[] => {
    const list = Array.isArray(v) ? v : [v];
    if (list.length === 0) {
      ctx.addIssue({ code: 'custom', message: `empty expect list; ${EXPECT_HINT}`, input: v });
      return z.NEVER;
    }
    const out: Expect[] = [];
    list.forEach((item, i) => {
      const r = parseExpectOne(item);
      if (r.ok) out.push(r.value);
      else ctx.addIssue({ code: 'custom', message: r.message, input: item, path: Array.isArray(v) ? [i] : [] });
    });
    return out;
  });

// ---------------------------------------------------------------------------------------------
// Steps

function unknownKeysMessage(keys: readonly string[], where: string, allowed: readonly string[]): string {
  const near = keys.length === 1 && keys[0] !== undefined ? suggest(keys[0], allowed) : undefined;
  const list = keys.map((k) => `"${k}"`).join(', ');
  return `unknown key${keys.length > 1 ? 's' : ''} ${list} ${where}${near ? ` (did you mean ${near}?)` : ''}; allowed: ${allowed.length ? allowed.join(', ') : 'none'}`;
}

/** z.strictObject whose unknown-key error says where it is and which keys are allowed. */
function strict<S extends z.core.$ZodLooseShape>(where: string, shape: S, hidden: readonly string[] = []) {
  const allowed = Object.keys(shape).filter((k) => !hidden.includes(k));
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? unknownKeysMessage(iss.keys, where, allowed) : undefined),
  });
}

const common = { as: asArg.optional(), expect: expectArg.optional() };

interface Common {
  readonly as?: string | undefined;
  readonly expect?: Expect[] | undefined;
}

/** Drop keys whose value is undefined (exactOptionalPropertyTypes: absent, not undefined). */
function compact<T extends Record<string, unknown>>(
  o: T,
): { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & { [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as never;
}

/** A normalised step; index and path are filled in once its position is known. */
function mk<S extends Step>(op: S['op'], arg: S['arg'], args: S['args'], c: Common, extra?: { steps: Step[] }): S {
  const step = { index: 0, op, arg, args, path: '', ...compact({ as: c.as, expect: c.expect }), ...extra };
  return step as unknown as S;
}

const noArgs = {} as const;
const stepsArg = z.array(z.lazy((): z.ZodType<Step> => StepSchema));

/** Keys each op's schema accepts (besides the op itself), for messages. */
const OP_SCHEMAS = {
  open: strict('for open', { open: pathArg, flags: openFlagsArg.optional(), ...common }, ['open']).transform(
    (v): StepOf<'open'> => mk('open', v.open, { flags: v.flags ?? { value: 0, text: 'O_RDONLY' } }, v),
  ),
  close: strict('for close', { close: refArg, ...common }, ['close']).transform((v): StepOf<'close'> => mk('close', v.close, noArgs, v)),
  dup: strict('for dup', { dup: refArg, ...common }, ['dup']).transform((v): StepOf<'dup'> => mk('dup', v.dup, noArgs, v)),
  read: strict('for read', { read: refArg, length: sizeArg, ...common }, ['read']).transform(
    (v): StepOf<'read'> => mk('read', v.read, { length: v.length }, v),
  ),
  pread: strict('for pread', { pread: refArg, length: sizeArg, offset: sizeArg, ...common }, ['pread']).transform(
    (v): StepOf<'pread'> => mk('pread', v.pread, { length: v.length, offset: v.offset }, v),
  ),
  write: strict('for write', { write: refArg, data: dataArg, ...common }, ['write']).transform(
    (v): StepOf<'write'> => mk('write', v.write, { data: v.data }, v),
  ),
  pwrite: strict('for pwrite', { pwrite: refArg, data: dataArg, offset: sizeArg, ...common }, ['pwrite']).transform(
    (v): StepOf<'pwrite'> => mk('pwrite', v.pwrite, { data: v.data, offset: v.offset }, v),
  ),
  truncate: strict('for truncate', { truncate: pathArg, length: sizeArg, ...common }, ['truncate']).transform(
    (v): StepOf<'truncate'> => mk('truncate', v.truncate, { length: v.length }, v),
  ),
  ftruncate: strict('for ftruncate', { ftruncate: refArg, length: sizeArg, ...common }, ['ftruncate']).transform(
    (v): StepOf<'ftruncate'> => mk('ftruncate', v.ftruncate, { length: v.length }, v),
  ),
  fallocate: strict('for fallocate', { fallocate: refArg, mode: fallocModeArg.optional(), offset: sizeArg, length: sizeArg, ...common }, ['fallocate']).transform(
    (v): StepOf<'fallocate'> => mk('fallocate', v.fallocate, { mode: v.mode ?? { value: 0, text: '0' }, offset: v.offset, length: v.length }, v),
  ),
  fcntl: strict('for fcntl', { fcntl: refArg, cmd: fcntlCmdArg, arg: z.unknown().optional(), ...common }, ['fcntl']).transform(
    (v, ctx): StepOf<'fcntl'> => {
      const bad = (message: string) => {
        ctx.addIssue({ code: 'custom', message, input: v.arg, path: ['arg'] });
        return z.NEVER;
      };
      switch (v.cmd) {
        case 'F_SETLEASE': {
          if (v.arg === undefined) return bad(`missing "arg" for fcntl F_SETLEASE: a lease type like F_RDLCK, F_WRLCK|F_LAYOUT or F_UNLCK`);
          const r = parseLeaseType(v.arg);
          return r.ok ? mk('fcntl', v.fcntl, { cmd: 'F_SETLEASE', arg: r.value }, v) : bad(r.message);
        }
        case 'F_SETSIG': {
          if (v.arg === undefined) return bad(`missing "arg" for fcntl F_SETSIG: a signal like SIGRTMIN+1, or 0 for SIGIO`);
          // 0 = back to the default SIGIO.
          const r: Parsed<Sig> = v.arg === 0 || v.arg === '0' ? { ok: true, value: { name: '0', signo: 0 } } : parseSignal(v.arg);
          return r.ok ? mk('fcntl', v.fcntl, { cmd: 'F_SETSIG', arg: r.value }, v) : bad(r.message);
        }
        case 'F_GETLEASE':
        case 'F_GETSIG':
          if (v.arg !== undefined) return bad(`fcntl ${v.cmd} takes no "arg"`);
          return mk('fcntl', v.fcntl, { cmd: v.cmd }, v);
      }
    },
  ),
  mmap: strict('for mmap', { mmap: refArg, length: sizeArg, offset: sizeArg.optional(), ...common }, ['mmap']).transform(
    (v): StepOf<'mmap'> => mk('mmap', v.mmap, compact({ length: v.length, offset: v.offset }), v),
  ),
  munmap: strict('for munmap', { munmap: refArg, ...common }, ['munmap']).transform((v): StepOf<'munmap'> => mk('munmap', v.munmap, noArgs, v)),
  load: strict('for load', { load: refArg, offset: sizeArg, length: sizeArg.optional(), ...common }, ['load']).transform(
    (v): StepOf<'load'> => mk('load', v.load, compact({ offset: v.offset, length: v.length }), v),
  ),
  store: strict('for store', { store: refArg, offset: sizeArg, length: sizeArg.optional(), data: dataArg.optional(), ...common }, ['store']).transform(
    (v, ctx): StepOf<'store'> => {
      if (v.data === undefined && v.length === undefined) {
        ctx.addIssue({ code: 'custom', message: `store needs "data" (a string) or "length" (bytes of stamped data), or both`, input: v });
        return z.NEVER;
      }
      return mk('store', v.store, compact({ offset: v.offset, length: v.length, data: v.data }), v);
    },
  ),
  ibv_reg_mr: strict('for ibv_reg_mr', { ibv_reg_mr: refArg, ...common }, ['ibv_reg_mr']).transform(
    (v): StepOf<'ibv_reg_mr'> => mk('ibv_reg_mr', v.ibv_reg_mr, noArgs, v),
  ),
  ibv_dereg_mr: strict('for ibv_dereg_mr', { ibv_dereg_mr: refArg, ...common }, ['ibv_dereg_mr']).transform(
    (v): StepOf<'ibv_dereg_mr'> => mk('ibv_dereg_mr', v.ibv_dereg_mr, noArgs, v),
  ),
  rdma_write: strict('for rdma_write', { rdma_write: refArg, offset: sizeArg, length: sizeArg, ...common }, ['rdma_write']).transform(
    (v): StepOf<'rdma_write'> => mk('rdma_write', v.rdma_write, { offset: v.offset, length: v.length }, v),
  ),
  rdma_read: strict('for rdma_read', { rdma_read: refArg, offset: sizeArg, length: sizeArg, ...common }, ['rdma_read']).transform(
    (v): StepOf<'rdma_read'> => mk('rdma_read', v.rdma_read, { offset: v.offset, length: v.length }, v),
  ),
  signal: strict('for signal', { signal: signalArg, steps: stepsArg.optional(), ...common }, ['signal']).transform(
    (v): StepOf<'signal'> => mk('signal', v.signal, noArgs, v, { steps: v.steps ?? [] }),
  ),
  wait: strict('for wait', { wait: signalArg, timeout: durationArg.optional(), ...common }, ['wait']).transform(
    (v): StepOf<'wait'> => mk('wait', v.wait, compact({ timeout: v.timeout }), v),
  ),
  sleep: strict('for sleep', { sleep: durationArg, ...common }, ['sleep']).transform((v): StepOf<'sleep'> => mk('sleep', v.sleep, noArgs, v)),
  barrier: strict('for barrier', { barrier: nameArg, ...common }, ['barrier']).transform(
    (v): StepOf<'barrier'> => mk('barrier', v.barrier, noArgs, v),
  ),
  kill: strict('for kill', { kill: nameArg, signo: signalArg.optional(), ...common }, ['kill']).transform(
    (v): StepOf<'kill'> => mk('kill', v.kill, { signo: v.signo ?? { name: 'SIGTERM', signo: 15 } }, v),
  ),
  exit: strict('for exit', { exit: leaf(uintParser('an exit code', 0, 255)) }, ['exit']).transform((v): StepOf<'exit'> => mk('exit', v.exit, noArgs, {})),
  repeat: strict('for repeat', { repeat: uint, steps: stepsArg }, ['repeat']).transform(
    (v): StepOf<'repeat'> => mk('repeat', v.repeat, noArgs, {}, { steps: v.steps }),
  ),
} satisfies { [O in StepOp]: z.ZodType<StepOf<O>> };

/** The named arguments each op accepts, required first (for messages and docs). */
export const STEP_ARGS: { readonly [O in StepOp]: { readonly required: readonly string[]; readonly optional: readonly string[] } } = (() => {
  const out: Record<string, { required: string[]; optional: string[] }> = {};
  for (const op of STEP_OPS) {
    const shape = (OP_SCHEMAS[op].in as unknown as { shape: Record<string, z.ZodType> }).shape;
    const required: string[] = [];
    const optional: string[] = [];
    for (const [k, s] of Object.entries(shape)) {
      if (k === op) continue;
      (s instanceof z.ZodOptional ? optional : required).push(k);
    }
    out[op] = { required, optional };
  }
  return out as { [O in StepOp]: { required: string[]; optional: string[] } };
})();

function isStepOp(k: string): k is StepOp {
  return (STEP_OPS as readonly string[]).includes(k);
}

const STEP_EXAMPLE = '{ open: /pmem/a, flags: O_RDWR, as: fd }';

/**
 * One step: an object with exactly one operation key. The op picks the strict schema for the
 * rest, whose issues are re-raised here with messages that name the op.
 */
export const StepSchema: z.ZodType<Step> = z.unknown().transform((raw, ctx): Step => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: `expected a step (an object with one operation key, e.g. ${STEP_EXAMPLE}), got ${describe(raw)}`, input: raw });
    return z.NEVER;
  }
  const keys = Object.keys(raw);
  const ops = keys.filter(isStepOp);
  if (ops.length === 0) {
    const others = keys.filter((k) => k !== 'as' && k !== 'expect' && !isOpArgName(k));
    const first = others[0] ?? keys[0];
    const near = first !== undefined ? suggest(first, STEP_OPS) : undefined;
    const what = others.length > 0 ? `unknown operation ${others.map((k) => `"${k}"`).join(', ')}${near ? ` (did you mean ${near}?)` : ''}` : 'no operation in this step';
    ctx.addIssue({
      code: 'custom',
      message: `${what}; a step has exactly one operation key: ${STEP_OPS.join(', ')}`,
      input: raw,
      ...(first !== undefined ? { params: { key: first } } : {}),
    });
    return z.NEVER;
  }
  if (ops.length > 1) {
    ctx.addIssue({
      code: 'custom',
      message: `${ops.length} operations in one step: ${ops.map((k) => `"${k}"`).join(', ')}; a step has exactly one operation key (split it into ${ops.length} steps)`,
      input: raw,
      params: { key: ops[1] },
    });
    return z.NEVER;
  }
  const op = ops[0] as StepOp;
  const r = OP_SCHEMAS[op].safeParse(raw, { error: scenarioErrorMap });
  if (r.success) return r.data;
  const spec = STEP_ARGS[op];
  for (const iss of r.error.issues) {
    let message = iss.message;
    const last = iss.path[iss.path.length - 1];
    if (message === MISSING && iss.path.length === 1 && typeof last === 'string') {
      message =
        last === op
          ? `missing a value for ${op}`
          : `missing "${last}" for ${op}; required: ${spec.required.join(', ')}${spec.optional.length ? `; optional: ${spec.optional.join(', ')}` : ''}`;
    }
    const key = issueKey(iss);
    ctx.addIssue({ code: 'custom', message, path: iss.path, input: raw, ...(key !== undefined ? { params: { key } } : {}) });
  }
  return z.NEVER;
});

const OP_ARG_NAMES = new Set(STEP_OPS.flatMap((op) => [...STEP_ARGS[op].required, ...STEP_ARGS[op].optional]));
function isOpArgName(k: string): boolean {
  return OP_ARG_NAMES.has(k);
}

// ---------------------------------------------------------------------------------------------
// Top level

const KernelSchema = strict('in kernel', {
  pmem: sizeArg.optional(),
  blockSize: leaf((v): Parsed<number> => {
    const r = parseSize(v);
    if (r.ok && (r.value < 512 || r.value > 65536 || (r.value & (r.value - 1)) !== 0)) {
      return { ok: false, message: `bad blockSize ${describe(v)}: a power of two from 512B to 64KiB` };
    }
    return r;
  }).optional(),
  leaseBreakTime: durationArg.optional(),
  leasesEnable: boolArg.optional(),
  allowLongtermPin: boolArg.optional(),
  idleRefcount: leaf(uintParser('an idle refcount', 0, 1)).optional(),
  skipWaitWhenUnmapped: boolArg.optional(),
  hungTaskTimeout: durationArg.optional(),
}).transform((k): KernelKnobs => compact(k));

export const KERNEL_KNOBS = Object.keys(KernelSchema.in.shape) as (keyof KernelKnobs)[];

/**
 * One `--kernel KEY=VALUE` override, validated like `kernel:` in a file: `allowLongtermPin=true`,
 * `leaseBreakTime=200ms`, `pmem=64MiB`, `idleRefcount=0`.
 */
export function parseKernelOverride(text: string): { ok: true; knobs: KernelKnobs } | { ok: false; message: string } {
  const eq = text.indexOf('=');
  if (eq <= 0) return { ok: false, message: `expected KEY=VALUE, got "${text}"; keys: ${KERNEL_KNOBS.join(', ')}` };
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1).trim();
  const value: unknown = raw === 'true' ? true : raw === 'false' ? false : /^\d+$/.test(raw) ? Number(raw) : raw;
  const r = KernelSchema.safeParse({ [key]: value }, { error: scenarioErrorMap });
  if (r.success) return { ok: true, knobs: r.data };
  const iss = r.error.issues[0];
  const where = iss && iss.path.length > 0 ? `kernel.${String(iss.path[0])}: ` : '';
  return { ok: false, message: `--kernel ${text}: ${where}${iss?.message ?? 'invalid'}` };
}

const FileSchema = strict('in a file', {
  path: pathArg,
  size: sizeArg,
  uid: uidArg.optional(),
  mode: leaf((v): Parsed<number> => {
    // YAML reads 0644 as octal (see load.ts); strings take octal too: "0644", "644", "0o644".
    if (typeof v === 'string' && /^(0o?)?[0-7]{1,4}$/i.test(v.trim())) return { ok: true, value: parseInt(v.trim().replace(/^0o/i, ''), 8) };
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return { ok: true, value: v };
    return { ok: false, message: `expected a file mode like 0644, got ${describe(v)}` };
  }).optional(),
}).transform((f): FileSpec => ({ path: f.path, size: f.size, uid: f.uid ?? 0, mode: f.mode ?? 0o644 }));

const ProcessSchema = strict('in a process', {
  name: nameArg,
  uid: uidArg.optional(),
  count: posInt.optional(),
  steps: z.array(StepSchema).optional(),
  workload: workloadArg.optional(),
  with: objectArg.optional(),
}).transform((p, ctx): ProcessSpec => {
  const base = { name: p.name, ...compact({ uid: p.uid }), count: p.count ?? 1, path: '' };
  if (p.steps !== undefined && p.workload !== undefined) {
    ctx.addIssue({ code: 'custom', message: `process "${p.name}" has both "steps" and "workload"; give either steps (a script) or workload (+ with), not both`, input: p, params: { key: 'workload' } });
    return z.NEVER;
  }
  if (p.steps !== undefined) {
    if (p.with !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"with" configures a workload; process "${p.name}" has steps, not a workload`, input: p, params: { key: 'with' } });
      return z.NEVER;
    }
    return { ...base, kind: 'steps', steps: p.steps };
  }
  if (p.workload !== undefined) return { ...base, kind: 'workload', workload: p.workload, with: p.with ?? {} };
  ctx.addIssue({ code: 'custom', message: `process "${p.name}" needs "steps" (a script) or "workload" (one of ${WORKLOAD_NAMES.join(', ')}) with its "with" options`, input: p });
  return z.NEVER;
});

const informedFailureArg = z.union([
  uint,
  strict('in informedFailure', Object.fromEntries(INFORMED_FAILURE_ERRNOS.map((e) => [e, uint.optional()])) as Record<(typeof INFORMED_FAILURE_ERRNOS)[number], z.ZodOptional<typeof uint>>),
]);

const OutcomesSchema = strict('in expect.outcomes', {
  corruption: uint.optional(),
  dataLeak: uint.optional(),
  staleOffset: uint.optional(),
  lostWrite: uint.optional(),
  hang: uint.optional(),
  delayedOk: uint.optional(),
  informedFailure: leaf((v): Parsed<OutcomeExpect['informedFailure']> => {
    const r = informedFailureArg.safeParse(v);
    if (r.success) return { ok: true, value: typeof r.data === 'number' ? r.data : compact(r.data) };
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const bad = Object.keys(v).find((k) => !(INFORMED_FAILURE_ERRNOS as readonly string[]).includes(k));
      if (bad !== undefined) return { ok: false, message: unknownKeysMessage([bad], 'in informedFailure', INFORMED_FAILURE_ERRNOS) };
      return { ok: false, message: `expected counts (whole numbers ≥ 0) per errno: ${INFORMED_FAILURE_ERRNOS.join(', ')}` };
    }
    return { ok: false, message: `expected a count (a whole number ≥ 0) or counts per errno (${INFORMED_FAILURE_ERRNOS.join(', ')}), got ${describe(v)}` };
  }).optional(),
} satisfies Record<(typeof OUTCOME_KEYS)[number], unknown>).transform((o): OutcomeExpect => compact(o));

const ExpectSchema = strict('in expect', { outcomes: OutcomesSchema.optional() }).transform((e) => ({ outcomes: e.outcomes ?? {} }));

/** The scenario as parsed, before load.ts adds its source (and its name, when the file has none). */
export type ParsedScenario = Omit<Scenario, 'source' | 'name'> & { readonly name?: string };

export const DEFAULTS = {
  policy: [DEFAULT_POLICY] as readonly PolicyName[],
  duration: 1_000_000,
  seed: 1,
  runs: 1,
  mode: 'threads',
} as const;

export const ScenarioSchema = strict('in the scenario', {
  name: nameArg.optional(),
  description: leaf(stringParser('a description')).optional(),
  policy: policyArg.optional(),
  kernel: KernelSchema.optional(),
  files: z.array(FileSchema).optional(),
  processes: z.array(ProcessSchema).min(1, { error: 'a scenario needs at least one process' }),
  duration: durationArg.optional(),
  seed: seedArg.optional(),
  runs: posInt.optional(),
  mode: modeArg.optional(),
  expect: ExpectSchema.optional(),
}).transform((s, ctx): ParsedScenario => {
  const processes = s.processes.map((p, i) => place(p, `processes[${i}]`));
  const scenario: ParsedScenario = {
    ...compact({ name: s.name, description: s.description }),
    policy: s.policy ?? DEFAULTS.policy,
    kernel: s.kernel ?? {},
    files: s.files ?? [],
    processes,
    duration: s.duration ?? DEFAULTS.duration,
    seed: s.seed ?? DEFAULTS.seed,
    runs: s.runs ?? DEFAULTS.runs,
    mode: s.mode ?? DEFAULTS.mode,
    expect: s.expect ?? { outcomes: {} },
  };
  for (const iss of checkScenario(scenario)) {
    ctx.addIssue({ code: 'custom', message: iss.message, path: [...iss.path], input: undefined, ...(iss.key !== undefined ? { params: { key: iss.key } } : {}) });
  }
  return scenario;
});

/** Fill in each process's and step's path and each step's index. */
function place(p: ProcessSpec, path: string): ProcessSpec {
  if (p.kind === 'workload') return { ...p, path };
  return { ...p, path, steps: placeSteps(p.steps, `${path}.steps`) };
}

function placeSteps(steps: readonly Step[], path: string): Step[] {
  return steps.map((s, index) => {
    const here = `${path}[${index}]`;
    const placed = { ...s, index, path: here };
    if ('steps' in placed) return { ...placed, steps: placeSteps(placed.steps, `${here}.steps`) } as Step;
    return placed;
  });
}

/** The key an issue is about, when its path is the object holding that key (for line numbers). */
export function issueKey(iss: z.core.$ZodIssue): string | undefined {
  if (iss.code === 'unrecognized_keys') return iss.keys[0];
  if (iss.code === 'custom') {
    const key: unknown = iss.params?.['key'];
    return typeof key === 'string' ? key : undefined;
  }
  return undefined;
}

/**
 * Generic messages for zod's own issues (types, array sizes). Pass as `{ error: scenarioErrorMap }`
 * to safeParse; issues raised by the leaf parsers already carry their own message.
 */
export function scenarioErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === 'invalid_type') {
    if (iss.input === undefined) return MISSING;
    const expected = iss.expected === 'array' ? 'a list' : iss.expected === 'object' ? 'an object' : `a ${iss.expected}`;
    return `expected ${expected}, got ${describe(iss.input)}`;
  }
  if (iss.code === 'unrecognized_keys') return `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`;
  return undefined;
}
