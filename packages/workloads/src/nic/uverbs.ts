/**
 * The process side of RDMA (libibverbs' data path): post work requests on this process's queue
 * pair and poll its completion queue, in shared memory, with no syscall — as a real application
 * rings the HCA's doorbell from user space. Registration (ibv_reg_mr / ibv_dereg_mr) is a syscall
 * and is not here.
 *
 * Each process has one QP: `ctx.shared.qps[ctx.index]` (layout in ./layout.ts). Outstanding work
 * requests (posted, completion not yet polled) are bounded by the QP's depth; a post beyond it
 * fails ENOMEM, as ibv_post_send does on a full send queue. The bound is a counter in the region
 * (SQ_TAIL - CQ_HEAD), not a p-queue: the rings are the queue, and the NIC thread must see it.
 *
 * Posting is synchronous and is not a scheduling point: a WR has no effect until the NIC takes
 * it, at its own scheduling points. Polling with a timeout is (ctx.waitCell on the CQ tail).
 *
 * Wake-ups are paid only where a thread sleeps: a post notifies the doorbell only when the NIC is
 * not busy (it rescans before it sleeps), and a poll arms the CQ (QP_CQ_ARM) with the number of
 * completions it waits for, so the NIC wakes it once, when that many are ready, not per WR.
 *
 * Completions polled are kept per QP in this thread until someone takes them, so a scripted
 * rdma step waiting for its own wr_id (rdmaSync) and a signal handler's rdma step running inside
 * that wait do not steal each other's completions.
 */
import { errnoName } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import {
  CQE_BYTES,
  CQE_OPCODE,
  CQE_PAGES,
  CQE_SEQ,
  CQE_STATUS,
  CQE_VIOLATIONS,
  CQE_WRID,
  NIC_BUSY,
  NIC_DOORBELL,
  NIC_STATE,
  QP_COMPLETED,
  QP_CQ_ARM,
  QP_CQ_HEAD,
  QP_CQ_TAIL,
  QP_DEPTH,
  QP_MAGIC,
  QP_MAGIC_VALUE,
  QP_NEXT_WRID,
  QP_OWNER,
  QP_POSTED,
  QP_SQ_HEAD,
  QP_SQ_TAIL,
  type RdmaOp,
  SQ_ENTRIES,
  WQE_KEY,
  WQE_LENGTH,
  WQE_OFFSET,
  WQE_OPCODE,
  WQE_SEQ,
  WQE_WRID,
  cqeCell,
  nicView,
  opName,
  opcodeOf,
  qpView,
  wqeCell,
} from './layout.js';

/** Outstanding WRs a QP allows when qpOpen is not told otherwise. */
export const DEFAULT_QP_DEPTH = 16;

export interface Completion {
  readonly wrId: number;
  readonly op: RdmaOp;
  /** 0, or the errno number of the error completion (layout.ts WC status). */
  readonly status: number;
  /** The status as an errno name, or null for success. */
  readonly errno: string | null;
  /** Bytes transferred (for an error: up to the failing page). */
  readonly bytes: number;
  /** Pages DMA'd, and how many of them the NIC's checker did not classify `ok`. */
  readonly pages: number;
  readonly violations: number;
  /** The WQE's sequence number on its QP (as stamped into the pages). */
  readonly seq: number;
}

export type PostResult = { readonly ok: true; readonly wrId: number; readonly seq: number } | { readonly ok: false; readonly errno: 'ENOMEM' | 'EINVAL' };

interface QpState {
  readonly qp: Int32Array;
  readonly nic: Int32Array;
  /** Completions polled from the CQ and not yet handed out, in completion order. */
  readonly stash: Completion[];
}

const states = new WeakMap<SharedArrayBuffer, QpState>();

function state(ctx: ProcessContext): QpState {
  const buf = ctx.shared.qps[ctx.index];
  if (buf === undefined) throw new RangeError(`uverbs: process ${ctx.name} (index ${ctx.index}) has no QP region`);
  let s = states.get(buf);
  if (s === undefined) {
    s = { qp: qpView(buf), nic: nicView(ctx.shared.nic), stash: [] };
    states.set(buf, s);
  }
  if (Atomics.load(s.qp, QP_MAGIC) !== QP_MAGIC_VALUE) open(s, ctx.pid, DEFAULT_QP_DEPTH);
  return s;
}

function open(s: QpState, pid: number, depth: number): void {
  Atomics.store(s.qp, QP_OWNER, pid);
  Atomics.store(s.qp, QP_DEPTH, Math.max(1, Math.min(SQ_ENTRIES, Math.floor(depth))));
  Atomics.store(s.qp, QP_MAGIC, QP_MAGIC_VALUE); // publish last: the NIC looks at QPs with the magic
}

