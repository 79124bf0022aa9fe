/**
 * fallocate(2): vfs_fallocate()'s argument checks (fs/open.c) and ext4_fallocate()'s modes
 * (fs/ext4/extents.c): allocate, KEEP_SIZE, PUNCH_HOLE, COLLAPSE_RANGE, INSERT_RANGE, ZERO_RANGE.
 *
 * It runs in three steps so that the syscall layer can break leases and layouts in between, as
 * ext4 does after its own checks and before touching the extent tree:
 *   1. vfsFallocateCheck   argument, mode and fd checks, in vfs_fallocate()'s order;
 *   2. fallocatePrepare    the filesystem's checks (alignment, EOF, EFBIG, ENOSPC);
 *   3. fallocateApply      the layout change itself.
 */
import { BUG_ON, type Errno, type SysResult, err, ok } from '../kernel/errno.js';
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_SUPPORTED_MASK,
  FALLOC_FL_UNSHARE_RANGE,
  FALLOC_FL_ZERO_RANGE,
} from '../kernel/flags.js';
import { PAGE_SIZE } from '../mm/pmem.js';
import { extendSize } from './dax.js';
import type { File } from './file.js';
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';
import { freeBlocksFrom } from './vfs.js';

/**
 * How vfs_fallocate() rejects bad mode combinations:
 * - 'v4':    up to ~v6.11, COLLAPSE/INSERT/UNSHARE mixed with other flags is EINVAL;
 * - 'v6.12': after "fs: sort out the fallocate mode vs flag mess" (hch, Aug 2024) every bad
 *            combination is EOPNOTSUPP.
 */
export type FallocateModeCheck = 'v4' | 'v6.12';

export type FallocKind = 'allocate' | 'punch' | 'collapse' | 'insert' | 'zero';

/** A checked request: what ext4 is about to do, for the layout-break hook and for apply. */
export interface FallocOp {
  readonly kind: FallocKind;
  readonly mode: number;
  readonly offset: number;
  readonly len: number;
  /** File blocks whose placement changes (for layout breaking): [first, last]. */
  readonly firstBlock: number;
  readonly lastBlock: number;
  /** Blocks leave the file (punch, collapse). */
  readonly freesBlocks: boolean;
  /** Blocks move to another offset (collapse, insert). */
  readonly shiftsBlocks: boolean;
}

function modeKind(mode: number): FallocKind {
  if (mode & FALLOC_FL_PUNCH_HOLE) return 'punch';
  if (mode & FALLOC_FL_COLLAPSE_RANGE) return 'collapse';
  if (mode & FALLOC_FL_INSERT_RANGE) return 'insert';
  if (mode & FALLOC_FL_ZERO_RANGE) return 'zero';
  return 'allocate';
}

function modeErrno(mode: number, check: FallocateModeCheck): Errno | null {
  const MODES = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE | FALLOC_FL_UNSHARE_RANGE;
  if (check === 'v6.12') {
    if (mode & ~(MODES | FALLOC_FL_KEEP_SIZE)) return 'EOPNOTSUPP';
    switch (mode & MODES) {
      case 0:
      case FALLOC_FL_UNSHARE_RANGE:
      case FALLOC_FL_ZERO_RANGE:
        return null;
      case FALLOC_FL_PUNCH_HOLE:
        return mode & FALLOC_FL_KEEP_SIZE ? null : 'EOPNOTSUPP';
      case FALLOC_FL_COLLAPSE_RANGE:
      case FALLOC_FL_INSERT_RANGE:
        return mode & FALLOC_FL_KEEP_SIZE ? 'EOPNOTSUPP' : null;
      default:
        return 'EOPNOTSUPP';
    }
  }
  if (mode & ~FALLOC_FL_SUPPORTED_MASK) return 'EOPNOTSUPP';
  if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) === (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) return 'EOPNOTSUPP';
  if (mode & FALLOC_FL_PUNCH_HOLE && !(mode & FALLOC_FL_KEEP_SIZE)) return 'EOPNOTSUPP';
  if (mode & FALLOC_FL_COLLAPSE_RANGE && mode & ~FALLOC_FL_COLLAPSE_RANGE) return 'EINVAL';
  if (mode & FALLOC_FL_INSERT_RANGE && mode & ~FALLOC_FL_INSERT_RANGE) return 'EINVAL';
  if (mode & FALLOC_FL_UNSHARE_RANGE && mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)) return 'EINVAL';
  return null;
}

