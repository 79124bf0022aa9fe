/**
 * A pmem device: page frames plus a struct-page array, both in SharedArrayBuffers so that any
 * thread (a process touching its DAX mapping, the NIC doing DMA) can attach to them.
 *
 * struct page is four Int32 cells (16 bytes a page; nothing else is kept per page):
 *   [0] refcount    page->_refcount; changed only with Atomics (get_page/put_page, pins).
 *   [1] owner ino   > 0 while a file owns the block. <= 0 means free: the allocator threads its
 *                   free list through the free pages themselves (see fs/balloc.ts).
 *   [2] owner index the file block (page->index), read as unsigned; the free-list link when free.
 *   [3] generation  a seqcount: odd while ownership is being changed, +2 per change. A reader
 *                   (the checker on the NIC thread) reads it before and after the owner fields.
 *
 * Besides, one device-wide ownership epoch (a seqcount over every page's owner, like the
 * invalidation sequence of mmu_interval_notifier that ODP and KVM faults check with
 * mmu_interval_read_begin / mmu_interval_read_retry): odd while any page's ownership is being
 * changed, +2 per change. A reader of many pages (the NIC, per run of pages) loads it before and
 * after, and reads the owner cells in between with plain loads when it has not moved.
 *
 * The frames buffer may be large (1 Mi pages = 4 GiB of address space): a SharedArrayBuffer is
 * zero-filled lazily by the host, so an untouched frame costs nothing.
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

/** Cells per struct page and their offsets. */
export const PAGE_CELLS = 4;
export const PG_REFCOUNT = 0;
export const PG_INO = 1;
export const PG_INDEX = 2;
export const PG_GEN = 3;

/** Bytes of struct-page metadata per page frame. */
export const STRUCT_PAGE_BYTES = PAGE_CELLS * Int32Array.BYTES_PER_ELEMENT;

/** Largest device: pfns and free-list links must fit the Int32 cells. */
export const MAX_PMEM_PAGES = 1 << 28;

/** What another thread needs to attach to the same device. Structured-clonable. */
export interface PmemBuffers {
  readonly nrPages: number;
  readonly frames: SharedArrayBuffer;
  readonly pages: SharedArrayBuffer;
  /** Refcount of an idle page: 1 before v6.15 (ZONE_DEVICE pages idle at 1), 0 after. */
  readonly idleRefcount: number;
  /** The ownership epoch (cell 0; the rest of its cache line is padding). */
  readonly epoch: SharedArrayBuffer;
}

/** Bytes of the ownership epoch's buffer: one cell on a cache line of its own. */
export const EPOCH_BYTES = 64;

export interface PageOwner {
  /** Owning inode number, or 0 when the block is free. */
  readonly ino: number;
  /** File block (page index within the file); meaningful only when ino > 0. */
  readonly index: number;
  readonly generation: number;
}

/** A PageOwner a reader fills again and again (Pmem.ownerInto). */
export interface MutablePageOwner {
  ino: number;
  index: number;
  generation: number;
}

export class Pmem {
  readonly nrPages: number;
  readonly idleRefcount: number;
  /** Every frame's bytes: pfn * PAGE_SIZE is the frame's first byte. */
  readonly frames: Uint8Array;
  /** The struct-page array: PAGE_CELLS Int32 per pfn. */
  readonly pages: Int32Array;
  /** The ownership epoch, cell 0 (see the header). */
  readonly epoch: Int32Array;
  readonly buffers: PmemBuffers;

  private constructor(buffers: PmemBuffers) {
    this.buffers = buffers;
    this.nrPages = buffers.nrPages;
    this.idleRefcount = buffers.idleRefcount;
    this.frames = new Uint8Array(buffers.frames);
    this.pages = new Int32Array(buffers.pages);
    this.epoch = new Int32Array(buffers.epoch);
  }

  /** Create a device of `nrPages` 4 KiB frames. Frames and struct pages start zeroed. */
  static create(nrPages: number, opts: { idleRefcount?: 0 | 1 } = {}): Pmem {
    if (!Number.isInteger(nrPages) || nrPages < 1 || nrPages > MAX_PMEM_PAGES) {
      throw new RangeError(`pmem: nrPages must be an integer in 1..${MAX_PMEM_PAGES}, got ${nrPages}`);
    }
    const idleRefcount = opts.idleRefcount ?? 1;
    return new Pmem({
      nrPages,
      idleRefcount,
      frames: new SharedArrayBuffer(nrPages * PAGE_SIZE),
      pages: new SharedArrayBuffer(nrPages * STRUCT_PAGE_BYTES),
      epoch: new SharedArrayBuffer(EPOCH_BYTES),
    });
  }

  /** Attach to a device created elsewhere (another thread) from its buffers. */
  static attach(buffers: PmemBuffers): Pmem {
    if (buffers.frames.byteLength !== buffers.nrPages * PAGE_SIZE || buffers.pages.byteLength !== buffers.nrPages * STRUCT_PAGE_BYTES || buffers.epoch?.byteLength !== EPOCH_BYTES) {
      throw new RangeError('pmem: buffers do not match nrPages');
    }
    return new Pmem(buffers);
  }

  /** Index into `pages` of the pfn's refcount cell (what a waiter waits on). */
  refcountCell(pfn: number): number {
    return pfn * PAGE_CELLS + PG_REFCOUNT;
  }

  /** page_ref_count() */
  refcount(pfn: number): number {
    return Atomics.load(this.pages, pfn * PAGE_CELLS + PG_REFCOUNT);
  }

  /** get_page() / a pin's reference: returns the new count. */
  getPage(pfn: number, n = 1): number {
    return Atomics.add(this.pages, pfn * PAGE_CELLS + PG_REFCOUNT, n) + n;
  }

