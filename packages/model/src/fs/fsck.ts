/**
 * fsck: check every invariant that ties the allocator, the struct pages, the extent maps, the
 * open files and the page tables together. Tests run it after every step; a report names each
 * broken rule. It reads the model's state, never changes it.
 *
 * Invariants:
 *  - every block is owned by exactly one (inode, file block) or is free; free + used = total;
 *  - a block's struct page names the inode and file block whose extent maps it; generations are
 *    even (no owner change half done);
 *  - the free list holds exactly the free blocks below the never-used mark, with sound links;
 *    never-used blocks are untouched (zero cells);
 *  - extents are sorted, non-overlapping and non-empty;
 *  - a present page-table entry maps exactly the block its file page lives in; a zero-page entry
 *    sits only over a hole or an unwritten extent;
 *  - refcounts are idle + page-table references (v6.15 rules) + `extraRefs` (pins the caller knows of);
 *  - f_count equals the fds plus VMAs referring to each file; i_writecount and i_readcount match
 *    the open files.
 */
import type { Kernel } from '../kernel/kernel.js';
import { PTE_ZERO } from '../mm/mmap.js';
import { PAGE_CELLS, PG_GEN, PG_INDEX, PG_INO, PG_REFCOUNT } from '../mm/pmem.js';
import type { File } from './file.js';

export interface FsckOptions {
  /** References beyond idle and page tables that a pfn is known to hold (GUP pins). */
  readonly extraRefs?: (pfn: number) => number;
  /** Stop after this many problems. Default 20. */
  readonly limit?: number;
}

