/**
 * The simulated NIC's shared memory: one queue pair per process in `ctx.shared.qps[i]` (a 64 KiB
 * SharedArrayBuffer, runtime QP_REGION_BYTES) and the NIC's own words in `ctx.shared.nic` (4 KiB,
 * NIC_REGION_BYTES). Everything is Int32 cells accessed with Atomics; counters are free-running
 * and wrap modulo 2^32, so "how many" is always `(a - b) | 0` and a ring slot is `index & (N - 1)`.
 *
 * QP region (Int32 cells):
 *   [QP_MAGIC]      QP_MAGIC_VALUE once the process set its QP up (uverbs qpOpen); the NIC skips
 *                   regions without it
 *   [QP_OWNER]      pid of the process (the protection domain: a WR may only name that pid's MRs)
 *   [QP_DEPTH]      outstanding work requests allowed (posted and not yet polled), 1..SQ_ENTRIES
 *   [QP_SQ_HEAD]    send queue consumer: WQEs the NIC has taken (written by the NIC only)
 *   [QP_SQ_TAIL]    send queue producer: WQEs posted (written by the process only)
 *   [QP_CQ_HEAD]    completion queue consumer: CQEs polled (process only)
 *   [QP_CQ_TAIL]    completion queue producer: CQEs written (NIC only); pollCq waits on this cell
 *   [QP_NEXT_WRID]  the next wr_id the process hands out (process only)
 *   [QP_POSTED]     WRs ever posted (process; statistics)
 *   [QP_COMPLETED]  CQEs ever written (NIC; statistics)
 *   [QP_CQ_ARM]     0 while nobody waits for completions; n > 0 while the process waits on
 *                   QP_CQ_TAIL for n completions to be ready (CQ_TAIL - CQ_HEAD >= n) — written by
 *                   the process only (pollCq / rdmaSync arm it before looking at the tail, disarm
 *                   after; it does not reap while armed). The NIC wakes the CQ (notify
 *                   QP_CQ_TAIL) only with the CQE that makes exactly the armed count ready:
 *                   completion moderation, as ibv_req_notify_cq and CQ moderation do for a real
 *                   HCA, so a busy stream costs one wake-up per batch, not one per WR.
 *   then SQ_ENTRIES work-request entries of WQE_CELLS cells from SQ_BASE:
 *     [WQE_OPCODE] OP_WRITE | OP_READ  [WQE_KEY] MR key (lkey = rkey)  [WQE_OFFSET] byte offset
 *     into the MR (from the MR's first page)  [WQE_LENGTH] bytes  [WQE_WRID] wr_id
 *     [WQE_SEQ] the WQE's number on this QP (the SQ tail when posted; it goes in the DMA stamps)
 *   then CQ_ENTRIES completion entries of CQE_CELLS cells from CQ_BASE:
 *     [CQE_WRID] wr_id  [CQE_STATUS] 0, or an errno number (WC_STATUS below)  [CQE_BYTES] bytes
 *     transferred (up to the failing page for an error)  [CQE_OPCODE] the WR's opcode
 *     [CQE_PAGES] pages DMA'd  [CQE_VIOLATIONS] of those, pages whose DMA the checker did not
 *     classify `ok`  [CQE_SEQ] the WQE's seq
 *
 * A post is legal only while (SQ_TAIL - CQ_HEAD) < QP_DEPTH ≤ SQ_ENTRIES = CQ_ENTRIES: a WR holds
 * its SQ slot until it is consumed and its CQ slot until it is polled, so neither ring overflows.
 *
 * NIC region (Int32 cells):
 *   [NIC_DOORBELL]  bumped (Atomics.add) by every post; the NIC waits on it when idle, so a post
 *                   notifies it only when NIC_STATE is not NIC_BUSY (the NIC stores NIC_IDLE before
 *                   it waits, with the doorbell value it read before its last scan: a post that
 *                   saw NIC_BUSY changed the doorbell before the NIC's wait compares it)
 *   [NIC_STATE]     NIC_STOPPED (not started), NIC_BUSY (draining rings), NIC_IDLE (waiting)
 *   [NIC_PACE]      never written: the NIC's wire-time sleeps (deterministic runtime) wait on it
 *   [NIC_PID]       the NIC daemon's pid (it enters the kernel for ODP faults)
 *   [NIC_WRS]       work requests completed (ok or not)
 *   [NIC_WR_ERRORS] of those, completed in error
 *   [NIC_PAGES_WRITTEN] / [NIC_PAGES_READ]  page DMAs done
 *   [NIC_FAULTS]    ODP faults the NIC took (nic_fault syscalls)
 *   [NIC_CLASS_BASE + k] page DMAs per outcome class DMA_CLASSES[k] (ok, corruption, dataLeak,
 *                   staleOffset, lostWrite)
 */

