/**
 * The DAX data path (the model's fs/dax.c): read(2)/write(2) copy straight to and from pmem
 * frames through the extent map (dax_iomap_rw), and a page fault maps the frame itself into the
 * process's page table (dax_iomap_fault). There is no page cache.
 *
 * Blocks are zeroed when allocated (ext4 asks for EXT4_GET_BLOCKS_ZERO under DAX), and the part
 * of the last block beyond EOF is kept zero on every size change, so a hole, an unwritten extent
 * and the tail past EOF all read as zeros.
 */
import { type SysResult, err, ok } from '../kernel/errno.js';
import { PROT_WRITE } from '../kernel/flags.js';
import { PTE_UNMAPPED, PTE_ZERO, type Vma } from '../mm/mmap.js';
import { PAGE_SIZE } from '../mm/pmem.js';
import type { Inode } from './inode.js';
import type { SuperBlock } from './super.js';

/** Blocks covering bytes [pos, pos+len). */
function blockSpan(pos: number, len: number): { first: number; count: number } {
  const first = Math.floor(pos / PAGE_SIZE);
  return { first, count: Math.floor((pos + len - 1) / PAGE_SIZE) - first + 1 };
}

/**
 * Allocate written blocks over every hole of [first, first+count) and turn unwritten extents
 * written (ext4_map_blocks with EXT4_GET_BLOCKS_CREATE). Stops at the first block it cannot get.
 * Return: how many leading blocks of the range are now written (< count means ENOSPC).
 */
export function daxAllocWritten(sb: SuperBlock, inode: Inode, first: number, count: number): number {
  let done = 0;
  for (const seg of inode.extents.segments(first, count)) {
    if (seg.pblk < 0) {
      let at = seg.lblk;
      while (at < seg.lblk + seg.len) {
        const run = sb.balloc.allocRun(inode.ino, at, seg.lblk + seg.len - at);
        if (run === null) break;
        inode.extents.insert(at, run.pblk, run.len, false);
        at += run.len;
        done += run.len;
      }
      // A read fault may have mapped the zero page over the hole: tear it down so the new
      // data is visible through mmap (dax_iomap_iter: invalidate_inode_pages2_range on IOMAP_F_NEW).
      // dax_iomap_iter does this per iomap, so the blocks allocated before an ENOSPC count too.
      if (at > seg.lblk) sb.unmapMappingRange(inode, seg.lblk, at - 1);
      if (at < seg.lblk + seg.len) return done;
    } else {
      if (seg.unwritten) {
        inode.extents.setUnwritten(seg.lblk, seg.len, false);
        sb.unmapMappingRange(inode, seg.lblk, seg.lblk + seg.len - 1);
      }
      done += seg.len;
    }
  }
  return done;
}

/** Zero the bytes of the block holding `at` from `at` to the block's end (if it is written). */
export function zeroTail(sb: SuperBlock, inode: Inode, at: number): void {
  const off = at % PAGE_SIZE;
  if (off === 0) return;
  const m = inode.extents.lookup(Math.floor(at / PAGE_SIZE));
  if (m !== null && !m.unwritten) sb.pmem.zero(m.pblk, off);
}

/** Grow i_size, first clearing whatever an mmap store left past the old EOF. */
export function extendSize(sb: SuperBlock, inode: Inode, newSize: number): void {
  if (newSize <= inode.size) return;
  zeroTail(sb, inode, inode.size);
  inode.size = newSize;
}

/** dax_iomap_rw(READ): bytes [pos, pos+len) clipped to EOF. */
export function daxRead(sb: SuperBlock, inode: Inode, pos: number, len: number): Uint8Array {
  const end = Math.min(pos + len, inode.size);
  if (end <= pos) return new Uint8Array(0);
  const out = new Uint8Array(end - pos);
  const { first, count } = blockSpan(pos, end - pos);
  for (const seg of inode.extents.segments(first, count)) {
    if (seg.pblk < 0 || seg.unwritten) continue;
    const from = Math.max(pos, seg.lblk * PAGE_SIZE);
    const to = Math.min(end, (seg.lblk + seg.len) * PAGE_SIZE);
    const phys = seg.pblk * PAGE_SIZE + (from - seg.lblk * PAGE_SIZE);
    out.set(sb.pmem.frames.subarray(phys, phys + (to - from)), from - pos);
  }
  return out;
}

/**
 * dax_iomap_rw(WRITE): write `data` at `pos`, allocating as needed; the caller has checked the
 * size limit. A full device gives a short write, or ENOSPC if nothing could be written.
 */
export function daxWrite(sb: SuperBlock, inode: Inode, pos: number, data: Uint8Array): SysResult<number> {
  if (data.length === 0) return ok(0);
  const { first, count } = blockSpan(pos, data.length);
  const got = daxAllocWritten(sb, inode, first, count);
  const n = got === count ? data.length : Math.max(0, (first + got) * PAGE_SIZE - pos);
  if (n === 0) return err('ENOSPC');
  if (pos + n > inode.size) extendSize(sb, inode, pos + n);
  for (const seg of inode.extents.segments(first, Math.ceil((pos + n) / PAGE_SIZE) - first)) {
    const from = Math.max(pos, seg.lblk * PAGE_SIZE);
    const to = Math.min(pos + n, (seg.lblk + seg.len) * PAGE_SIZE);
    sb.pmem.frames.set(data.subarray(from - pos, to - pos), seg.pblk * PAGE_SIZE + (from - seg.lblk * PAGE_SIZE));
  }
  return ok(n);
}

export type FaultResult = { readonly ok: true; readonly pte: number } | { readonly ok: false; readonly sig: 'SIGBUS' | 'SIGSEGV' };

/**
 * dax_iomap_fault() for page `index` of a VMA: fill its page-table entry.
 * A read fault of a hole or unwritten extent maps the shared zero page; a write fault allocates
 * (or converts) the block and maps the frame. A page wholly past EOF is SIGBUS; a write to a
 * read-only mapping or an access to a munmapped page is SIGSEGV; ENOSPC is SIGBUS (vmf_error).
 */
export function daxFault(sb: SuperBlock, inode: Inode, vma: Vma, index: number, write: boolean): FaultResult {
  if (index < 0 || index >= vma.pages || Atomics.load(vma.pte, index) === PTE_UNMAPPED) return { ok: false, sig: 'SIGSEGV' };
  if (write && (vma.prot & PROT_WRITE) === 0) return { ok: false, sig: 'SIGSEGV' };
  const pgoff = vma.pgoff + index;
  if (pgoff >= Math.ceil(inode.size / PAGE_SIZE)) return { ok: false, sig: 'SIGBUS' };
  const cur = Atomics.load(vma.pte, index);
  if (cur >= 0) return { ok: true, pte: cur };
  if (cur === PTE_ZERO && !write) return { ok: true, pte: cur };
  let m = inode.extents.lookup(pgoff);
  if (!write) {
    const pte = m === null || m.unwritten ? PTE_ZERO : m.pblk;
    install(sb, vma, index, pte);
    return { ok: true, pte };
  }
  if (m === null || m.unwritten) {
    if (daxAllocWritten(sb, inode, pgoff, 1) !== 1) return { ok: false, sig: 'SIGBUS' };
    m = inode.extents.lookup(pgoff);
  }
  install(sb, vma, index, m!.pblk);
  return { ok: true, pte: m!.pblk };
}

function install(sb: SuperBlock, vma: Vma, index: number, pte: number): void {
  if (pte >= 0 && sb.mapHoldsRef) sb.pmem.getPage(pte);
  Atomics.store(vma.pte, index, pte);
}