/**
 * ibv_create_qp + ibv_modify_qp to RTS: set this process's QP up, allowing `depth` outstanding
 * WRs (clamped to 1..SQ_ENTRIES). Changing the depth later is allowed. Return: the depth in force.
 */
export function qpOpen(ctx: ProcessContext, depth = DEFAULT_QP_DEPTH): number {
  const s = state(ctx);
  open(s, ctx.pid, depth);
  return Atomics.load(s.qp, QP_DEPTH);
}

/** WRs posted whose completions have not been polled yet. */
export function outstanding(ctx: ProcessContext): number {
  const s = state(ctx);
  return (Atomics.load(s.qp, QP_SQ_TAIL) - Atomics.load(s.qp, QP_CQ_HEAD)) | 0;
}

/** The QP's bound on outstanding WRs. */
export function qpDepth(ctx: ProcessContext): number {
  return Atomics.load(state(ctx).qp, QP_DEPTH);
}

/**
 * ibv_post_send of one RDMA WRITE or READ of `length` bytes at byte `offset` of MR `key`: write
 * the WQE, bump the SQ tail, ring the doorbell. ENOMEM when `depth` WRs are outstanding (poll
 * first); EINVAL for a negative offset or a length that is not positive.
 */
export function postSend(ctx: ProcessContext, op: RdmaOp, key: number, offset: number, length: number): PostResult {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > 0x7fffffff || !Number.isSafeInteger(length) || length <= 0 || length > 0x7fffffff) return { ok: false, errno: 'EINVAL' };
  const s = state(ctx);
  const q = s.qp;
  const tail = Atomics.load(q, QP_SQ_TAIL);
  if (((tail - Atomics.load(q, QP_CQ_HEAD)) | 0) >= Atomics.load(q, QP_DEPTH)) return { ok: false, errno: 'ENOMEM' };
  const wrId = Atomics.add(q, QP_NEXT_WRID, 1);
  Atomics.store(q, wqeCell(tail, WQE_OPCODE), opcodeOf(op));
  Atomics.store(q, wqeCell(tail, WQE_KEY), key | 0);
  Atomics.store(q, wqeCell(tail, WQE_OFFSET), offset);
  Atomics.store(q, wqeCell(tail, WQE_LENGTH), length);
  Atomics.store(q, wqeCell(tail, WQE_WRID), wrId);
  Atomics.store(q, wqeCell(tail, WQE_SEQ), tail);
  Atomics.store(q, QP_SQ_TAIL, (tail + 1) | 0); // the WQE is visible to the NIC from here
  Atomics.add(q, QP_POSTED, 1);
  Atomics.add(s.nic, NIC_DOORBELL, 1);
  // A busy NIC looks at every ring again before it sleeps (layout.ts, NIC_DOORBELL): no wake-up.
  if (Atomics.load(s.nic, NIC_STATE) !== NIC_BUSY) ctx.notifyCell(s.nic, NIC_DOORBELL);
  return { ok: true, wrId, seq: tail };
}

export function postWrite(ctx: ProcessContext, key: number, offset: number, length: number): PostResult {
  return postSend(ctx, 'write', key, offset, length);
}

export function postRead(ctx: ProcessContext, key: number, offset: number, length: number): PostResult {
  return postSend(ctx, 'read', key, offset, length);
}

/** Move every CQE the NIC has written into the stash and free their CQ slots. */
function reap(s: QpState): void {
  const q = s.qp;
  const tail = Atomics.load(q, QP_CQ_TAIL);
  let head = Atomics.load(q, QP_CQ_HEAD);
  if (head === tail) return;
  for (; head !== tail; head = (head + 1) | 0) {
    const status = Atomics.load(q, cqeCell(head, CQE_STATUS));
    s.stash.push({
      wrId: Atomics.load(q, cqeCell(head, CQE_WRID)),
      op: opName(Atomics.load(q, cqeCell(head, CQE_OPCODE))) ?? 'write',
      status,
      errno: status === 0 ? null : (errnoName(status) ?? `E${status}`),
      bytes: Atomics.load(q, cqeCell(head, CQE_BYTES)),
      pages: Atomics.load(q, cqeCell(head, CQE_PAGES)),
      violations: Atomics.load(q, cqeCell(head, CQE_VIOLATIONS)),
      seq: Atomics.load(q, cqeCell(head, CQE_SEQ)),
    });
  }
  Atomics.store(q, QP_CQ_HEAD, head);
}

/** ibv_poll_cq without waiting: up to `max` completions, oldest first. */
export function tryPollCq(ctx: ProcessContext, max = Number.POSITIVE_INFINITY): Completion[] {
  const s = state(ctx);
  reap(s);
  return s.stash.splice(0, Math.min(max, s.stash.length));
}

