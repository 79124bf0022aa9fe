/**
 * struct file (an open file description) and the per-process fd table (fs/file.c).
 *
 * A File is shared by every fd dup()ed from it and by every VMA mapping it; it is released
 * (fput's last reference) only when all of those are gone. That release is what drops a lease.
 */
import { FMODE_READ, FMODE_WRITE, O_ACCMODE, openFmode } from '../kernel/flags.js';
import { BUG_ON } from '../kernel/errno.js';
import type { Inode } from './inode.js';

export class File {
  /** Unique within a kernel: names the lease owner (fl_owner = filp) in reports. */
  readonly id: number;
  readonly inode: Inode;
  /** The open flags; O_APPEND and O_NONBLOCK may change with F_SETFL. */
  flags: number;
  readonly fmode: number;
  /** f_pos */
  pos = 0;
  /** f_count: fds and VMAs referring to this description. */
  count = 0;
  /** f_owner: the pid that receives SIGIO for this file (set by F_SETOWN or F_SETLEASE). */
  ownerPid = 0;
  /** F_SETSIG signal, 0 = SIGIO. */
  signum = 0;

  constructor(id: number, inode: Inode, flags: number) {
    this.id = id;
    this.inode = inode;
    this.flags = flags;
    this.fmode = openFmode(flags & O_ACCMODE);
  }

  get readable(): boolean {
    return (this.fmode & FMODE_READ) !== 0;
  }

  get writable(): boolean {
    return (this.fmode & FMODE_WRITE) !== 0;
  }
}

/** RLIMIT_NOFILE soft limit. */
export const NR_OPEN_DEFAULT = 1024;
/** fds 0..2 are stdin/stdout/stderr: the first file a process opens is fd 3. */
export const FIRST_FD = 3;

export class FdTable {
  private readonly fds: (File | undefined)[] = [];

  /** get_unused_fd_flags() + fd_install(): the lowest free fd >= FIRST_FD, or -1 (EMFILE). */
  install(file: File): number {
    for (let fd = FIRST_FD; fd < NR_OPEN_DEFAULT; fd++) {
      if (this.fds[fd] === undefined) {
        this.fds[fd] = file;
        file.count++;
        return fd;
      }
    }
    return -1;
  }

  /** Is there a free fd for install() (get_unused_fd_flags() without reserving it)? */
  hasFree(): boolean {
    for (let fd = FIRST_FD; fd < NR_OPEN_DEFAULT; fd++) if (this.fds[fd] === undefined) return true;
    return false;
  }

  get(fd: number): File | undefined {
    return Number.isInteger(fd) && fd >= 0 ? this.fds[fd] : undefined;
  }

  /** Remove fd from the table; the caller drops the File's reference (fput). */
  remove(fd: number): File | undefined {
    const f = this.get(fd);
    if (f !== undefined) this.fds[fd] = undefined;
    return f;
  }

  /** Every open fd, ascending. */
  entries(): [number, File][] {
    const out: [number, File][] = [];
    this.fds.forEach((f, fd) => {
      if (f !== undefined) out.push([fd, f]);
    });
    return out;
  }

  /** Count of references this table holds on `file` (for fsck). */
  refsTo(file: File): number {
    let n = 0;
    for (const f of this.fds) if (f === file) n++;
    BUG_ON(n > file.count, 'fdtable: more fds than f_count');
    return n;
  }
}
