/**
 * The names scenario files use: policies (architecture.md §5), step operations and built-in
 * workloads (§7), signals (Linux x86_64 numbers), fcntl commands and lease types.
 */

export const POLICY_NAMES = [
  'no-break',
  'ext4-v3-2018',
  'ext4-4.19',
  'xfs-2018',
  'ira-rfc-2019',
  'jan-keep-lease',
  'lease-proposal-2019',
  'mainline',
  'odp',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

export const DEFAULT_POLICY: PolicyName = 'mainline';

export const WORKLOAD_NAMES = [
  'lease-holder',
  'lease-breaker',
  'rdma-writer',
  'rdma-reader',
  'truncator',
  'file-writer',
  'mmap-writer',
  'dio-reader',
] as const;
export type WorkloadName = (typeof WORKLOAD_NAMES)[number];

export const STEP_OPS = [
  'open',
  'close',
  'dup',
  'read',
  'write',
  'pread',
  'pwrite',
  'truncate',
  'ftruncate',
  'fallocate',
  'fcntl',
  'mmap',
  'munmap',
  'load',
  'store',
  'ibv_reg_mr',
  'ibv_dereg_mr',
  'rdma_write',
  'rdma_read',
  'signal',
  'wait',
  'sleep',
  'barrier',
  'kill',
  'exit',
  'repeat',
] as const;
export type StepOp = (typeof STEP_OPS)[number];

export const MODES = ['threads', 'deterministic'] as const;
export type Mode = (typeof MODES)[number];

/** Signal numbers on Linux x86_64 (arch/x86/include/uapi/asm/signal.h). */
export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGUSR1: 10,
  SIGUSR2: 12,
  SIGALRM: 14,
  SIGTERM: 15,
  SIGIO: 29,
  SIGRTMIN: 34,
};
export const SIGRTMIN = 34;
/** SIGRTMIN+N accepts N in 0..SIGRTMIN_MAX_OFFSET (SIGRTMIN+30 = 64 = SIGRTMAX). */
export const SIGRTMIN_MAX_OFFSET = 30;

/** A signal as named in the scenario: its canonical name and number. */
export interface Sig {
  readonly name: string;
  readonly signo: number;
}

/** Canonical name of a signal number we know, or undefined. */
export function signalName(signo: number): string | undefined {
  if (signo >= SIGRTMIN && signo <= SIGRTMIN + SIGRTMIN_MAX_OFFSET) {
    return signo === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${signo - SIGRTMIN}`;
  }
  for (const [name, n] of Object.entries(SIGNALS)) if (n === signo) return name;
  return undefined;
}

export const SIGNAL_HINT = `${Object.keys(SIGNALS).join(', ')}, SIGRTMIN+N (N 0..${SIGRTMIN_MAX_OFFSET}) or their numbers`;

/** `SIGIO`, `SIGRTMIN+3`, or a number we know (29, 37). */
export function parseSignal(input: unknown): { ok: true; value: Sig } | { ok: false; message: string } {
  if (typeof input === 'number') {
    const name = Number.isInteger(input) ? signalName(input) : undefined;
    if (name === undefined) return { ok: false, message: `unknown signal number ${input}; allowed: ${SIGNAL_HINT}` };
    return { ok: true, value: { name, signo: input } };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a signal name, got ${describe(input)}; allowed: ${SIGNAL_HINT}` };
  }
  const text = input.trim();
  const rt = /^SIGRTMIN\s*\+\s*(\d+)$/.exec(text);
  if (rt) {
    const n = Number(rt[1]);
    if (n > SIGRTMIN_MAX_OFFSET) {
      return { ok: false, message: `bad signal "${input}": N in SIGRTMIN+N must be 0..${SIGRTMIN_MAX_OFFSET}` };
    }
    const signo = SIGRTMIN + n;
    return { ok: true, value: { name: signalName(signo) ?? text, signo } };
  }
  if (/^\d+$/.test(text)) return parseSignal(Number(text));
  const signo = SIGNALS[text];
  if (signo === undefined) return { ok: false, message: `unknown signal "${input}"; allowed: ${SIGNAL_HINT}` };
  return { ok: true, value: { name: text, signo } };
}

