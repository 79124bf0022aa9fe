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
 *               page's bytes are written; invalidation and deregistration wait for it to reach 0
 *               after clearing the cells (the HCA's translation-update fence)
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