/** vfs_fallocate()'s checks, in its order. Return: null, or the errno. */
export function vfsFallocateCheck(sb: SuperBlock, file: File, mode: number, offset: number, len: number, check: FallocateModeCheck): Errno | null {
  if (!Number.isInteger(mode) || !Number.isSafeInteger(offset) || !Number.isSafeInteger(len)) return 'EINVAL';
  if (offset < 0 || len <= 0) return 'EINVAL';
  const bad = modeErrno(mode, check);
  if (bad !== null) return bad;
  if (!file.writable) return 'EBADF';
  const inode = file.inode;
  if (mode & ~FALLOC_FL_KEEP_SIZE && inode.appendOnly) return 'EPERM';
  if (inode.immutable) return 'EPERM';
  if (inode.isDir) return 'EISDIR';
  if (!inode.isReg) return 'ENODEV';
  if (offset + len > sb.maxBytes) return 'EFBIG';
  return null;
}

/** Holes in [first, first+count), i.e. blocks that allocation there would need. */
function holesIn(inode: Inode, first: number, count: number): number {
  let n = 0;
  for (const s of inode.extents.segments(first, count)) if (s.pblk < 0) n += s.len;
  return n;
}

/**
 * ext4_fallocate()'s own checks for a request vfsFallocateCheck accepted.
 * Return: the operation to apply, or EOPNOTSUPP (UNSHARE: ext4 has no reflink), EINVAL
 * (unaligned collapse/insert; collapse reaching EOF; insert at or past EOF), EFBIG (insert past
 * s_maxbytes, checked before the EOF test as ext4_insert_range does), ENOSPC.
 */
export function fallocatePrepare(sb: SuperBlock, inode: Inode, mode: number, offset: number, len: number): SysResult<FallocOp> {
  if (mode & FALLOC_FL_UNSHARE_RANGE) return err('EOPNOTSUPP');
  const kind = modeKind(mode);
  const firstBlock = Math.floor(offset / PAGE_SIZE);
  const lastBlock = Math.floor((offset + len - 1) / PAGE_SIZE);
  const op = (lastBlock_: number, frees: boolean, shifts: boolean): SysResult<FallocOp> =>
    ok({ kind, mode, offset, len, firstBlock, lastBlock: lastBlock_, freesBlocks: frees, shiftsBlocks: shifts });
  switch (kind) {
    case 'collapse':
      if (offset % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0) return err('EINVAL');
      if (offset + len >= inode.size) return err('EINVAL'); // "use ftruncate"
      return op(Number.MAX_SAFE_INTEGER, true, true);
    case 'insert':
      if (offset % PAGE_SIZE !== 0 || len % PAGE_SIZE !== 0) return err('EINVAL');
      if (len > sb.maxBytes - inode.size) return err('EFBIG');
      if (offset >= inode.size) return err('EINVAL');
      return op(Number.MAX_SAFE_INTEGER, false, true);
    case 'punch':
      return op(lastBlock, true, false);
    case 'allocate':
    case 'zero':
      if (holesIn(inode, firstBlock, lastBlock - firstBlock + 1) > sb.balloc.freeBlocks) return err('ENOSPC');
      return op(lastBlock, false, false);
  }
}

/** Re-own blocks that moved to new file offsets (their struct pages name the new index). */
function reown(sb: SuperBlock, inode: Inode, moved: { lblk: number; pblk: number; len: number }[]): void {
  for (const m of moved) for (let i = 0; i < m.len; i++) sb.balloc.reassign(m.pblk + i, inode.ino, m.lblk + i);
}

/** Zero bytes [from, to) of one written block (ext4_zero_partial_blocks). */
function zeroPartial(sb: SuperBlock, inode: Inode, from: number, to: number): void {
  if (to <= from) return;
  const m = inode.extents.lookup(Math.floor(from / PAGE_SIZE));
  if (m !== null && !m.unwritten) sb.pmem.zero(m.pblk, from % PAGE_SIZE, to - from);
}

