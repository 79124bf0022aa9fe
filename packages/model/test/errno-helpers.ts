/**
 * Shared set-up for the errno-*.test.ts files: small kernels that are fsck'ed after every test,
 * and helpers to build files with known contents.
 */
import { afterEach, expect } from 'vitest';
import { Kernel, O_CREAT, O_RDWR, PAGE_SIZE, fsck } from '../src/index.js';
import type { KernelConfig, SysResult } from '../src/index.js';

export const PAGE = PAGE_SIZE;

const live: Kernel[] = [];

/** A kernel on a small device; fsck'ed (expecting no problem) when the test ends. */
export function mkKernel(config: Partial<KernelConfig> = {}): Kernel {
  const k = new Kernel({ pmemPages: 64, ...config });
  live.push(k);
  return k;
}

/** Install the after-each fsck in the calling test file. */
export function fsckAfterEach(): void {
  afterEach(() => {
    const ks = live.splice(0);
    for (const k of ks) expect(fsck(k)).toEqual([]);
  });
}

/** The value of a successful result; fails the test otherwise. */
export function must<T>(r: SysResult<T>): T {
  if (!r.ok) throw new Error(`unexpected errno ${r.errno}`);
  return r.value;
}

/** `n` bytes of `byte`. */
export function bytes(n: number, byte: number): Uint8Array {
  return new Uint8Array(n).fill(byte);
}

/**
 * Create `path` as root and write one page per entry of `pages`, page i filled with pages[i].
 * Return: the kernel's root task pid and an O_RDWR fd on the file.
 */
export async function fileOfPages(k: Kernel, path: string, pages: number[]): Promise<{ pid: number; fd: number }> {
  const pid = k.createTask({ uid: 0 }).pid;
  const fd = must(await k.open(pid, path, O_CREAT | O_RDWR));
  for (let i = 0; i < pages.length; i++) expect(await k.pwrite(pid, fd, bytes(PAGE, pages[i]!), i * PAGE)).toEqual({ ok: true, value: PAGE });
  return { pid, fd };
}

/** The fill byte of every page of the file, read back with pread (a page that is not uniform reads as -1). */
export async function pageBytes(k: Kernel, pid: number, fd: number): Promise<number[]> {
  const size = k.fileOf(pid, fd)!.inode.size;
  const data = must(await k.pread(pid, fd, size, 0));
  const out: number[] = [];
  for (let at = 0; at < data.length; at += PAGE) {
    const page = data.subarray(at, at + PAGE);
    out.push(page.every((b) => b === page[0]) ? page[0]! : -1);
  }
  return out;
}