/**
 * Wait on the CQ tail until `want` (≥ 1) CQEs are ready to reap, or until `deadline` (run clock,
 * ns; null: for ever). The CQ is armed with `want` meanwhile (QP_CQ_ARM): the NIC notifies only
 * when a CQE it writes makes that many ready. Arming before looking at the tail means a CQE
 * written after the look sees the arm (no lost wake-up); one written before it is seen here.
 */
async function waitReady(ctx: ProcessContext, q: Int32Array, want: number, deadline: number | null): Promise<void> {
  Atomics.store(q, QP_CQ_ARM, want);
  try {
    for (;;) {
      const tail = Atomics.load(q, QP_CQ_TAIL);
      if (((tail - Atomics.load(q, QP_CQ_HEAD)) | 0) >= want) return;
      const left = deadline === null ? null : deadline - ctx.now();
      if (left !== null && left <= 0) return;
      await ctx.waitCell(q, QP_CQ_TAIL, tail, left);
    }
  } finally {
    Atomics.store(q, QP_CQ_ARM, 0);
  }
}

/**
 * Poll the CQ, waiting up to `timeoutNs` (null: for ever) for completions when fewer than `min`
 * (default 1) are at hand: a scheduling point. `min` is CQ moderation — a streaming program that
 * refills its queue in batches asks to be woken once per batch, not per WR; it is capped at the
 * completions still owed (WRs posted and not yet polled), so it never waits for one that cannot
 * come. Return: up to `max` completions, oldest first (possibly fewer than `min` on timeout; [] if
 * none came).
 */
export async function pollCq(ctx: ProcessContext, timeoutNs: number | null, max = Number.POSITIVE_INFINITY, min = 1): Promise<Completion[]> {
  const s = state(ctx);
  reap(s);
  if (s.stash.length < min && (timeoutNs === null || timeoutNs > 0)) {
    const q = s.qp;
    const owed = (Atomics.load(q, QP_SQ_TAIL) - Atomics.load(q, QP_CQ_HEAD)) | 0;
    const want = Math.max(1, Math.min(min - s.stash.length, owed));
    await waitReady(ctx, q, want, timeoutNs === null ? null : ctx.now() + timeoutNs);
    reap(s);
  }
  return s.stash.splice(0, Math.min(max, s.stash.length));
}

export interface SyncOptions {
  /**
   * Called whenever the wait wakes (a completion came, or `sliceNs` passed): a scripted process
   * takes pending signals here. It may itself post and wait (a handler's rdma step).
   */
  readonly onWake?: () => Promise<void>;
  /** Wake this often while waiting (default 1 ms). */
  readonly sliceNs?: number;
  /** Give up after this long (default: never): the result is then ETIMEDOUT. */
  readonly timeoutNs?: number;
}

/**
 * Post one WR and wait for its own completion (the scripted `rdma_write` / `rdma_read` steps).
 * Return: the completion, or a post error (ENOMEM, EINVAL) / ETIMEDOUT as `{ errno }`.
 */
export async function rdmaSync(ctx: ProcessContext, op: RdmaOp, key: number, offset: number, length: number, opts: SyncOptions = {}): Promise<Completion | { readonly errno: string }> {
  const s = state(ctx);
  const p = postSend(ctx, op, key, offset, length);
  if (!p.ok) return { errno: p.errno };
  const slice = opts.sliceNs ?? 1_000_000;
  const deadline = opts.timeoutNs === undefined ? null : ctx.now() + opts.timeoutNs;
  for (;;) {
    reap(s);
    const i = s.stash.findIndex((c) => c.wrId === p.wrId);
    if (i >= 0) return s.stash.splice(i, 1)[0]!;
    const left = deadline === null ? slice : Math.min(slice, deadline - ctx.now());
    if (left <= 0) return { errno: 'ETIMEDOUT' };
    const tail = Atomics.load(s.qp, QP_CQ_TAIL);
    if (tail !== Atomics.load(s.qp, QP_CQ_HEAD)) continue; // a completion came in since reap()
    await waitReady(ctx, s.qp, 1, ctx.now() + left);
    if (opts.onWake !== undefined) await opts.onWake();
  }
}

/** Statistics of this process's QP (tests, reports). */
export function qpStats(ctx: ProcessContext): { readonly posted: number; readonly completed: number; readonly consumed: number } {
  const q = state(ctx).qp;
  return { posted: Atomics.load(q, QP_POSTED), completed: Atomics.load(q, QP_COMPLETED), consumed: Atomics.load(q, QP_SQ_HEAD) };
}
