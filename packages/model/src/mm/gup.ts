/**
 * get_user_pages / pin_user_pages (mm/gup.c): fault a process's DAX mapping in and take a
 * reference on each page frame, so DMA can target it. FOLL_LONGTERM pins (RDMA registration)
 * are gated by the policy: refused on fsdax with EOPNOTSUPP (check_vma_flags, 4.15+), allowed
 * only under a layout lease (EPERM otherwise; Ira Weiny's 2019 RFC), or allowed (plain GUP,
 * ≤ 4.14; or forced by the allowLongtermPin knob).
 *
 * A pin is a page reference (page->_refcount + 1, via Atomics): that is what makes the page
 * "busy" to dax_layout_busy_page, and what outlives truncate when nothing waits for it.
 */
import type { Kernel } from '../kernel/kernel.js';
import { type SysResult, err, ok } from '../kernel/errno.js';
import type { Task } from '../kernel/task.js';
import { PAGE_SIZE } from './pmem.js';

export const FOLL_WRITE = 0x01;
export const FOLL_LONGTERM = 0x10000;

/** One pinned page: the frame, and which file block it was when pinned (the DMA's intent). */
export interface PinnedPage {
  readonly pfn: number;
  readonly ino: number;
  readonly index: number;
}

/** One pin_user_pages call's pages, held until unpin (ibv_dereg_mr, DIO completion, exit). */
export interface PinSet {
  readonly id: number;
  readonly pid: number;
  readonly longterm: boolean;
  readonly write: boolean;
  readonly pages: PinnedPage[];
  released: boolean;
}

/** The kernel's record of pins in force (GUP does not keep one; the model does, for the audit). */
export class Pins {
  private nextId = 1;
  readonly sets = new Map<number, PinSet>();
  /** Long-term pins per pfn (a busy page with one is "actively pinned" to the 2019 RFCs). */
  readonly longterm = new Map<number, number>();

  add(pid: number, pages: PinnedPage[], longterm: boolean, write: boolean): PinSet {
    const set: PinSet = { id: this.nextId++, pid, longterm, write, pages: [], released: false };
    this.sets.set(set.id, set);
    for (const p of pages) this.addPage(set, p);
    return set;
  }

  /** A page pinned into a set still being built (GUP is between pages: the page is already busy). */
  addPage(set: PinSet, p: PinnedPage): void {
    set.pages.push(p);
    if (set.longterm) this.longterm.set(p.pfn, (this.longterm.get(p.pfn) ?? 0) + 1);
  }

  remove(set: PinSet): void {
    if (set.released) return;
    set.released = true;
    this.sets.delete(set.id);
    if (set.longterm) {
      for (const p of set.pages) {
        const n = (this.longterm.get(p.pfn) ?? 0) - 1;
        if (n <= 0) this.longterm.delete(p.pfn);
        else this.longterm.set(p.pfn, n);
      }
    }
  }

  isLongtermPinned(pfn: number): boolean {
    return (this.longterm.get(pfn) ?? 0) > 0;
  }

  /** References pins hold on `pfn` (fsck's extraRefs). */
  refsOf(pfn: number): number {
    let n = 0;
    for (const s of this.sets.values()) for (const p of s.pages) if (p.pfn === pfn) n++;
    return n;
  }

  /** Every pin still held by `pid`. */
  heldBy(pid: number): PinSet[] {
    return [...this.sets.values()].filter((s) => s.pid === pid);
  }
}

/**
 * The policy's answer to FOLL_LONGTERM on an fsdax inode (check_vma_flags, and the RFC's
 * layout-lease check: any FL_LAYOUT lease on the inode will do, not only the caller's).
 */
export function longtermPinAllowed(k: Kernel, ino: number): 'EOPNOTSUPP' | 'EPERM' | null {
  if (k.policy.knobs.allowLongtermPin) return null;
  switch (k.policy.longtermPin) {
    case 'allow':
      return null;
    case 'EOPNOTSUPP':
      return 'EOPNOTSUPP';
    case 'needs-layout-lease': {
      const inode = k.sb.inodes.get(ino);
      return inode !== undefined && k.locks.hasLeases(inode, true) ? null : 'EPERM';
    }
  }
}

/**
 * pin_user_pages(addr, npages, gup_flags): fault each page in (taking the invalidate lock shared,
 * as a fault does, so a layout change in progress holds GUP back) and pin it.
 * Return: the pin set, or EFAULT (no mapping, past EOF, no space), EOPNOTSUPP / EPERM (the
 * long-term gate), EINVAL (no pages). Nothing stays pinned on failure.
 */
export async function pinUserPages(k: Kernel, task: Task, addr: number, npages: number, gupFlags: number): Promise<SysResult<PinSet>> {
  if (!Number.isSafeInteger(addr) || !Number.isInteger(npages) || npages <= 0) return err('EINVAL');
  const longterm = (gupFlags & FOLL_LONGTERM) !== 0;
  const write = (gupFlags & FOLL_WRITE) !== 0;
  // The set is in force from the first page on: a layout break scanning meanwhile sees its pages.
  const set = k.pins.add(task.pid, [], longterm, write);
  const pages = set.pages;
  const undo = (): void => {
    k.pins.remove(set);
    for (const p of pages) k.pmem.putPage(p.pfn);
  };
  for (let i = 0; i < npages; i++) {
    const a = addr + i * PAGE_SIZE;
    const hit = k.vmaAt(task.pid, a);
    if (hit === undefined) {
      undo();
      return err('EFAULT');
    }
    const inode = hit.file.inode;
    if (longterm) {
      const no = longtermPinAllowed(k, inode.ino);
      if (no !== null) {
        undo();
        return err(no);
      }
    }
    await inode.invalidateLock.downRead(task);
    const index = Math.floor((a - hit.vma.start) / PAGE_SIZE);
    const f = k.fault(hit.vma, index, write);
    if (f.ok) k.pmem.getPage(f.pte);
    inode.invalidateLock.upRead(task);
    if (!f.ok || f.pte < 0) {
      undo();
      return err('EFAULT');
    }
    k.pins.addPage(set, { pfn: f.pte, ino: inode.ino, index: hit.vma.pgoff + index });
  }
  k.emit({ kind: 'gup.pin', t: k.clock.now(), pid: task.pid, pin: set.id, pfns: pages.map((p) => p.pfn), longterm });
  return ok(set);
}

/** unpin_user_pages(): drop the references; a page going idle wakes whoever waits on it. */
export function unpinUserPages(k: Kernel, set: PinSet): void {
  if (set.released) return;
  k.pins.remove(set);
  for (const p of set.pages) k.pmem.putPage(p.pfn);
  k.emit({ kind: 'gup.unpin', t: k.clock.now(), pid: set.pid, pin: set.id });
}
