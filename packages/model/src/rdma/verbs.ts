/**
 * RDMA memory registration, kernel side (drivers/infiniband/core/umem.c, umem_odp.c):
 * ibv_reg_mr pins the range long-term (pin_user_pages FOLL_LONGTERM|FOLL_WRITE, subject to the
 * policy's gate) and publishes its pfn list in the shared MR table for the NIC; ibv_dereg_mr
 * unpins. On-demand-paging MRs (the `odp` policy) pin nothing: their pfn cells start empty, the
 * NIC faults them in by virtual address through the owner's VMA (so by file offset), and any
 * layout change invalidates them (the MMU notifier) — no waiting, no stale DMA.
 */
import type { Kernel } from '../kernel/kernel.js';
import { type SysResult, err, ok } from '../kernel/errno.js';
import type { Task } from '../kernel/task.js';
import type { Inode } from '../fs/inode.js';
import { FOLL_LONGTERM, FOLL_WRITE, type PinSet, pinUserPages, unpinUserPages } from '../mm/gup.js';
import { PAGE_SIZE } from '../mm/pmem.js';
import {
  MR_DEAD,
  MR_FREE,
  MR_INO,
  MR_KEY,
  MR_MAX_PAGES,
  MR_NPAGES,
  MR_ODP,
  MR_OWNER,
  MR_PGOFF,
  MR_SEQ,
  MR_SLOTS,
  MR_STATE,
  MR_VALID,
  PFN_NONE,
  mrCell,
  mrFence,
  mrPfnCell,
  mrSlotOfKey,
} from './mr_table.js';

interface Mr {
  readonly slot: number;
  readonly key: number;
  readonly pid: number;
  readonly addr: number;
  readonly npages: number;
  readonly odp: boolean;
  readonly inode: Inode;
  readonly pgoff: number;
  readonly pins: PinSet | null;
}

export class Verbs {
  private readonly k: Kernel;
  readonly table: Int32Array;
  private readonly mrs = new Map<number, Mr>();
  private readonly gens = new Uint8Array(MR_SLOTS);

  constructor(k: Kernel, table: SharedArrayBuffer) {
    this.k = k;
    this.table = new Int32Array(table);
  }

  /** MRs registered by `pid` (keys). */
  keysOf(pid: number): number[] {
    return [...this.mrs.values()].filter((m) => m.pid === pid).map((m) => m.key);
  }

  /** Does any MR still pin pages of `inode`? (jan-keep-lease) */
  pinnedOn(inode: Inode): boolean {
    return [...this.mrs.values()].some((m) => m.inode === inode && m.pins !== null);
  }

  /**
   * ibv_reg_mr(pd, addr, length, IBV_ACCESS_LOCAL_WRITE|REMOTE_WRITE|REMOTE_READ).
   * Return: the key (lkey = rkey), or EINVAL (bad length), EFAULT (not one mapping), ENOMEM (no
   * slot), or the long-term pin's errno: EOPNOTSUPP (mainline), EPERM (no layout lease, RFC).
   */
  async regMr(task: Task, addr: number, length: number): Promise<SysResult<number>> {
    if (!Number.isSafeInteger(length) || length <= 0 || !Number.isSafeInteger(addr)) return err('EINVAL');
    const npages = Math.ceil(((addr % PAGE_SIZE) + length) / PAGE_SIZE);
    if (npages > MR_MAX_PAGES) return err('ENOMEM');
    const hit = this.k.vmaAt(task.pid, addr);
    if (hit === undefined || addr + length > hit.vma.end) return err('EFAULT');
    let slot = -1;
    for (let i = 0; i < MR_SLOTS; i++) if (Atomics.load(this.table, mrCell(i, MR_STATE)) !== MR_VALID && !this.mrs.has(i)) {
      slot = i;
      break;
    }
    if (slot < 0) return err('ENOMEM');
    const first = addr - (addr % PAGE_SIZE);
    const odp = this.k.policy.odp;
    let pins: PinSet | null = null;
    if (!odp) {
      const p = await pinUserPages(this.k, task, first, npages, FOLL_LONGTERM | FOLL_WRITE);
      if (!p.ok) return p;
      pins = p.value;
    }
    this.gens[slot] = (this.gens[slot]! + 1) & 0x7f;
    const key = slot | (this.gens[slot]! << 8);
    const t = this.table;
    for (let i = 0; i < npages; i++) Atomics.store(t, mrPfnCell(slot, i), pins === null ? PFN_NONE : pins.pages[i]!.pfn);
    Atomics.store(t, mrCell(slot, MR_OWNER), task.pid);
    Atomics.store(t, mrCell(slot, MR_NPAGES), npages);
    Atomics.store(t, mrCell(slot, MR_ODP), odp ? 1 : 0);
    Atomics.store(t, mrCell(slot, MR_INO), hit.file.inode.ino);
    const pgoff = hit.vma.pgoff + Math.floor((first - hit.vma.start) / PAGE_SIZE);
    Atomics.store(t, mrCell(slot, MR_PGOFF), pgoff);
    Atomics.store(t, mrCell(slot, MR_KEY), key);
    Atomics.add(t, mrCell(slot, MR_SEQ), 1);
    Atomics.store(t, mrCell(slot, MR_STATE), MR_VALID); // publish last
    this.mrs.set(slot, { slot, key, pid: task.pid, addr: first, npages, odp, inode: hit.file.inode, pgoff, pins });
    this.k.emit({ kind: 'mr.reg', t: this.k.clock.now(), pid: task.pid, key, ino: hit.file.inode.ino, pgoff, npages, odp });
    return ok(key);
  }

