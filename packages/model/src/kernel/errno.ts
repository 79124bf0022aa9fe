/**
 * errno names and numbers (include/uapi/asm-generic/errno-base.h, errno.h; x86_64 values).
 *
 * Model functions return `SysResult`: `{ ok: true, value }` or `{ ok: false, errno }`.
 * Only a broken simulator invariant throws (see SimError).
 */

export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  EMFILE: 24,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ETIMEDOUT: 110,
  EOPNOTSUPP: 95,
} as const;

export type Errno = keyof typeof ERRNO;

/** Aliases Linux defines as the same number (EWOULDBLOCK = EAGAIN, ENOTSUP = EOPNOTSUPP). */
export const ERRNO_ALIASES: Readonly<Record<string, Errno>> = {
  EWOULDBLOCK: 'EAGAIN',
  ENOTSUP: 'EOPNOTSUPP',
};

/** Canonical errno name for a name or alias, or undefined if unknown. */
export function errnoByName(name: string): Errno | undefined {
  if (Object.hasOwn(ERRNO, name)) return name as Errno;
  return ERRNO_ALIASES[name];
}

export function errnoName(num: number): Errno | undefined {
  for (const [k, v] of Object.entries(ERRNO)) if (v === num) return k as Errno;
  return undefined;
}

export type SysResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errno: Errno };

export function ok<T>(value: T): SysResult<T> {
  return { ok: true, value };
}

export function err(errno: Errno): { readonly ok: false; readonly errno: Errno } {
  return { ok: false, errno };
}

/** Codes for simulator bugs (exit code 3): never a kernel outcome. */
export const SIM_ERROR_CODES = {
  INVARIANT: 'INVARIANT',
  BAD_STATE: 'BAD_STATE',
} as const;

export type SimErrorCode = keyof typeof SIM_ERROR_CODES;

/**
 * A broken invariant of the simulator itself (the model's WARN_ON/BUG_ON).
 * Recognise it by `name === 'SimError'` too: instanceof fails across threads.
 */
export class SimError extends Error {
  override readonly name = 'SimError';
  readonly code: SimErrorCode;
  constructor(code: SimErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function isSimError(e: unknown): e is SimError {
  return typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'SimError';
}

/** BUG_ON(): throw a SimError when `cond` holds (the condition names the bug). */
export function BUG_ON(cond: boolean, message: string): void {
  if (cond) throw new SimError('INVARIANT', message);
}
