/**
 * The memory-region table in shared memory: what the NIC reads to turn (MR, offset) into a pmem
 * frame, with no kernel on the data path. The kernel writes it at ibv_reg_mr / ibv_dereg_mr and
 * on ODP invalidation; the NIC thread reads it with Atomics.
 *
 * Slot layout (Int32 cells): a header of MR_HDR cells, then MR_MAX_PAGES pfn cells.
 *   [MR_STATE]  MR_FREE | MR_VALID (registered) | MR_DEAD (deregistered: the NIC must fail WRs)
 *   [MR_OWNER]  pid of the registering process
 *   [MR_NPAGES] pages covered
 *   [MR_ODP]    1 for on-demand paging (pfn cells start at -1 and are filled by faults)
 *   [MR_INO]    the inode the MR was registered over (the DMA's intended file)
 *   [MR_PGOFF]  file page of the MR's first page (intended offset = (pgoff + i) pages)
 *   [MR_SEQ]    bumped on every change (registration, invalidation), for the NIC's retries
 *   [MR_KEY]    the lkey/rkey (slot + generation), so a stale key after re-registration fails
 *   [MR_BUSY]   DMAs in flight: the NIC raises it before reading a pfn cell and drops it once the
 *               bytes are written — after each page, or after a run of pages with no await in
 *               between (it checks MR_STATE and MR_KEY as the run starts, and the pfn cell at
 *               every page of it); invalidation and deregistration wait for the run in flight to
 *               end after clearing the cells (mrFence: the HCA's translation-update fence)
 *   [MR_RUNS]   runs of MR_BUSY the NIC has ended (it adds 1 as it drops MR_BUSY): a fence waits
 *               for MR_BUSY to reach 0 or for the run it saw to end, so a NIC that starts run
 *               after run on the MR cannot starve it
 *   [MR_FENCING] fences waiting on MR_BUSY (the kernel raises it, after clearing the cells,
 *               before it looks at MR_BUSY): the NIC notifies MR_BUSY as it drops it only when this
 *               is non-zero, and reads it as a run starts, which orders the run's plain reads of
 *               the pfn cells after any clearing a fence waits on
 *   pfn cell    >= 0 frame; -1 not present (ODP: fault it in through the kernel)
 */

export const MR_SLOTS = 128;
export const MR_HDR = 16;
/** 64 MiB per MR. */
export const MR_MAX_PAGES = 16384;
export const MR_SLOT_CELLS = MR_HDR + MR_MAX_PAGES;
export const MR_TABLE_BYTES = MR_SLOTS * MR_SLOT_CELLS * 4;

export const MR_STATE = 0;
export const MR_OWNER = 1;
export const MR_NPAGES = 2;
export const MR_ODP = 3;
export const MR_INO = 4;
export const MR_PGOFF = 5;
export const MR_SEQ = 6;
export const MR_KEY = 7;
export const MR_BUSY = 8;
export const MR_RUNS = 9;
export const MR_FENCING = 10;

export const MR_FREE = 0;
export const MR_VALID = 1;
export const MR_DEAD = 2;

export const PFN_NONE = -1;

/** Index of cell `cell` of MR slot `slot`. */
export function mrCell(slot: number, cell: number): number {
  return slot * MR_SLOT_CELLS + cell;
}

/** Index of the pfn cell of page `i` of MR slot `slot`. */
export function mrPfnCell(slot: number, i: number): number {
  return slot * MR_SLOT_CELLS + MR_HDR + i;
}

/** The slot an lkey/rkey names (keys are slot | generation << 8). */
export function mrSlotOfKey(key: number): number {
  return key & 0xff;
}

/**
 * The kernel's side of the MR_BUSY fence, called after the pfn cells of MR `slot` were cleared
 * (and, for a deregistration, the MR marked dead): return once no DMA that may have read a
 * cleared cell is still in flight — MR_BUSY is 0, or the run that held it when we looked has
 * ended (MR_RUNS moved on; any run after that one reads the cells as they are now). Waits at most
 * one run of the NIC, however busy it keeps the MR. Blocks the calling thread (Atomics.wait, in
 * 1 ms slices, woken by the NIC's notify on MR_BUSY). MR_FENCING is raised before MR_BUSY is
 * looked at: a NIC that drops MR_BUSY after that sees it and notifies; one that dropped it before
 * left MR_BUSY at 0 (or a later run's value) for us to see.
 */
export function mrFence(table: Int32Array, slot: number): void {
  const busy = mrCell(slot, MR_BUSY);
  const fencing = mrCell(slot, MR_FENCING);
  Atomics.add(table, fencing, 1);
  try {
    let v = Atomics.load(table, busy);
    if (v <= 0) return;
    const runs = Atomics.load(table, mrCell(slot, MR_RUNS));
    while (v > 0 && Atomics.load(table, mrCell(slot, MR_RUNS)) === runs) {
      Atomics.wait(table, busy, v, 1);
      v = Atomics.load(table, busy);
    }
  } finally {
    Atomics.sub(table, fencing, 1);
  }
}