export function fsck(kernel: Kernel, opts: FsckOptions = {}): string[] {
  const problems: string[] = [];
  const limit = opts.limit ?? 20;
  const bad = (msg: string): boolean => {
    problems.push(msg);
    return problems.length >= limit;
  };
  const { sb, pmem } = kernel;
  const nr = pmem.nrPages;
  const cells = pmem.pages;
  const balloc = sb.balloc;
  const highWater = balloc.neverUsedFrom;

  // Which (ino, index) each block should have, from the extent maps.
  const expectIno = new Int32Array(nr);
  const expectIndex = new Float64Array(nr);
  for (const inode of sb.inodes.values()) {
    let prevEnd = -1;
    for (const e of inode.extents.extents()) {
      if (e.len < 1 || e.lblk < prevEnd) {
        if (bad(`ino ${inode.ino}: extent at block ${e.lblk} overlaps or is empty`)) return problems;
      }
      prevEnd = e.lblk + e.len;
      for (let i = 0; i < e.len; i++) {
        const b = e.pblk + i;
        if (b < 0 || b >= nr) {
          if (bad(`ino ${inode.ino}: extent maps block ${b} outside the device`)) return problems;
          continue;
        }
        if (expectIno[b] !== 0 && bad(`block ${b} mapped by ino ${expectIno[b]} and ino ${inode.ino}`)) return problems;
        expectIno[b] = inode.ino;
        expectIndex[b] = e.lblk + i;
      }
    }
  }

  // Page-table references per block, and PTE consistency.
  const mapRefs = new Int32Array(nr);
  for (const task of kernel.tasks.values()) {
    for (const vma of task.mm.all()) {
      const hit = kernel.vmaAt(task.pid, vma.start);
      if (hit === undefined) {
        if (bad(`pid ${task.pid}: VMA at ${vma.start} has no file`)) return problems;
        continue;
      }
      const inode = hit.file.inode;
      for (let i = 0; i < vma.pages; i++) {
        const pte = Atomics.load(vma.pte, i);
        const m = inode.extents.lookup(vma.pgoff + i);
        if (pte >= 0) {
          mapRefs[pte]!++;
          if (m === null || m.pblk !== pte || m.unwritten) {
            if (bad(`pid ${task.pid}: PTE for ino ${inode.ino} page ${vma.pgoff + i} maps pfn ${pte}, file has ${m === null ? 'a hole' : `pfn ${m.pblk}${m.unwritten ? ' (unwritten)' : ''}`}`)) return problems;
          }
        } else if (pte === PTE_ZERO && m !== null && !m.unwritten) {
          if (bad(`pid ${task.pid}: zero page mapped over written block of ino ${inode.ino} page ${vma.pgoff + i}`)) return problems;
        }
      }
    }
  }

  let used = 0;
  let freeBelow = 0;
  for (let b = 0; b < nr; b++) {
    const base = b * PAGE_CELLS;
    const ino = cells[base + PG_INO]!;
    const gen = cells[base + PG_GEN]!;
    if (gen & 1 && bad(`block ${b}: odd generation ${gen} (owner change in progress)`)) return problems;
    if (b >= highWater) {
      if ((ino !== 0 || cells[base + PG_REFCOUNT] !== 0 || gen !== 0) && bad(`block ${b}: never used but its struct page is not clear`)) return problems;
      if (expectIno[b] !== 0 && bad(`block ${b}: never used but mapped by ino ${expectIno[b]}`)) return problems;
      continue;
    }
    const refs = cells[base + PG_REFCOUNT]!;
    const want = pmem.idleRefcount + (sb.mapHoldsRef ? mapRefs[b]! : 0) + (opts.extraRefs?.(b) ?? 0);
    if (refs !== want && bad(`block ${b}: refcount ${refs}, expected ${want}`)) return problems;
    if (ino > 0) {
      used++;
      const index = cells[base + PG_INDEX]! >>> 0;
      if ((expectIno[b] !== ino || expectIndex[b] !== index) && bad(`block ${b}: struct page says ino ${ino} block ${index}, extents say ${expectIno[b] === 0 ? 'free' : `ino ${expectIno[b]} block ${expectIndex[b]}`}`)) return problems;
    } else {
      freeBelow++;
      if (expectIno[b] !== 0 && bad(`block ${b}: free but mapped by ino ${expectIno[b]}`)) return problems;
    }
  }
  const free = freeBelow + (nr - highWater);
  if (used + free !== nr && bad(`used ${used} + free ${free} != ${nr} blocks`)) return problems;
  if (balloc.freeBlocks !== free && bad(`allocator counts ${balloc.freeBlocks} free blocks, struct pages ${free}`)) return problems;
  let listed = 0;
  try {
    for (const b of balloc.freeList()) {
      listed++;
      if (pmem.inoRaw(b) >= 0 || b >= highWater) {
        if (bad(`free list holds block ${b}, which is not a listed free block`)) return problems;
      }
    }
  } catch (e) {
    if (bad(`free list: ${(e as Error).message}`)) return problems;
  }
  if (listed !== freeBelow && bad(`free list has ${listed} blocks, ${freeBelow} free blocks are below the never-used mark`)) return problems;

  // Open file references and inode open counts.
  const counts = new Map<File, number>();
  for (const task of kernel.tasks.values()) {
    for (const [, f] of task.files.entries()) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const vma of task.mm.all()) {
      const f = kernel.vmaAt(task.pid, vma.start)?.file;
      if (f !== undefined) counts.set(f, (counts.get(f) ?? 0) + 1);
    }
  }
  const writers = new Map<number, number>();
  const readers = new Map<number, number>();
  for (const [f, n] of counts) {
    if (f.count !== n && bad(`file ${f.id}: f_count ${f.count}, but ${n} fds and VMAs refer to it`)) return problems;
    const m = f.writable ? writers : f.readable ? readers : undefined;
    m?.set(f.inode.ino, (m.get(f.inode.ino) ?? 0) + 1);
  }
  for (const inode of sb.inodes.values()) {
    if (!inode.isReg) continue;
    if (inode.writecount !== (writers.get(inode.ino) ?? 0) && bad(`ino ${inode.ino}: i_writecount ${inode.writecount}, open writers ${writers.get(inode.ino) ?? 0}`)) return problems;
    if (inode.readcount !== (readers.get(inode.ino) ?? 0) && bad(`ino ${inode.ino}: i_readcount ${inode.readcount}, open readers ${readers.get(inode.ino) ?? 0}`)) return problems;
  }
  return problems;
}