/** Must equal the runtime's QP_REGION_BYTES and NIC_REGION_BYTES (checked when a region is attached). */
export const QP_REGION_BYTES = 64 * 1024;
export const NIC_REGION_BYTES = 4096;

// ---- queue pair header -------------------------------------------------------------------
export const QP_MAGIC = 0;
export const QP_OWNER = 1;
export const QP_DEPTH = 2;
export const QP_SQ_HEAD = 3;
export const QP_SQ_TAIL = 4;
export const QP_CQ_HEAD = 5;
export const QP_CQ_TAIL = 6;
export const QP_NEXT_WRID = 7;
export const QP_POSTED = 8;
export const QP_COMPLETED = 9;
export const QP_CQ_ARM = 10;
export const QP_HDR_CELLS = 16;
/** 'QP01' little-endian. */
export const QP_MAGIC_VALUE = 0x31305051;

// ---- send queue (work-request entries) ----------------------------------------------------
export const SQ_ENTRIES = 256;
export const WQE_CELLS = 8;
export const SQ_BASE = QP_HDR_CELLS;
export const WQE_OPCODE = 0;
export const WQE_KEY = 1;
export const WQE_OFFSET = 2;
export const WQE_LENGTH = 3;
export const WQE_WRID = 4;
export const WQE_SEQ = 5;

export const OP_WRITE = 1;
export const OP_READ = 2;
export type RdmaOp = 'write' | 'read';
export function opcodeOf(op: RdmaOp): number {
  return op === 'write' ? OP_WRITE : OP_READ;
}
export function opName(opcode: number): RdmaOp | null {
  return opcode === OP_WRITE ? 'write' : opcode === OP_READ ? 'read' : null;
}

// ---- completion queue ---------------------------------------------------------------------
export const CQ_ENTRIES = 256;
export const CQE_CELLS = 8;
export const CQ_BASE = SQ_BASE + SQ_ENTRIES * WQE_CELLS;
export const CQE_WRID = 0;
export const CQE_STATUS = 1;
export const CQE_BYTES = 2;
export const CQE_OPCODE = 3;
export const CQE_PAGES = 4;
export const CQE_VIOLATIONS = 5;
export const CQE_SEQ = 6;

/** Cells the QP layout uses (must fit the region). */
export const QP_CELLS = CQ_BASE + CQ_ENTRIES * CQE_CELLS;

/**
 * Completion status: 0 for success, else an errno number, standing for the verbs status:
 *   EINVAL    IBV_WC_LOC_PROT_ERR / REM_ACCESS_ERR: the key names no live MR (deregistered, or a
 *             stale key after the slot was registered again), an MR of another protection domain
 *             (process), a range outside the MR, a bad opcode or length
 *   EFAULT    the page is not present: an ODP fault failed (past EOF, mapping gone), or a pinned
 *             MR's pfn cell was cleared under the WR (deregistration racing it)
 *   ETIMEDOUT IBV_WC_RETRY_EXC_ERR: an ODP page kept being invalidated while the NIC faulted it in
 */
export const WC_SUCCESS = 0;

export function wqeCell(slot: number, field: number): number {
  return SQ_BASE + (slot & (SQ_ENTRIES - 1)) * WQE_CELLS + field;
}
export function cqeCell(slot: number, field: number): number {
  return CQ_BASE + (slot & (CQ_ENTRIES - 1)) * CQE_CELLS + field;
}

// ---- NIC region ---------------------------------------------------------------------------
export const NIC_DOORBELL = 0;
export const NIC_STATE = 1;
export const NIC_PACE = 2;
export const NIC_PID = 3;
export const NIC_WRS = 4;
export const NIC_WR_ERRORS = 5;
export const NIC_PAGES_WRITTEN = 6;
export const NIC_PAGES_READ = 7;
export const NIC_FAULTS = 8;
export const NIC_CLASS_BASE = 16;

export const NIC_STOPPED = 0;
export const NIC_BUSY = 1;
export const NIC_IDLE = 2;

/** The checker's outcome classes of one page DMA, in NIC_CLASS_BASE order. */
export const DMA_CLASSES = ['ok', 'corruption', 'dataLeak', 'staleOffset', 'lostWrite'] as const;

/** Int32 views of a QP region / the NIC region, checking their sizes against this layout. */
export function qpView(buf: SharedArrayBuffer): Int32Array {
  if (buf.byteLength < QP_CELLS * 4) throw new RangeError(`nic: a QP region needs ${QP_CELLS * 4} bytes, got ${buf.byteLength}`);
  return new Int32Array(buf);
}
export function nicView(buf: SharedArrayBuffer): Int32Array {
  if (buf.byteLength < (NIC_CLASS_BASE + DMA_CLASSES.length) * 4) throw new RangeError(`nic: the NIC region is too small (${buf.byteLength} bytes)`);
  return new Int32Array(buf);
}
