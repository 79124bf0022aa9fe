/**
 * uapi constants with their Linux names and x86_64 values (include/uapi/asm-generic/fcntl.h,
 * include/uapi/linux/falloc.h, include/uapi/asm-generic/mman-common.h), and parsers for the
 * `A|B|C` spelling scenario files use.
 */

export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECT = 0o40000;
export const O_CLOEXEC = 0o2000000;

export const OPEN_FLAGS: Readonly<Record<string, number>> = {
  O_RDONLY,
  O_WRONLY,
  O_RDWR,
  O_CREAT,
  O_EXCL,
  O_TRUNC,
  O_APPEND,
  O_NONBLOCK,
  O_NDELAY: O_NONBLOCK,
  O_DIRECT,
  O_CLOEXEC,
};

export const FALLOC_FL_KEEP_SIZE = 0x01;
export const FALLOC_FL_PUNCH_HOLE = 0x02;
export const FALLOC_FL_NO_HIDE_STALE = 0x04;
export const FALLOC_FL_COLLAPSE_RANGE = 0x08;
export const FALLOC_FL_ZERO_RANGE = 0x10;
export const FALLOC_FL_INSERT_RANGE = 0x20;
export const FALLOC_FL_UNSHARE_RANGE = 0x40;
/** Flags vfs_fallocate() knows (FALLOC_FL_SUPPORTED_MASK). */
export const FALLOC_FL_SUPPORTED_MASK =
  FALLOC_FL_KEEP_SIZE |
  FALLOC_FL_PUNCH_HOLE |
  FALLOC_FL_COLLAPSE_RANGE |
  FALLOC_FL_ZERO_RANGE |
  FALLOC_FL_INSERT_RANGE |
  FALLOC_FL_UNSHARE_RANGE;

export const FALLOC_FLAGS: Readonly<Record<string, number>> = {
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_NO_HIDE_STALE,
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_ZERO_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_UNSHARE_RANGE,
};

export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;

/** FMODE_* bits of struct file (include/linux/fs.h). */
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;

/** OPEN_FMODE(): O_RDONLY -> READ, O_WRONLY -> WRITE, O_RDWR -> both, 3 -> neither. */
export function openFmode(flags: number): number {
  return (flags + 1) & O_ACCMODE;
}

/**
 * Parse `A|B|C` against a table of names (an optional prefix may be omitted, so
 * `PUNCH_HOLE|KEEP_SIZE` works for FALLOC_FL_*). Plain numbers are accepted as they are.
 * Return: the value, or the first unknown name.
 */
export function parseFlagList(
  text: string | number,
  table: Readonly<Record<string, number>>,
  prefix = '',
): { ok: true; value: number } | { ok: false; unknown: string } {
  if (typeof text === 'number') return { ok: true, value: text };
  let value = 0;
  for (const raw of text.split('|')) {
    const name = raw.trim();
    if (name === '') return { ok: false, unknown: raw };
    if (/^(0x[0-9a-f]+|0o?[0-7]+|\d+)$/i.test(name)) {
      value |= Number(name.startsWith('0') && !/^0x/i.test(name) && name.length > 1 ? `0o${name.replace(/^0o?/i, '')}` : name);
      continue;
    }
    const v = table[name] ?? table[prefix + name];
    if (v === undefined) return { ok: false, unknown: name };
    value |= v;
  }
  return { ok: true, value };
}

/** Names of the bits set in `value` (for reports); O_RDONLY is implied by no access bits. */
export function flagNames(value: number, table: Readonly<Record<string, number>>): string[] {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(table)) if (bit !== 0 && (value & bit) === bit && !names.some((n) => table[n] === bit)) names.push(name);
  return names;
}
