/**
 * Virtual memory areas and their page tables (the model's mm/mmap.c and mm/memory.c).
 *
 * A DAX mapping's page table is an Int32Array over a SharedArrayBuffer, one entry per page of the
 * VMA: the pfn of the pmem frame that file page lives in, PTE_NONE, or PTE_ZERO (the shared zero
 * page a read fault of a hole maps, read-only). A process thread reads its entries with Atomics and
 * touches pmem directly; the kernel fills entries in the fault path and clears them when the file's
 * layout changes (unmap_mapping_range) or on munmap.
 */
import { PAGE_SIZE, type Pmem } from './pmem.js';

export const PTE_NONE = -1;
export const PTE_ZERO = -2;
/** A page of the VMA removed by a partial munmap: touching it is SIGSEGV. */
export const PTE_UNMAPPED = -3;

/** First address handed out by mmap (a typical x86_64 mmap_base region). */
export const MMAP_BASE = 0x7f00_0000_0000;

/** What a process thread needs to walk a VMA's page table itself. Structured-clonable. */
export interface VmaShared {
  readonly start: number;
  readonly pages: number;
  readonly prot: number;
  readonly pte: SharedArrayBuffer;
}

export class Vma {
  readonly start: number;
  readonly pages: number;
  /** File page mapped at `start` (vm_pgoff). */
  readonly pgoff: number;
  readonly prot: number;
  readonly shared: boolean;
  readonly pid: number;
  readonly pte: Int32Array;
  readonly buffer: SharedArrayBuffer;

  constructor(args: { start: number; pages: number; pgoff: number; prot: number; shared: boolean; pid: number }) {
    this.start = args.start;
    this.pages = args.pages;
    this.pgoff = args.pgoff;
    this.prot = args.prot;
    this.shared = args.shared;
    this.pid = args.pid;
    this.buffer = new SharedArrayBuffer(args.pages * Int32Array.BYTES_PER_ELEMENT);
    this.pte = new Int32Array(this.buffer).fill(PTE_NONE);
  }

  get end(): number {
    return this.start + this.pages * PAGE_SIZE;
  }

  toShared(): VmaShared {
    return { start: this.start, pages: this.pages, prot: this.prot, pte: this.buffer };
  }

  /** Clear entries for file pages [first, last] (zap_page_range). Returns how many were present. */
  zapFilePages(pmem: Pmem, first: number, last: number, mapHoldsRef: boolean): number {
    const from = Math.max(first, this.pgoff) - this.pgoff;
    const to = Math.min(last, this.pgoff + this.pages - 1) - this.pgoff;
    let n = 0;
    for (let i = from; i <= to; i++) {
      if (Atomics.load(this.pte, i) === PTE_UNMAPPED) continue;
      const old = Atomics.exchange(this.pte, i, PTE_NONE);
      if (old >= 0) {
        n++;
        if (mapHoldsRef) pmem.putPage(old);
      }
    }
    return n;
  }

  /** Tear down VMA pages [from, to) (munmap): entries become PTE_UNMAPPED. */
  unmapPages(pmem: Pmem, from: number, to: number, mapHoldsRef: boolean): void {
    for (let i = from; i < to; i++) {
      const old = Atomics.exchange(this.pte, i, PTE_UNMAPPED);
      if (old >= 0 && mapHoldsRef) pmem.putPage(old);
    }
  }

  /** True once every page has been unmapped. */
  get empty(): boolean {
    for (let i = 0; i < this.pages; i++) if (Atomics.load(this.pte, i) !== PTE_UNMAPPED) return false;
    return true;
  }
}

/** A process's address space (struct mm_struct): its VMAs, sorted by address. */
export class MmStruct {
  private readonly vmas: Vma[] = [];
  private nextAddr = MMAP_BASE;

  /** get_unmapped_area(): the next free range, never reused (addresses stay unique in a run). */
  unmappedArea(pages: number): number {
    const addr = this.nextAddr;
    this.nextAddr += (pages + 1) * PAGE_SIZE; // a guard page between mappings
    return addr;
  }

  insert(vma: Vma): void {
    let i = this.vmas.length;
    while (i > 0 && this.vmas[i - 1]!.start > vma.start) i--;
    this.vmas.splice(i, 0, vma);
  }

  /** find_vma(): the VMA containing addr, if any. */
  find(addr: number): Vma | undefined {
    return this.vmas.find((v) => addr >= v.start && addr < v.end);
  }

  /** VMAs overlapping [addr, addr+len). */
  overlapping(addr: number, len: number): Vma[] {
    const end = addr + len;
    return this.vmas.filter((v) => v.start < end && v.end > addr);
  }

  remove(vma: Vma): void {
    const i = this.vmas.indexOf(vma);
    if (i >= 0) this.vmas.splice(i, 1);
  }

  all(): readonly Vma[] {
    return this.vmas;
  }
}