/** Allocate unwritten extents over the holes of [first, first+count) (ext4_alloc_file_blocks). */
function allocUnwritten(sb: SuperBlock, inode: Inode, first: number, count: number): void {
  for (const seg of inode.extents.segments(first, count)) {
    if (seg.pblk >= 0) continue;
    for (let at = seg.lblk; at < seg.lblk + seg.len; ) {
      const run = sb.balloc.allocRun(inode.ino, at, seg.lblk + seg.len - at);
      BUG_ON(run === null, 'fallocate: ENOSPC after fallocatePrepare counted the space');
      if (run === null) return;
      inode.extents.insert(at, run.pblk, run.len, true);
      at += run.len;
    }
  }
}

/** Apply a prepared fallocate. The caller holds the (modelled) inode lock throughout. */
export function fallocateApply(sb: SuperBlock, inode: Inode, op: FallocOp): void {
  const { offset, len } = op;
  const keepSize = (op.mode & FALLOC_FL_KEEP_SIZE) !== 0;
  switch (op.kind) {
    case 'allocate': {
      allocUnwritten(sb, inode, op.firstBlock, op.lastBlock - op.firstBlock + 1);
      if (!keepSize) extendSize(sb, inode, offset + len);
      return;
    }
    case 'punch': {
      if (offset >= inode.size) return; // ext4_punch_hole: nothing to do past EOF
      // Clamp to the end of the block holding EOF, as ext4_punch_hole does.
      const end = Math.min(offset + len, Math.ceil(inode.size / PAGE_SIZE) * PAGE_SIZE);
      const firstWhole = Math.ceil(offset / PAGE_SIZE);
      const endWhole = Math.floor(end / PAGE_SIZE);
      if (endWhole > firstWhole) {
        sb.unmapMappingRange(inode, firstWhole, endWhole - 1);
        freeBlocksFrom(sb, inode, firstWhole, endWhole - firstWhole);
      }
      if (firstWhole > endWhole) {
        zeroPartial(sb, inode, offset, end); // the range sits inside one block
      } else {
        zeroPartial(sb, inode, offset, firstWhole * PAGE_SIZE);
        zeroPartial(sb, inode, endWhole * PAGE_SIZE, end);
      }
      return;
    }
    case 'collapse': {
      const first = offset / PAGE_SIZE;
      const n = len / PAGE_SIZE;
      sb.unmapMappingRange(inode, first);
      freeBlocksFrom(sb, inode, first, n);
      reown(sb, inode, inode.extents.shift(first + n, -n));
      inode.size -= len;
      return;
    }
    case 'insert': {
      const first = offset / PAGE_SIZE;
      sb.unmapMappingRange(inode, first);
      reown(sb, inode, inode.extents.shift(first, len / PAGE_SIZE));
      inode.size += len;
      return;
    }
    case 'zero': {
      const end = offset + len;
      const firstWhole = Math.ceil(offset / PAGE_SIZE);
      const endWhole = Math.floor(end / PAGE_SIZE);
      sb.unmapMappingRange(inode, op.firstBlock, op.lastBlock);
      if (firstWhole > endWhole) {
        zeroPartial(sb, inode, offset, end);
      } else {
        zeroPartial(sb, inode, offset, firstWhole * PAGE_SIZE);
        zeroPartial(sb, inode, endWhole * PAGE_SIZE, end);
        // Whole blocks become unwritten: clear the media so a later partial write needs no zeroing.
        for (const seg of inode.extents.segments(firstWhole, endWhole - firstWhole)) {
          if (seg.pblk >= 0 && !seg.unwritten) for (let i = 0; i < seg.len; i++) sb.pmem.zero(seg.pblk + i);
        }
        inode.extents.setUnwritten(firstWhole, endWhole - firstWhole, true);
      }
      allocUnwritten(sb, inode, op.firstBlock, op.lastBlock - op.firstBlock + 1);
      if (!keepSize) extendSize(sb, inode, end);
      return;
    }
  }
}
