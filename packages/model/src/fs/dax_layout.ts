/**
 * Breaking DAX layouts before a layout change (fs/dax.c dax_layout_busy_page, the ext4/XFS wait
 * loops of 2018, and the 2019 RFC variants), as the policy says:
 *
 *   ira-rfc-2019:  break_layout() first — SIGIO to the layout-lease holder, wait ≤ lease-break-time;
 *   every policy:  loop { page = dax_layout_busy_page(); none → done;
 *                         long-term pinned and the policy says ETXTBSY → fail;
 *                         drop the invalidate lock (ext4 i_mmap_sem / XFS MMAPLOCK), sleep until
 *                         the page is idle (interruptible: EINTR), retake it, rescan };
 *   xfs-2018:      then recall FL_LAYOUT leases (pNFS: no deadline).
 *
 * The caller holds i_rwsem and the invalidate lock (write) throughout, as ext4_break_layouts
 * requires; i_rwsem stays held while waiting, so later writers and truncaters of the file queue
 * behind a wait that a long-term pin can make endless — the hang of the seed threads.
 */
import type { Kernel } from '../kernel/kernel.js';
import type { Errno } from '../kernel/errno.js';
import { O_WRONLY } from '../kernel/flags.js';
import type { Task } from '../kernel/task.js';
import type { Inode } from './inode.js';

/** The layout change about to happen, in file blocks. */
export interface LayoutChangeRange {
  readonly op: 'truncate' | 'punch' | 'collapse' | 'insert' | 'zero' | 'allocate';
  /** First file block affected. */
  readonly first: number;
  /** Last file block affected (inclusive). */
  readonly last: number;
}

/**
 * dax_layout_busy_page(): unmap the user mappings (so new GUP must fault and block on the
 * invalidate lock), then return the first page whose refcount is above idle, or null.
 * Before v6.15 it returns null at once when nothing maps the file (skipWaitWhenUnmapped):
 * a pinner that munmap()ed escapes. The 2018 form scans the whole file; the RFC's ranged form
 * (dax_layout_busy_page_range) only the blocks being changed.
 */
export function daxLayoutBusyPage(k: Kernel, inode: Inode, range: LayoutChangeRange): number | null {
  if (!inode.mapped && k.policy.knobs.skipWaitWhenUnmapped) return null;
  const ranged = k.policy.pinnedBusy === 'ETXTBSY';
  const first = ranged ? range.first : 0;
  const last = ranged ? range.last : Number.MAX_SAFE_INTEGER;
  k.sb.unmapMappingRange(inode, first, last);
  // The kernel walks the file's DAX entries, which exist only for pages that were faulted in; once
  // the mappings are gone, only a GUP reference can keep one busy. So the candidates are the
  // frames of pins in force that this file still owns in the range — the same answer as walking
  // every block, without the cost of a whole-file walk per truncate.
  let best: { pfn: number; index: number } | null = null;
  for (const set of k.pins.sets.values()) {
    for (const p of set.pages) {
      const o = k.pmem.owner(p.pfn);
      if (o.ino !== inode.ino || o.index < first || o.index > last || !k.pmem.isBusy(p.pfn)) continue;
      if (best === null || o.index < best.index) best = { pfn: p.pfn, index: o.index };
    }
  }
  if (best !== null) return best.pfn;
  return null;
}

export interface BreakResult {
  readonly errno: Errno | null;
  /** The change had to wait for a busy page (or a layout lease) before it could go on. */
  readonly waited: boolean;
}

/** Does this policy break layouts for this operation? (ext4 v3 skipped insert; XFS breaks on all.) */
export function breaksFor(k: Kernel, range: LayoutChangeRange, growing: boolean): boolean {
  const on = k.policy.breakLayoutsOn;
  switch (range.op) {
    case 'truncate':
      return growing ? on.truncateUp : on.truncateDown;
    case 'punch':
      return on.punch;
    case 'collapse':
      return on.collapse;
    case 'insert':
      return on.insert;
    case 'zero':
      return on.zero;
    case 'allocate':
      return on.allocate;
  }
}

/** ext4_break_layouts / xfs_break_layouts, per the policy. Caller holds both inode locks (write). */
export async function daxBreakLayouts(k: Kernel, task: Task, inode: Inode, range: LayoutChangeRange): Promise<BreakResult> {
  const pol = k.policy;
  let waited = false;
  if (pol.layoutLeaseBreak === 'before-wait' && k.locks.hasLeases(inode, true)) {
    // Ira's ext4_break_layouts: a blocking break_layout() first (SIGIO, ≤ lease-break-time).
    const t0 = k.clock.now();
    const e = await k.locks.breakLease(task, inode, O_WRONLY, true);
    waited = k.clock.now() > t0;
    if (e !== null) return { errno: e, waited };
  }
  const fn = pol.fs === 'xfs' ? 'xfs_break_dax_layouts' : 'ext4_break_layouts';
  for (;;) {
    const pfn = daxLayoutBusyPage(k, inode, range);
    if (pfn === null) break;
    if (pol.pinnedBusy === 'ETXTBSY' && k.pins.isLongtermPinned(pfn)) {
      k.emit({ kind: 'dax.busy', t: k.clock.now(), pid: task.pid, ino: inode.ino, pfn, fn, action: 'ETXTBSY' });
      return { errno: 'ETXTBSY', waited };
    }
    waited = true;
    k.emit({ kind: 'dax.busy', t: k.clock.now(), pid: task.pid, ino: inode.ino, pfn, fn, action: 'wait' });
    inode.invalidateLock.upWrite();
    const r = await k.waitPageIdle(task, pfn, inode.ino);
    await inode.invalidateLock.downWrite(task);
    k.emit({ kind: 'dax.busy.done', t: k.clock.now(), pid: task.pid, ino: inode.ino, pfn, result: r === null ? 'idle' : r });
    if (r !== null) return { errno: r, waited };
  }
  if (pol.layoutLeaseBreak === 'pnfs' && k.locks.hasLeases(inode, true)) {
    // xfs_break_leased_layouts: recall pNFS layouts; nfsd sets no deadline.
    const t0 = k.clock.now();
    const e = await k.locks.breakLease(task, inode, O_WRONLY, true);
    waited ||= k.clock.now() > t0;
    if (e !== null) return { errno: e, waited };
  }
  return { errno: null, waited };
}
