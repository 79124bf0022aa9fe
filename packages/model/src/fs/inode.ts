/**
 * struct inode: size, owner, mode, the extent map, open counts, and the reverse map of the VMAs
 * that map it (i_mmap). Directories hold their entries directly (no dentry cache is modelled).
 */
import { S_IFDIR, S_IFMT, S_IFREG } from '../kernel/flags.js';
import type { Errno } from '../kernel/errno.js';
import type { Vma } from '../mm/mmap.js';
import { ExtentMap } from './extents.js';
import { RwSem } from '../kernel/rwsem.js';

export const MAY_WRITE = 0o2;
export const MAY_READ = 0o4;

export class Inode {
  readonly ino: number;
  mode: number;
  uid: number;
  /** The path it was created at (for reports; the model has no rename or hard links). */
  path = '';
  /** i_size in bytes. */
  size = 0;
  readonly extents = new ExtentMap();
  /** i_writecount: open files with FMODE_WRITE (negative would deny writers, as for a running binary). */
  writecount = 0;
  /** i_readcount: open files that are read-only (FMODE_READ without FMODE_WRITE). */
  readcount = 0;
  /** chattr +a / +i (S_APPEND, S_IMMUTABLE). */
  appendOnly = false;
  immutable = false;
  /** i_mmap: every VMA mapping this file. */
  readonly vmas = new Set<Vma>();
  /** inode_lock (i_rwsem): truncate, fallocate and write hold it exclusively. */
  readonly iRwsem: RwSem;
  /** The invalidate lock (ext4 i_mmap_sem / XFS MMAPLOCK): blocks page faults during layout changes. */
  readonly invalidateLock: RwSem;
  /** Directory entries, for directories only. */
  readonly children: Map<string, Inode> | undefined;

  constructor(ino: number, mode: number, uid: number) {
    this.ino = ino;
    this.mode = mode;
    this.uid = uid;
    this.iRwsem = new RwSem(`ino ${ino} i_rwsem`);
    this.invalidateLock = new RwSem(`ino ${ino} invalidate_lock`);
    this.children = (mode & S_IFMT) === S_IFDIR ? new Map() : undefined;
  }

  get isReg(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }

  get isDir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }

  /** mapping_mapped(): does any process map this file? */
  get mapped(): boolean {
    return this.vmas.size > 0;
  }
}

/**
 * inode_permission() for a caller with fsuid `uid` (no groups are modelled: the owner's bits or
 * the "other" bits apply). uid 0 has CAP_DAC_OVERRIDE.
 * Return: null if allowed, else EPERM (write to an immutable inode) or EACCES.
 */
export function inodePermission(inode: Inode, uid: number, mask: number): Errno | null {
  // inode_permission(): nobody, not even root, gets write access to an immutable file (EPERM
  // before the mode bits are looked at).
  if (mask & MAY_WRITE && inode.immutable) return 'EPERM';
  if (uid === 0) return null;
  const bits = uid === inode.uid ? (inode.mode >> 6) & 7 : inode.mode & 7;
  return (bits & mask) === mask ? null : 'EACCES';
}