/** fcntl commands with their Linux numbers (include/uapi/linux/fcntl.h). */
export const FCNTL_CMDS = {
  F_SETSIG: 10,
  F_GETSIG: 11,
  F_SETLEASE: 1024,
  F_GETLEASE: 1025,
} as const;
export type FcntlCmd = keyof typeof FCNTL_CMDS;

/**
 * Lease types for F_SETLEASE / F_GETLEASE. F_RDLCK/F_WRLCK/F_UNLCK are Linux's values; F_LAYOUT is
 * the 2019 layout-lease RFC's bit (Ira Weiny, `#define F_LAYOUT 16`); F_UNBREAK, from the same
 * discussion, never got a number upstream, so 32 is ours.
 */
export const LEASE_TYPES = {
  F_RDLCK: 0,
  F_WRLCK: 1,
  F_UNLCK: 2,
  F_LAYOUT: 16,
  F_UNBREAK: 32,
} as const;
export const LEASE_BASE_MASK = 0x3;
export const LEASE_MODIFIERS = ['F_LAYOUT', 'F_UNBREAK'] as const;

/** A lease type: its bits and canonical text (`F_RDLCK|F_LAYOUT`, base type first). */
export interface LeaseType {
  readonly value: number;
  readonly text: string;
}

const LEASE_BASES = ['F_RDLCK', 'F_WRLCK', 'F_UNLCK'] as const;
const LEASE_HINT = 'F_RDLCK, F_WRLCK or F_UNLCK, optionally |F_LAYOUT and |F_UNBREAK';

/** Canonical text of lease bits: `F_RDLCK|F_LAYOUT`. Undefined if the bits are not a lease type. */
export function formatLeaseType(value: number): string | undefined {
  const known = LEASE_BASE_MASK | LEASE_TYPES.F_LAYOUT | LEASE_TYPES.F_UNBREAK;
  if (!Number.isInteger(value) || value < 0 || (value & ~known) !== 0) return undefined;
  const base = LEASE_BASES.find((b) => LEASE_TYPES[b] === (value & LEASE_BASE_MASK));
  if (base === undefined) return undefined;
  const parts: string[] = [base];
  for (const m of LEASE_MODIFIERS) if (value & LEASE_TYPES[m]) parts.push(m);
  return parts.join('|');
}

/** `F_RDLCK|F_LAYOUT` (exactly one base type, any modifiers) or the number. */
export function parseLeaseType(input: unknown): { ok: true; value: LeaseType } | { ok: false; message: string } {
  if (typeof input === 'number') {
    const text = formatLeaseType(input);
    if (text === undefined) return { ok: false, message: `bad lease type ${input}; allowed: ${LEASE_HINT}` };
    return { ok: true, value: { value: input, text } };
  }
  if (typeof input !== 'string') {
    return { ok: false, message: `expected a lease type, got ${describe(input)}; allowed: ${LEASE_HINT}` };
  }
  let base: string | undefined;
  let value = 0;
  for (const raw of input.split('|')) {
    const name = raw.trim();
    if (!Object.hasOwn(LEASE_TYPES, name)) {
      return { ok: false, message: `unknown lease type "${name}" in "${input}"; allowed: ${LEASE_HINT}` };
    }
    const isBase = (LEASE_BASES as readonly string[]).includes(name);
    if (isBase) {
      if (base !== undefined) {
        return { ok: false, message: `bad lease type "${input}": ${base} and ${name} together; use exactly one of F_RDLCK, F_WRLCK, F_UNLCK` };
      }
      base = name;
    }
    value |= LEASE_TYPES[name as keyof typeof LEASE_TYPES];
  }
  if (base === undefined) {
    return { ok: false, message: `bad lease type "${input}": needs one of F_RDLCK, F_WRLCK, F_UNLCK; allowed: ${LEASE_HINT}` };
  }
  return { ok: true, value: { value, text: formatLeaseType(value) ?? input } };
}

/** `string`, `number`, `null`, `a list`, `an object` — for "expected X, got Y" messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${v}"`;
  return String(v);
}

/** The candidate closest to `word` (edit distance ≤ 2), for "did you mean" hints. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Optimal string alignment distance: edits and adjacent transpositions cost 1. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    const row = d[i];
    if (row === undefined) continue;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      row[j] = v;
    }
  }
  return at(a.length, b.length);
}
