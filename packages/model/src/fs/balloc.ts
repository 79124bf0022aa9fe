/**
 * Block allocator over a pmem device (the model's fs/ext4/mballoc.c). A block is one page frame.
 *
 * It keeps no per-block state of its own: a block's owner lives in its struct page, and free
 * blocks are threaded on a doubly-linked list through their own struct pages (as the buddy
 * allocator threads free pages through page->lru):
 *   owner ino cell = -(prev + 2)   (-1: no prev; always <= -1, so "ino <= 0" means free)
 *   owner index cell = next        (-1: none)
 * Blocks at or above `highWater` have never been handed out: their cells are still zero.
 *
 * Freed blocks are pushed at the head of the list, so "prefer recently freed" (the knob the races
 * need: a block freed under a pin goes to the next file that asks) is just taking the head.
 * Otherwise never-used blocks are handed out first, as on a fresh filesystem, and the free list is
 * used once the device has been filled.
 *
 * A reallocated block keeps its refcount: a stale pin on it is exactly the use-after-free the
 * checker looks for.
 */
import { BUG_ON } from '../kernel/errno.js';
import type { Pmem } from '../mm/pmem.js';

export interface BlockRun {
  readonly pblk: number;
  readonly len: number;
}

export interface BallocOptions {
  /** Hand out recently freed blocks before never-used ones. Default false. */
  readonly preferRecentlyFreed?: boolean;
}

const NONE = -1;
const encPrev = (prev: number): number => -(prev + 2);
const decPrev = (cell: number): number => -cell - 2;

export class BlockAllocator {
  readonly pmem: Pmem;
  preferRecentlyFreed: boolean;
  private head = NONE;
  private highWater = 0;
  private nrFree: number;

  constructor(pmem: Pmem, opts: BallocOptions = {}) {
    this.pmem = pmem;
    this.preferRecentlyFreed = opts.preferRecentlyFreed ?? false;
    this.nrFree = pmem.nrPages;
  }

  get freeBlocks(): number {
    return this.nrFree;
  }

  get usedBlocks(): number {
    return this.pmem.nrPages - this.nrFree;
  }

  /** First block never handed out (for fsck). */
  get neverUsedFrom(): number {
    return this.highWater;
  }

  /** Head of the free list, or -1 (for fsck). */
  get freeListHead(): number {
    return this.head;
  }

  /** A block is free if no file owns it. */
  isFree(pblk: number): boolean {
    return this.pmem.inoRaw(pblk) <= 0;
  }

  /**
   * Allocate up to `max` contiguous blocks for file blocks index.. of inode `ino`, zeroed.
   * Return: the run, or null when the device is full (ENOSPC).
   */
  allocRun(ino: number, index: number, max: number): BlockRun | null {
    BUG_ON(ino <= 0 || max < 1, `balloc: bad allocation request ino=${ino} max=${max}`);
    if (this.nrFree === 0) return null;
    const pm = this.pmem;
    const fromList = this.head !== NONE && (this.preferRecentlyFreed || this.highWater >= pm.nrPages);
    let start: number;
    let len = 0;
    if (fromList) {
      start = this.head;
      this.unlink(start);
      len = 1;
      // Extend the run with the blocks right after it while they are free.
      while (len < max && start + len < pm.nrPages) {
        const next = start + len;
        const cell = pm.inoRaw(next);
        if (cell < 0) this.unlink(next);
        else if (cell === 0 && next === this.highWater) this.takeNeverUsed(next);
        else break;
        len++;
      }
      for (let i = 0; i < len; i++) {
        pm.setOwner(start + i, ino, index + i);
        pm.zero(start + i);
      }
    } else {
      start = this.highWater;
      len = Math.min(max, pm.nrPages - start);
      for (let i = 0; i < len; i++) this.takeNeverUsed(start + i);
      // Never-used frames are still zero: no clearing needed (and no host memory touched).
      for (let i = 0; i < len; i++) pm.setOwner(start + i, ino, index + i);
    }
    this.nrFree -= len;
    return { pblk: start, len };
  }

  /** Return blocks to the free list, lowest first at the head. */
  freeRun(pblk: number, len: number): void {
    for (let i = len - 1; i >= 0; i--) {
      const b = pblk + i;
      BUG_ON(this.pmem.inoRaw(b) <= 0, `balloc: double free of block ${b}`);
      this.push(b);
    }
    this.nrFree += len;
  }

  /** Change the file block a block belongs to (collapse/insert shift it): a new generation. */
  reassign(pblk: number, ino: number, index: number): void {
    BUG_ON(this.pmem.inoRaw(pblk) <= 0, `balloc: reassign of free block ${pblk}`);
    this.pmem.setOwner(pblk, ino, index);
  }

  private takeNeverUsed(pblk: number): void {
    BUG_ON(pblk !== this.highWater, 'balloc: never-used blocks are taken in order');
    this.highWater++;
    this.pmem.setRefcount(pblk, this.pmem.idleRefcount);
  }

  private push(b: number): void {
    const pm = this.pmem;
    pm.setOwner(b, encPrev(NONE), this.head);
    if (this.head !== NONE) pm.setFreeLinks(this.head, encPrev(b), pm.indexRaw(this.head) | 0);
    this.head = b;
  }

  private unlink(b: number): void {
    const pm = this.pmem;
    const prev = decPrev(pm.inoRaw(b));
    const next = pm.indexRaw(b) | 0;
    if (prev === NONE) this.head = next;
    else pm.setFreeLinks(prev, pm.inoRaw(prev), next);
    if (next !== NONE) pm.setFreeLinks(next, encPrev(prev), pm.indexRaw(next) | 0);
  }

  /** Walk the free list (fsck). Yields each free block once, head first. */
  *freeList(): Generator<number> {
    const pm = this.pmem;
    let prev = NONE;
    let b = this.head;
    let steps = 0;
    while (b !== NONE) {
      BUG_ON(++steps > pm.nrPages, 'balloc: free list has a cycle');
      BUG_ON(decPrev(pm.inoRaw(b)) !== prev, `balloc: free list prev link of ${b} is wrong`);
      yield b;
      prev = b;
      b = pm.indexRaw(b) | 0;
    }
  }
}