  /**
   * Wait out DMAs in flight on MR `slot` (the NIC holds MR_BUSY across a page's copy, or a run
   * of at most 16 pages: a few µs). Called after the pfn cells were cleared, so no new DMA can
   * start on the old frames; it waits for the run in flight, not for the NIC to stop (mrFence).
   */
  private fence(slot: number): void {
    mrFence(this.table, slot);
  }

  private find(task: Task | null, key: number): Mr | undefined {
    const m = this.mrs.get(mrSlotOfKey(key));
    if (m === undefined || m.key !== key || (task !== null && m.pid !== task.pid)) return undefined;
    return m;
  }

  /** ibv_dereg_mr(): the NIC sees the MR dead at once; the pins go. EINVAL for a bad key. */
  deregMr(task: Task | null, key: number): SysResult<0> {
    const m = this.find(task, key);
    if (m === undefined) return err('EINVAL');
    const t = this.table;
    Atomics.store(t, mrCell(m.slot, MR_STATE), MR_DEAD);
    Atomics.add(t, mrCell(m.slot, MR_SEQ), 1);
    for (let i = 0; i < m.npages; i++) Atomics.store(t, mrPfnCell(m.slot, i), PFN_NONE);
    this.fence(m.slot);
    if (m.pins !== null) unpinUserPages(this.k, m.pins);
    this.mrs.delete(m.slot);
    Atomics.store(t, mrCell(m.slot, MR_STATE), MR_FREE);
    this.k.emit({ kind: 'mr.dereg', t: this.k.clock.now(), pid: m.pid, key });
    return ok(0);
  }

  /** Process exit closes the uverbs file: every MR it registered is deregistered. */
  releaseTask(pid: number): void {
    for (const m of [...this.mrs.values()]) if (m.pid === pid) this.deregMr(null, m.key);
  }

  /** The MMU-notifier invalidation of ODP MRs over file pages [first, last] of `inode`. */
  invalidate(inode: Inode, first: number, last: number): void {
    for (const m of this.mrs.values()) {
      if (!m.odp || m.inode !== inode) continue;
      let hit = false;
      for (let i = 0; i < m.npages; i++) {
        const pg = m.pgoff + i;
        if (pg < first || pg > last) continue;
        if (Atomics.exchange(this.table, mrPfnCell(m.slot, i), PFN_NONE) !== PFN_NONE) hit = true;
      }
      if (hit) {
        Atomics.add(this.table, mrCell(m.slot, MR_SEQ), 1);
        this.fence(m.slot);
      }
    }
  }

  /**
   * The NIC's page fault on an ODP MR (ib_umem_odp_map_dma_and_lock → hmm_range_fault): through
   * the owner's VMA, so by virtual address and therefore by file offset. Return: the pfn, or
   * EFAULT (MR gone, mapping gone, page past EOF: the work request completes in error).
   */
  async odpFault(key: number, page: number, write: boolean): Promise<SysResult<number>> {
    const m = this.find(null, key);
    if (m === undefined || !m.odp || page < 0 || page >= m.npages) return err('EFAULT');
    const owner = this.k.tasks.get(m.pid);
    if (owner === undefined || owner.exited) return err('EFAULT');
    const addr = m.addr + page * PAGE_SIZE;
    const hit = this.k.vmaAt(m.pid, addr);
    if (hit === undefined) return err('EFAULT');
    const inode = hit.file.inode;
    await inode.invalidateLock.downRead(owner);
    try {
      const f = this.k.fault(hit.vma, Math.floor((addr - hit.vma.start) / PAGE_SIZE), write);
      if (!f.ok || f.pte < 0) return err('EFAULT');
      Atomics.store(this.table, mrPfnCell(m.slot, page), f.pte);
      return ok(f.pte);
    } finally {
      inode.invalidateLock.upRead(owner);
    }
  }
}
