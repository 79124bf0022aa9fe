/**
 * Sizes and durations as scenario files spell them (architecture.md §7): sizes take
 * `B KiB MiB GiB` or a plain number of bytes; durations take `us ms s` or a plain number of
 * milliseconds. Both come out as integers: bytes and microseconds. Fractions are fine as long as
 * the result is whole (`1.5KiB` = 1536 bytes, `0.5ms` = 500 µs); the arithmetic is exact decimal,
 * so `1.1s` is 1100000 µs, not 1100000.0000000002.
 */

export type UnitResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly message: string };

export const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
};

/** Duration units in microseconds (`µs` is accepted as a spelling of `us`). */
export const DURATION_UNITS: Readonly<Record<string, number>> = {
  us: 1,
  µs: 1,
  ms: 1000,
  s: 1_000_000,
};

const SIZE_HINT = 'use B, KiB, MiB or GiB (e.g. 64MiB, 4KiB) or a plain number of bytes';
const DURATION_HINT = 'use us, ms or s (e.g. 200ms, 1s, 50us) or a plain number of milliseconds';

/** Lower-case or SI spellings users reach for, mapped to the unit we mean, for the error hint. */
const SIZE_SUGGEST: Readonly<Record<string, string>> = {
  b: 'B', k: 'KiB', kb: 'KiB', kib: 'KiB', m: 'MiB', mb: 'MiB', mib: 'MiB', g: 'GiB', gb: 'GiB', gib: 'GiB',
};
const DURATION_SUGGEST: Readonly<Record<string, string>> = {
  usec: 'us', msec: 'ms', sec: 's', secs: 's', second: 's', seconds: 's', ns: 'us', m: 's', min: 's',
};

const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?\s*([^\d\s.+-].*)?$/;

/**
 * value × multiplier computed exactly: `digits` is the decimal text without sign.
 * Returns the integer result, 'fraction' when it is not whole, 'range' when it is too big.
 */
function exactScale(intPart: string, fracPart: string, multiplier: number): number | 'fraction' | 'range' {
  const scaled = BigInt((intPart || '0') + fracPart) * BigInt(multiplier);
  const divisor = 10n ** BigInt(fracPart.length);
  if (scaled % divisor !== 0n) return 'fraction';
  const whole = scaled / divisor;
  if (whole > BigInt(Number.MAX_SAFE_INTEGER)) return 'range';
  return Number(whole);
}

function parseQuantity(
  input: unknown,
  what: 'size' | 'duration',
  units: Readonly<Record<string, number>>,
  plainMultiplier: number,
  suggest: Readonly<Record<string, string>>,
  hint: string,
  base: string,
): UnitResult {
  let text: string;
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) return { ok: false, message: `bad ${what} ${input}; ${hint}` };
    // Numbers from YAML/JSON: reuse the exact decimal path on their shortest decimal spelling.
    text = String(input);
    if (/e/i.test(text)) return { ok: false, message: `bad ${what} ${text}: out of range; ${hint}` };
  } else if (typeof input === 'string') {
    text = input.trim();
  } else {
    const got = input === null ? 'null' : input === undefined ? 'nothing' : typeof input;
    return { ok: false, message: `expected a ${what}, got ${got}; ${hint}` };
  }
  const shown = typeof input === 'string' ? `"${input}"` : text;
  const m = NUMBER_RE.exec(text);
  if (!m || (m[2] === '' && (m[3] === undefined || m[3] === ''))) {
    return { ok: false, message: `bad ${what} ${shown}: not a number with a unit; ${hint}` };
  }
  const [, sign = '', intPart = '', fracPart = '', unit] = m;
  let multiplier = plainMultiplier;
  if (unit !== undefined) {
    const u = units[unit];
    if (u === undefined) {
      const s = suggest[unit.toLowerCase()] ?? Object.keys(units).find((k) => k.toLowerCase() === unit.toLowerCase());
      return {
        ok: false,
        message: `bad ${what} ${shown}: unknown unit "${unit}"${s ? ` (did you mean ${s}?)` : ''}; ${hint}`,
      };
    }
    multiplier = u;
  }
  if (sign === '-') return { ok: false, message: `bad ${what} ${shown}: must not be negative` };
  const v = exactScale(intPart, fracPart, multiplier);
  if (v === 'fraction') return { ok: false, message: `bad ${what} ${shown}: not a whole number of ${base}` };
  if (v === 'range') return { ok: false, message: `bad ${what} ${shown}: too large` };
  return { ok: true, value: v };
}

/** A size in bytes: `64MiB`, `4096`, `1.5KiB` (= 1536). */
export function parseSize(input: unknown): UnitResult {
  return parseQuantity(input, 'size', SIZE_UNITS, 1, SIZE_SUGGEST, SIZE_HINT, 'bytes');
}

/** A duration in microseconds: `200ms`, `1s`, `50us`, or a plain number of milliseconds. */
export function parseDuration(input: unknown): UnitResult {
  return parseQuantity(input, 'duration', DURATION_UNITS, 1000, DURATION_SUGGEST, DURATION_HINT, 'microseconds');
}

/** Bytes as the largest unit that divides them (`65536` → `64KiB`), for reports. */
export function formatSize(bytes: number): string {
  for (const [unit, mult] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes !== 0 && bytes % mult === 0) return `${bytes / mult}${unit}`;
  }
  return `${bytes}B`;
}

/** Microseconds as the largest unit that divides them (`200000` → `200ms`), for reports. */
export function formatDuration(us: number): string {
  if (us !== 0 && us % 1_000_000 === 0) return `${us / 1_000_000}s`;
  if (us !== 0 && us % 1000 === 0) return `${us / 1000}ms`;
  return `${us}us`;
}