  /**
   * put_page() / unpin: returns the new count. Dropping to idle wakes whoever waits on the
   * refcount, as the fsdax page-free hook does (`wake_up_var(&page->_refcount)`, fs/dax.c).
   */
  putPage(pfn: number, n = 1): number {
    const cell = pfn * PAGE_CELLS + PG_REFCOUNT;
    const now = Atomics.sub(this.pages, cell, n) - n;
    if (now <= this.idleRefcount) Atomics.notify(this.pages, cell);
    return now;
  }

  /** Set the refcount outright (the allocator, when a never-used frame is first handed out). */
  setRefcount(pfn: number, value: number): void {
    Atomics.store(this.pages, pfn * PAGE_CELLS + PG_REFCOUNT, value);
  }

  /** True if the page holds references beyond the idle one (GUP pins, DMA in flight). */
  isBusy(pfn: number): boolean {
    return this.refcount(pfn) > this.idleRefcount;
  }

  /** The raw owner-ino cell: > 0 owned, <= 0 free. Kernel-side, no seqcount. */
  inoRaw(pfn: number): number {
    return Atomics.load(this.pages, pfn * PAGE_CELLS + PG_INO);
  }

  indexRaw(pfn: number): number {
    return Atomics.load(this.pages, pfn * PAGE_CELLS + PG_INDEX) >>> 0;
  }

  generation(pfn: number): number {
    return Atomics.load(this.pages, pfn * PAGE_CELLS + PG_GEN);
  }

  /** A consistent (ino, index, generation) triple, safe against a concurrent owner change. */
  owner(pfn: number): PageOwner {
    const base = pfn * PAGE_CELLS;
    for (;;) {
      const g1 = Atomics.load(this.pages, base + PG_GEN);
      if ((g1 & 1) === 0) {
        const ino = Atomics.load(this.pages, base + PG_INO);
        const index = Atomics.load(this.pages, base + PG_INDEX) >>> 0;
        if (Atomics.load(this.pages, base + PG_GEN) === g1) {
          return ino > 0 ? { ino, index, generation: g1 } : { ino: 0, index: 0, generation: g1 };
        }
      }
    }
  }

  /**
   * owner() into a caller's object, allocating nothing (the NIC reads one per page DMA). The same
   * seqcount read, with the owner cells between the two Atomics loads of the generation read as
   * plain loads (an Atomics.load is a call, several ns; the generation check catches a torn
   * pair, as in the kernel's read_seqcount_retry); `out` is returned.
   */
  ownerInto(pfn: number, out: MutablePageOwner): MutablePageOwner {
    const pages = this.pages;
    const base = pfn * PAGE_CELLS;
    for (;;) {
      const g1 = Atomics.load(pages, base + PG_GEN);
      if ((g1 & 1) === 0) {
        const ino = pages[base + PG_INO]!;
        const index = pages[base + PG_INDEX]! >>> 0;
        if (Atomics.load(pages, base + PG_GEN) === g1) {
          out.ino = ino > 0 ? ino : 0;
          out.index = ino > 0 ? index : 0;
          out.generation = g1;
          return out;
        }
      }
    }
  }

  /**
   * Change ownership (kernel only). `ino` > 0 assigns the block to a file block; `ino` <= 0
   * marks it free with `link` as the allocator's payload. Bumps the generation by 2.
   */
  setOwner(pfn: number, ino: number, indexOrLink: number): void {
    const base = pfn * PAGE_CELLS;
    Atomics.add(this.epoch, 0, 1);
    Atomics.add(this.pages, base + PG_GEN, 1);
    Atomics.store(this.pages, base + PG_INO, ino);
    Atomics.store(this.pages, base + PG_INDEX, indexOrLink | 0);
    Atomics.add(this.pages, base + PG_GEN, 1);
    Atomics.add(this.epoch, 0, 1);
  }

  /**
   * The ownership epoch (mmu_interval_read_begin): even when no ownership change is under way.
   * Owner cells read with ownerPlainInto after an even epoch E, and before a load that gives E
   * again, are what they were all along.
   */
  ownerEpoch(): number {
    return Atomics.load(this.epoch, 0);
  }

  /**
   * The owner cells with plain loads, no seqcount: valid only between two ownerEpoch() loads
   * that gave the same even value (see ownerEpoch); otherwise it may be torn.
   */
  ownerPlainInto(pfn: number, out: MutablePageOwner): MutablePageOwner {
    const pages = this.pages;
    const base = pfn * PAGE_CELLS;
    const ino = pages[base + PG_INO]!;
    out.ino = ino > 0 ? ino : 0;
    out.index = ino > 0 ? pages[base + PG_INDEX]! >>> 0 : 0;
    out.generation = pages[base + PG_GEN]!;
    return out;
  }

  /** Rewrite the free-list links of a free page: not an ownership change, no generation bump. */
  setFreeLinks(pfn: number, inoCell: number, indexCell: number): void {
    const base = pfn * PAGE_CELLS;
    Atomics.store(this.pages, base + PG_INO, inoCell);
    Atomics.store(this.pages, base + PG_INDEX, indexCell);
  }

  /** The frame's bytes as a view (no copy). */
  frame(pfn: number): Uint8Array {
    return this.frames.subarray(pfn * PAGE_SIZE, (pfn + 1) * PAGE_SIZE);
  }

  /** Zero `len` bytes of a frame from `off` (clear_pmem / dax_zero_page_range). */
  zero(pfn: number, off = 0, len = PAGE_SIZE - off): void {
    const start = pfn * PAGE_SIZE + off;
    this.frames.fill(0, start, start + len);
  }
}
