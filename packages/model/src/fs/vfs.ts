/**
 * Path lookup and the size-changing core of truncate (fs/namei.c, fs/attr.c, ext4_setattr).
 * The syscall entry points, with their argument checks in Linux's order, are in
 * kernel/syscalls.ts; this file holds what they share.
 */
import { type Errno, type SysResult, err, ok } from '../kernel/errno.js';
import { S_IFDIR, S_IFREG } from '../kernel/flags.js';
import { PAGE_SIZE } from '../mm/pmem.js';
import { extendSize, zeroTail } from './dax.js';
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';

export const PATH_MAX = 4096;
export const NAME_MAX = 255;

function splitPath(path: string): SysResult<string[]> {
  if (typeof path !== 'string' || path.length === 0) return err('ENOENT');
  if (path.length >= PATH_MAX) return err('ENAMETOOLONG');
  if (!path.startsWith('/')) return err('ENOENT'); // every process's cwd is "/": require absolute paths
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  for (const p of parts) if (p.length > NAME_MAX) return err('ENAMETOOLONG');
  return ok(parts);
}

/** path_lookupat(): the inode at `path`. ENOENT, ENOTDIR, ENAMETOOLONG. */
export function lookup(sb: SuperBlock, path: string): SysResult<Inode> {
  const parts = splitPath(path);
  if (!parts.ok) return parts;
  let cur = sb.root;
  const stack: Inode[] = [];
  for (const name of parts.value) {
    if (cur.children === undefined) return err('ENOTDIR');
    if (name === '..') {
      cur = stack.pop() ?? sb.root;
      continue;
    }
    const next = cur.children.get(name);
    if (next === undefined) return err('ENOENT');
    stack.push(cur);
    cur = next;
  }
  // A trailing slash asks for a directory (LOOKUP_DIRECTORY; do_open, vfs_truncate's lookup).
  if (path.endsWith('/') && cur.children === undefined) return err('ENOTDIR');
  return ok(cur);
}

/** The parent directory of `path` and the last component (for O_CREAT). */
export function lookupParent(sb: SuperBlock, path: string): SysResult<{ dir: Inode; name: string }> {
  const parts = splitPath(path);
  if (!parts.ok) return parts;
  const name = parts.value.pop();
  if (name === undefined || name === '..') return err('EISDIR');
  const dir = lookup(sb, '/' + parts.value.join('/'));
  if (!dir.ok) return dir;
  if (dir.value.children === undefined) return err('ENOTDIR');
  return ok({ dir: dir.value, name });
}

/** vfs_create(): a new regular file in `dir`. */
export function createFile(sb: SuperBlock, dir: Inode, name: string, mode: number, uid: number): Inode {
  const inode = sb.newInode(S_IFREG | (mode & 0o7777), uid);
  dir.children!.set(name, inode);
  inode.path = (dir.path === '/' ? '' : dir.path) + '/' + name;
  return inode;
}

/** mkdir -p, for setting a scenario's files up (not a syscall). */
export function mkdirs(sb: SuperBlock, path: string): SysResult<Inode> {
  const parts = splitPath(path);
  if (!parts.ok) return parts;
  let cur = sb.root;
  for (const name of parts.value) {
    if (cur.children === undefined) return err('ENOTDIR');
    let next = cur.children.get(name);
    if (next === undefined) {
      next = sb.newInode(S_IFDIR | 0o777, 0);
      next.path = (cur.path === '/' ? '' : cur.path) + '/' + name;
      cur.children.set(name, next);
    }
    cur = next;
  }
  return ok(cur);
}

/** inode_newsize_ok(): EFBIG past s_maxbytes. */
export function newSizeOk(sb: SuperBlock, size: number): Errno | null {
  return size > sb.maxBytes ? 'EFBIG' : null;
}

/**
 * Free the blocks of `inode` from file block `from` on (ext4_truncate / ext4_ext_remove_space).
 * Return: blocks freed.
 */
export function freeBlocksFrom(sb: SuperBlock, inode: Inode, from: number, count = Infinity): number {
  let n = 0;
  for (const run of inode.extents.remove(from, count)) {
    sb.balloc.freeRun(run.pblk, run.len);
    n += run.len;
  }
  return n;
}

/**
 * The size change of setattr (truncate_setsize + ext4_truncate): shrinking updates i_size,
 * unmaps the pages wholly past it (truncate_pagecache), frees their blocks and zeroes the rest of
 * the new last block; growing only moves i_size (the file stays sparse). Setting the same size
 * still frees blocks preallocated past EOF, as ext4_setattr calls ext4_truncate for size <= old.
 * The caller has done the checks, the lease break and the layout break.
 */
export function setSize(sb: SuperBlock, inode: Inode, newSize: number): void {
  if (newSize > inode.size) {
    extendSize(sb, inode, newSize);
    return;
  }
  inode.size = newSize;
  const firstGone = Math.ceil(newSize / PAGE_SIZE);
  sb.unmapMappingRange(inode, firstGone);
  freeBlocksFrom(sb, inode, firstGone);
  zeroTail(sb, inode, newSize);
}
