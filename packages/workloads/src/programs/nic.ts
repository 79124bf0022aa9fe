/**
 * The simulated RDMA NIC (the `nic0` daemon the plan adds to every run that uses RDMA): it
 * executes the work requests processes post on their queue pairs, reading and writing pmem
 * frames DIRECTLY through the MR table's pfn lists — the kernel is not on the data path, as with
 * a real HCA. It enters the kernel only to fault in a page of an on-demand-paging MR.
 *
 * Loop: read the doorbell; take at most one WR from every QP in turn (fair across processes)
 * until all send queues are empty; then report and wait on the doorbell (no timeout). Reading
 * the doorbell before scanning means a post that lands after the scan changes the cell and the
 * wait returns at once: no lost wake-up.
 *
 * One WR, page by page (a WR may start and end anywhere inside the MR):
 *   1. under the deterministic runtime (pageNs > 0), a scheduling point: a wire-time sleep of
 *      `pageNs` on a cell nobody writes (virtual time must move while the NIC streams); under
 *      threads nothing awaits between the pages of a run;
 *   2. unless this page continues a run that holds it (step 5): Atomics.add(MR_BUSY, 1), then
 *      check MR_STATE = MR_VALID and MR_KEY = the WR's key (else the WR completes EINVAL:
 *      deregistered, or a stale key after the slot was reused) and Atomics.load(MR_FENCING) (see
 *      step 5); then read the page's pfn cell (a plain read);
 *   3. pfn -1: drop MR_BUSY; if the MR is now dead (or its key stale) the cell was cleared by a
 *      deregistration racing the WR: EINVAL; on an ODP MR enter the kernel (nic_fault, by file
 *      offset through the owner's VMA) and retry from 2 — a failed fault (past EOF, mapping
 *      gone) completes the WR EFAULT; on a pinned MR still registered: EFAULT;
 *   4. read the frame's owner (struct page, plain loads) — the owner at the time of the copy,
 *      validated for the whole run by the device's ownership epoch loaded before and after it
 *      (Pmem.ownerEpoch, as mmu_interval_read_begin / _retry); WRITE: a 32-byte stamp (writer =
 *      MR_OWNER's pid, source = the key, intended ino = MR_INO, intended block = MR_PGOFF +
 *      page, seq = the WQE's seq, offset = byte offset in the block) then the writer's fill
 *      pattern over the rest of the bytes written, in one copy from a staging page the stamp is
 *      built in; READ: copy the bytes out;
 *   5. Atomics.sub(MR_BUSY, 1), notifying it if a fence waits (MR_FENCING) — under the
 *      deterministic runtime after every page; under threads after a run of BUSY_HOLD_PAGES pages
 *      (or the WR's last page, or a fault), as nothing awaits in between. While MR_BUSY is raised
 *      there is no await: the kernel's invalidation and deregistration clear the pfn cells
 *      (deregistration marks the MR dead first) and then wait out the run in flight (mrFence:
 *      MR_BUSY 0, or MR_RUNS, which each drop bumps, moved on), so no DMA can land in a frame
 *      after the kernel has let go of it: every page's cell is read under MR_BUSY, and a fence
 *      raises MR_FENCING (Atomics.add) after the clearing, so a run that read MR_FENCING after
 *      that raise reads the cells cleared (-1, step 3) — and a run that read it before had
 *      raised MR_BUSY before the fence looked, and the fence waits for it. Within a run the slot
 *      cannot be reused (it is freed only after the fence), so the MR's state and key are
 *      checked as a run starts and when a cell is found cleared. The kernel waits at most one
 *      run (16 pages, a few µs), however busy the NIC keeps the MR;
 *   6. at the end of the run, classify each page by the owner read at its copy; if the epoch
 *      moved during the run (some frame changed hands, maybe one of these), by each frame's
 *      owner read again then (seqlock): a page whose owner changed raced its copy, and is judged
 *      by the owner that holds the bytes after it (checker classifyDma: ok / corruption /
 *      lostWrite / staleOffset for a write, ok / dataLeak / staleOffset for a read; the owner
 *      being the intended block is `ok` without a call); count, keep the first violations of
 *      each class with their evidence (VIOLATIONS_KEPT_PER_CLASS). `ok` pages are added to the
 *      counters once per WR.
 * Then one completion on the WR's QP: status 0 or an errno number (nic/layout.ts), bytes, pages.
 * The process is woken only if it armed its CQ and this CQE makes ready the count it armed
 * (QP_CQ_ARM, completion moderation): a stream costs a wake-up per batch, not per WR.
 *
 * Output (ctx.progress, the daemon's result): NicOutput. Reported before a completion whose WR
 * found a new violation, at least every REPORT_EVERY_NS while busy, and before a completion that
 * leaves no WR queued (the NIC is about to go idle, and the process may exit on it) — and, if
 * anything changed after that, when it goes idle; under the deterministic runtime before every
 * completion (it costs nothing there). So the last report is complete when the run stops the
 * daemon: a process learns of a completion only after the report that counts it was posted.
 */
import { type MutablePageOwner, PAGE_SHIFT, PAGE_SIZE, Pmem, STAMP_BYTES, errnoName, mrTable, writeStampAligned } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import type { SimEvent } from '@leasebreak/trace';
import { type DmaClass, classifyDma } from '@leasebreak/checker';
import {
  CQE_BYTES,
  CQE_OPCODE,
  CQE_PAGES,
  CQE_SEQ,
  CQE_STATUS,
  CQE_VIOLATIONS,
  CQE_WRID,
  DMA_CLASSES,
  NIC_BUSY,
  NIC_CLASS_BASE,
  NIC_DOORBELL,
  NIC_FAULTS,
  NIC_IDLE,
  NIC_PACE,
  NIC_PAGES_READ,
  NIC_PAGES_WRITTEN,
  NIC_PID,
  NIC_STATE,
  NIC_WRS,
  NIC_WR_ERRORS,
  QP_COMPLETED,
  QP_CQ_ARM,
  QP_CQ_HEAD,
  QP_CQ_TAIL,
  QP_MAGIC,
  QP_MAGIC_VALUE,
  QP_OWNER,
  QP_SQ_HEAD,
  QP_SQ_TAIL,
  type RdmaOp,
  WQE_KEY,
  WQE_LENGTH,
  WQE_OFFSET,
  WQE_OPCODE,
  WQE_SEQ,
  WQE_WRID,
  cqeCell,
  nicView,
  opName,
  qpView,
  wqeCell,
} from '../nic/layout.js';

const { MR_BUSY, MR_FENCING, MR_INO, MR_KEY, MR_NPAGES, MR_ODP, MR_OWNER, MR_PGOFF, MR_RUNS, MR_SLOTS, MR_STATE, MR_VALID, mrCell, mrPfnCell } = mrTable;

/**
 * Violations kept with their evidence: the first VIOLATIONS_KEPT_PER_CLASS of each class, so a
 * burst of lost writes (blocks freed, not yet reused) cannot crowd out the corruption that
 * follows; VIOLATIONS_KEPT in all. The counts in `classes` are complete.
 */
export const VIOLATIONS_KEPT_PER_CLASS = 50;
export const VIOLATIONS_KEPT = 200;
/** Report at least this often while busy. */
export const REPORT_EVERY_NS = 50_000_000;
/** Wire time of one page under the deterministic runtime (4 KiB at ~4 GB/s). */
export const DEFAULT_DETERMINISTIC_PAGE_NS = 1000;
/**
 * Under threads, the most pages the NIC copies under one raise of MR_BUSY (then it drops it, so
 * an invalidation or deregistration waits at most that long: 16 pages are a few µs).
 */
export const BUSY_HOLD_PAGES = 16;
/** ODP faults on one page before the WR gives up (the page kept being invalidated): ETIMEDOUT. */
export const MAX_FAULTS_PER_PAGE = 32;

const OK_CLASS = DMA_CLASSES.indexOf('ok');
const EINVAL = 22;
const EFAULT = 14;
const ETIMEDOUT = 110;

export type ViolationClass = Exclude<DmaClass, 'ok'>;

/** One page DMA the checker did not classify `ok`, with its evidence. */
export interface NicViolation {
  readonly class: ViolationClass;
  readonly op: RdmaOp;
  /** When the bytes were copied (run clock, ns). */
  readonly atNs: number;
  readonly pfn: number;
  /** Who owned the frame at the copy (ino 0: free). */
  readonly victim: { readonly ino: number; readonly index: number; readonly generation: number };
  /** The process whose MR it was, and the MR key. */
  readonly writer: { readonly pid: number; readonly mr: number };
  /** Where the DMA was meant to go: the MR's file and block. */
  readonly intended: { readonly ino: number; readonly index: number };
  /** The QP (process index), wr_id and WQE seq (as in the stamp), byte offset in the block, bytes. */
  readonly qp: number;
  readonly wrId: number;
  readonly seq: number;
  readonly offset: number;
  readonly bytes: number;
}

export interface NicOpStats {
  wrs: number;
  pages: number;
  bytes: number;
}

export interface NicOutput {
  readonly workload: 'nic';
  readonly name: string;
  readonly pid: number;
  readonly startNs: number;
  /** When this report was made. */
  readonly atNs: number;
  readonly state: 'busy' | 'idle';
  /** Modelled wire time per page (0: none, real time). */
  readonly pageNs: number;
  /** Work requests completed, and how: 'ok' or the error's errno name. */
  readonly wrs: number;
  readonly wrErrors: number;
  readonly completions: Readonly<Record<string, number>>;
  readonly write: Readonly<NicOpStats>;
  readonly read: Readonly<NicOpStats>;
  /** ODP faults taken (nic_fault syscalls) and the failed ones by errno. */
  readonly faults: number;
  readonly faultErrors: Readonly<Record<string, number>>;
  /** Page DMAs per outcome class (complete). */
  readonly classes: Readonly<Record<DmaClass, number>>;
  /** The first VIOLATIONS_KEPT_PER_CLASS violations of each class, in order of occurrence. */
  readonly violations: readonly NicViolation[];
  /** Violations not kept in the list. */
  readonly violationsDropped: number;
}

export interface NicInput {
  readonly name?: string;
  /** Wire time per page, ns (default: DEFAULT_DETERMINISTIC_PAGE_NS deterministic, 0 threads). */
  readonly pageNs?: number;
}

/** What a test may watch inside the MR_BUSY window of a page DMA (no await allowed there). */
export interface DmaProbe {
  readonly op: RdmaOp;
  readonly slot: number;
  readonly key: number;
  readonly pfn: number;
  readonly page: number;
  /** The MR table, to look at MR_BUSY while the DMA holds it. */
  readonly table: Int32Array;
}

export interface NicOptions {
  readonly name: string;
  readonly pageNs: number;
  /** Test hook, called inside the MR_BUSY window of every page DMA. */
  readonly probe?: (p: DmaProbe) => void;
}

interface Wqe {
  readonly qp: number;
  readonly opcode: number;
  readonly key: number;
  readonly offset: number;
  readonly length: number;
  readonly wrId: number;
  readonly seq: number;
}

/** One WR in execution: what its page loop needs, and what it has done so far (its Done). */
class WrRun implements Done {
  readonly w: Wqe;
  op: RdmaOp = 'write';
  slot = 0;
  /** Index in the MR table of the pfn cell of the MR's page 0. */
  pfnBase = 0;
  writer = 0;
  ino = 0;
  pgoff = 0;
  end = 0;
  payload: Staging | null = null;
  pages = 0;
  bytes = 0;
  violations = 0;
  /** Pages classified ok, added to the counters once the WR is done. */
  okPages = 0;
  /** The page at which the last run found its pfn cell cleared (and what it read), or -1. */
  cleared = -1;
  clearedPfn = -1;
  /** 0, or the errno number the WR completes with. */
  status = 0;

  constructor(w: Wqe) {
    this.w = w;
  }

  /** The WR ends here with `status` (its Done: what was moved so far). */
  fail(status: number): this {
    this.status = status;
    return this;
  }
}

/** A page of bytes to DMA from (not shared memory), and its Int32 view for the stamp. */
interface Staging {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

interface Done {
  readonly status: number;
  readonly bytes: number;
  readonly pages: number;
  readonly violations: number;
}

export class Nic {
  private readonly ctx: ProcessContext;
  private readonly opts: NicOptions;
  readonly pmem: Pmem;
  readonly table: Int32Array;
  readonly nic: Int32Array;
  private readonly qps: Int32Array[];
  private readonly scratch = new Uint8Array(PAGE_SIZE);
  /** The owner of the frame being copied (filled per page, never reallocated). */
  private readonly owner: MutablePageOwner = { ino: 0, index: 0, generation: 0 };
  /** The run being copied (classifyRun): each page's pfn; for a page not owned by its intended block, the owner read at its copy. */
  private readonly runPfn = new Int32Array(BUSY_HOLD_PAGES);
  private readonly runIno = new Int32Array(BUSY_HOLD_PAGES);
  private readonly runIndex = new Uint32Array(BUSY_HOLD_PAGES);
  private readonly runGen = new Int32Array(BUSY_HOLD_PAGES);
  private readonly startNs: number;
  private lastReportNs = -Infinity;
  private dirty = true;
  private urgent = false;
  private next = 0;

  private wrs = 0;
  private wrErrors = 0;
  private readonly completions: Record<string, number> = {};
  private readonly byOp: Record<RdmaOp, NicOpStats> = { write: { wrs: 0, pages: 0, bytes: 0 }, read: { wrs: 0, pages: 0, bytes: 0 } };
  private faults = 0;
  private readonly faultErrors: Record<string, number> = {};
  private readonly classes: Record<DmaClass, number> = { ok: 0, corruption: 0, dataLeak: 0, staleOffset: 0, lostWrite: 0 };
  private readonly violations: NicViolation[] = [];
  private readonly keptByClass: Partial<Record<ViolationClass, number>> = {};
  private violationsDropped = 0;

  constructor(ctx: ProcessContext, opts: NicOptions) {
    this.ctx = ctx;
    this.opts = opts;
    this.pmem = Pmem.attach(ctx.shared.pmem);
    this.table = new Int32Array(ctx.shared.mrTable);
    this.nic = nicView(ctx.shared.nic);
    this.qps = ctx.shared.qps.map((b) => qpView(b));
    this.startNs = ctx.now();
    Atomics.store(this.nic, NIC_PID, ctx.pid);
  }

  /** Serve work requests for ever (the runtime stops the daemon when the run is over). */
  async run(): Promise<never> {
    for (;;) {
      const bell = Atomics.load(this.nic, NIC_DOORBELL);
      Atomics.store(this.nic, NIC_STATE, NIC_BUSY);
      while (await this.pass());
      Atomics.store(this.nic, NIC_STATE, NIC_IDLE);
      if (this.dirty) this.report('idle');
      await this.ctx.waitCell(this.nic, NIC_DOORBELL, bell, null);
    }
  }

  /** One fair pass: at most one WR from each QP. Return: whether any WR was executed. */
  async pass(): Promise<boolean> {
    let any = false;
    const n = this.qps.length;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const w = this.take(i);
      if (w === null) continue;
      any = true;
      const from = Atomics.load(this.qps[i]!, QP_OWNER);
      this.ctx.emit(wrStartEvent(this.ctx, w, from));
      const done = await this.execute(w);
      const at = this.ctx.now();
      this.ctx.emit(wrEndEvent(this.ctx, w, from, done, at));
      this.complete(w, done, at);
    }
    this.next = n === 0 ? 0 : (this.next + 1) % n;
    return any;
  }

  /** Is a WQE waiting on any QP? */
  private queued(): boolean {
    for (const q of this.qps) if (Atomics.load(q, QP_MAGIC) === QP_MAGIC_VALUE && Atomics.load(q, QP_SQ_HEAD) !== Atomics.load(q, QP_SQ_TAIL)) return true;
    return false;
  }

  /** Take the WQE at the head of QP `i`'s send queue, if any (its slot is free again at once). */
  private take(i: number): Wqe | null {
    const q = this.qps[i]!;
    if (Atomics.load(q, QP_MAGIC) !== QP_MAGIC_VALUE) return null;
    const head = Atomics.load(q, QP_SQ_HEAD);
    if (head === Atomics.load(q, QP_SQ_TAIL)) return null;
    // The WQE was written before the tail that publishes it (Atomics.store): having read that
    // tail, plain reads see it.
    const w: Wqe = {
      qp: i,
      opcode: q[wqeCell(head, WQE_OPCODE)]!,
      key: q[wqeCell(head, WQE_KEY)]!,
      offset: q[wqeCell(head, WQE_OFFSET)]!,
      length: q[wqeCell(head, WQE_LENGTH)]!,
      wrId: q[wqeCell(head, WQE_WRID)]!,
      seq: q[wqeCell(head, WQE_SEQ)]!,
    };
    Atomics.store(q, QP_SQ_HEAD, (head + 1) | 0);
    return w;
  }

  /** Post the WR's completion on its QP's CQ and wake the process. */
  private complete(w: Wqe, d: Done, now: number): void {
    const op = opName(w.opcode);
    this.wrs++;
    Atomics.add(this.nic, NIC_WRS, 1);
    const how = d.status === 0 ? 'ok' : (errnoName(d.status) ?? `E${d.status}`);
    this.completions[how] = (this.completions[how] ?? 0) + 1;
    if (d.status !== 0) {
      this.wrErrors++;
      Atomics.add(this.nic, NIC_WR_ERRORS, 1);
    }
    if (op !== null) this.byOp[op].wrs++;
    this.dirty = true;
    // Report before the process can see the completion: what it learns, the report has. When no
    // other WR is queued this may be the last completion a process waits for before it exits and
    // the run stops the daemon: report it now (as idle), not after the process could have gone.
    if (this.urgent || this.ctx.mode === 'deterministic' || now - this.lastReportNs >= REPORT_EVERY_NS) this.report('busy');
    else if (!this.queued()) this.report('idle');
    const q = this.qps[w.qp]!;
    const tail = Atomics.load(q, QP_CQ_TAIL);
    // Plain stores: the Atomics.store of the tail after them publishes the CQE (a process that
    // reads the new tail with Atomics.load sees them).
    q[cqeCell(tail, CQE_WRID)] = w.wrId;
    q[cqeCell(tail, CQE_STATUS)] = d.status;
    q[cqeCell(tail, CQE_BYTES)] = d.bytes;
    q[cqeCell(tail, CQE_OPCODE)] = w.opcode;
    q[cqeCell(tail, CQE_PAGES)] = d.pages;
    q[cqeCell(tail, CQE_VIOLATIONS)] = d.violations;
    q[cqeCell(tail, CQE_SEQ)] = w.seq;
    Atomics.store(q, QP_CQ_TAIL, (tail + 1) | 0);
    Atomics.add(q, QP_COMPLETED, 1);
    // Wake the process only if it waits, and only with the CQE that makes ready as many as it
    // asked for (CQ moderation, layout.ts QP_CQ_ARM): the arm is read after the tail is published;
    // while armed the process does not reap, so each CQE makes one more ready, and one of them is
    // exactly the count armed. (A waiter that has not slept yet sees the tail move.)
    const want = Atomics.load(q, QP_CQ_ARM);
    if (want > 0 && ((tail + 1 - Atomics.load(q, QP_CQ_HEAD)) | 0) === want) this.ctx.notifyCell(q, QP_CQ_TAIL);
  }

  /** The wire time of one page (a scheduling point either way). */
  private async pace(): Promise<void> {
    if (this.opts.pageNs > 0) await this.ctx.waitCell(this.nic, NIC_PACE, Atomics.load(this.nic, NIC_PACE), this.opts.pageNs);
    else await this.ctx.schedPoint();
  }

  /** End a run of MR_BUSY on the slot whose MR_BUSY cell is `busy`: count it, drop, wake a fence. */
  private release(busy: number): void {
    Atomics.add(this.table, busy - MR_BUSY + MR_RUNS, 1);
    Atomics.sub(this.table, busy, 1);
    // A fence raises MR_FENCING before it looks at MR_BUSY (mrFence): no notify otherwise.
    if (Atomics.load(this.table, busy - MR_BUSY + MR_FENCING) > 0) this.ctx.notifyCell(this.table, busy);
  }

  /** Execute one WR page by page. */
  async execute(w: Wqe): Promise<Done> {
    const t = this.table;
    const op = opName(w.opcode);
    const r = new WrRun(w);
    if (op === null || w.length <= 0 || w.offset < 0) return r.fail(EINVAL);
    const slot = w.key & 0xff;
    if (slot >= MR_SLOTS) return r.fail(EINVAL);
    const stateCell = mrCell(slot, MR_STATE);
    const keyCell = mrCell(slot, MR_KEY);
    // The MR's header, checked once up front (and its state and key again under MR_BUSY as each
    // run of pages starts, and when a pfn cell is found cleared).
    if (Atomics.load(t, stateCell) !== MR_VALID || Atomics.load(t, keyCell) !== w.key) return r.fail(EINVAL);
    const writer = Atomics.load(t, mrCell(slot, MR_OWNER));
    // Protection domain: a QP may only use its own process's MRs.
    if (writer !== Atomics.load(this.qps[w.qp]!, QP_OWNER)) return r.fail(EINVAL);
    const npages = Atomics.load(t, mrCell(slot, MR_NPAGES));
    const odp = Atomics.load(t, mrCell(slot, MR_ODP)) === 1;
    const end = w.offset + w.length;
    if (end > npages * PAGE_SIZE) return r.fail(EINVAL);
    r.op = op;
    r.slot = slot;
    r.pfnBase = mrPfnCell(slot, 0);
    r.writer = writer;
    r.ino = Atomics.load(t, mrCell(slot, MR_INO));
    r.pgoff = Atomics.load(t, mrCell(slot, MR_PGOFF));
    r.end = end;
    r.payload = op === 'write' ? this.payloadFor(0xa0 | (writer & 0x0f)) : null;
    const busy = mrCell(slot, MR_BUSY);
    const fencingCell = mrCell(slot, MR_FENCING);
    // Pages copied under one raise of MR_BUSY. Under threads nothing awaits between pages, so it
    // is held across a run of up to BUSY_HOLD_PAGES pages (a few µs for the kernel's fence to
    // wait); under the deterministic runtime each page's wire time is a scheduling point, and
    // MR_BUSY never spans one.
    const holdPages = this.opts.pageNs === 0 ? BUSY_HOLD_PAGES : 1;
    let held = false;
    let faults: Map<number, number> | null = null;
    try {
      for (let pos = w.offset; pos < end; ) {
        if (holdPages === 1) await this.pace();
        Atomics.add(t, busy, 1);
        held = true;
        // ---- MR_BUSY held: no await until it is dropped ----
        // Still this MR (not deregistered, the slot not reused) as the run starts. Within the
        // run the slot cannot be reused (a deregistration frees it only after its fence, which
        // waits for the run), and a deregistration clears the pfn cells after marking the MR
        // dead: a page of the run read after that finds its cell cleared (copyRun stops there).
        if (Atomics.load(t, stateCell) !== MR_VALID || Atomics.load(t, keyCell) !== w.key) return r.fail(EINVAL);
        // Order the run's plain reads of the pfn cells after any clearing a fence waits on: a
        // fence raises MR_FENCING (Atomics.add) after the kernel cleared the cells. Read here
        // after that raise, every cell read below sees the clearing; read before it, this run
        // raised MR_BUSY before the fence looked at MR_BUSY, so the fence waits for the run.
        Atomics.load(t, fencingCell);
        pos = this.copyRun(r, pos, holdPages);
        if (r.cleared < 0) {
          held = false;
          this.release(busy);
          continue;
        }
        // A cleared cell: a deregistration (the MR is dead: EINVAL), an invalidation of an ODP
        // page (fault it in), or on a pinned MR still valid, EFAULT.
        const page = r.cleared;
        const dead = Atomics.load(t, stateCell) !== MR_VALID || Atomics.load(t, keyCell) !== w.key;
        held = false;
        this.release(busy);
        r.cleared = -1;
        if (dead) return r.fail(EINVAL);
        if (!odp || r.clearedPfn >= this.pmem.nrPages) return r.fail(EFAULT);
        faults ??= new Map<number, number>();
        const tries = (faults.get(page) ?? 0) + 1;
        faults.set(page, tries);
        if (tries > MAX_FAULTS_PER_PAGE) return r.fail(ETIMEDOUT);
        this.faults++;
        Atomics.add(this.nic, NIC_FAULTS, 1);
        const res = await this.ctx.syscall({ op: 'nic_fault', key: w.key, page, write: op === 'write' });
        if (res.errno !== null) {
          this.faultErrors[res.errno] = (this.faultErrors[res.errno] ?? 0) + 1;
          return r.fail(EFAULT);
        }
        // retry the page
      }
    } finally {
      if (held) this.release(busy);
      if (r.okPages > 0) {
        this.classes.ok += r.okPages;
        Atomics.add(this.nic, NIC_CLASS_BASE + OK_CLASS, r.okPages);
      }
      if (r.pages > 0) {
        Atomics.add(this.nic, op === 'write' ? NIC_PAGES_WRITTEN : NIC_PAGES_READ, r.pages);
        const s = this.byOp[op];
        s.pages += r.pages;
        s.bytes += r.bytes;
      }
    }
    return r;
  }

  /**
   * Copy up to `maxPages` (≤ BUSY_HOLD_PAGES) pages of the WR from byte `pos` (MR_BUSY held by
   * the caller; nothing here awaits): for each, read its pfn cell, the frame's owner, copy; then
   * classify the run. Return the position after the last page copied; a cleared pfn cell stops
   * the run there (r.cleared).
   */
  private copyRun(r: WrRun, pos: number, maxPages: number): number {
    const t = this.table;
    const pmem = this.pmem;
    const frames = pmem.frames;
    const nrPages = pmem.nrPages;
    const owner = this.owner;
    const probe = this.opts.probe;
    const payload = r.payload;
    const w = r.w;
    const end = r.end;
    // The owners are read with plain loads, checked once for the whole run against the ownership
    // epoch (an Atomics.load is a call costing several ns: two per page were a tenth of the copy).
    const epoch = pmem.ownerEpoch();
    const start = pos;
    const runPfn = this.runPfn;
    let ok = 0;
    let others = 0; // bit k: page k of the run is not its intended block's
    let k = 0;
    for (; k < maxPages && pos < end; k++) {
      const page = pos >>> PAGE_SHIFT;
      const inOff = pos & (PAGE_SIZE - 1);
      const n = Math.min(PAGE_SIZE - inOff, end - pos);
      // A plain read: ordered by the run's start (execute), and under MR_BUSY.
      const pfn = t[r.pfnBase + page]!;
      if (pfn < 0 || pfn >= nrPages) {
        r.cleared = page;
        r.clearedPfn = pfn;
        break;
      }
      // The frame's owner at the time of the copy (valid if the epoch holds: classifyRun).
      pmem.ownerPlainInto(pfn, owner);
      runPfn[k] = pfn;
      // The owner is the intended block: ok (classifyDma's first rule, without a call).
      if (owner.ino === r.ino && owner.index === r.pgoff + page) ok++;
      else {
        others |= 1 << k;
        this.runIno[k] = owner.ino;
        this.runIndex[k] = owner.index;
        this.runGen[k] = owner.generation;
      }
      const at = pfn * PAGE_SIZE + inOff;
      if (payload !== null) {
        // The bytes arrive from the wire in one copy: the stamp (built in the staging page, off
        // shared memory) and the writer's pattern after it; a write shorter than a stamp is
        // pattern only. (TypedArray.fill and DataView stores on shared memory are slow.)
        if (n >= STAMP_BYTES) {
          writeStampAligned(payload.words, 0, r.writer, w.key, r.ino, r.pgoff + page, w.seq, inOff);
          frames.set(n === PAGE_SIZE ? payload.bytes : payload.bytes.subarray(0, n), at);
        } else {
          frames.set(payload.bytes.subarray(STAMP_BYTES, STAMP_BYTES + n), at);
        }
      } else {
        this.scratch.set(frames.subarray(at, at + n));
      }
      if (probe !== undefined) probe({ op: r.op, slot: r.slot, key: w.key, pfn, page, table: t });
      r.pages++;
      r.bytes += n;
      pos += n;
    }
    this.classifyRun(r, start, k, epoch, ok, others);
    return pos;
  }

  /**
   * Classify the `count` pages copyRun just copied from byte `start` (`ok` of them found owned by
   * their intended block, the others marked in `others`). The ownership epoch unchanged (and
   * even) since before the run: no frame changed hands meanwhile, so each owner read at a copy
   * is the frame's owner all through it. Moved: read every owner again now (seqlock); where one
   * changed, the copy raced the change (a truncate or reallocation the policy let through), and
   * the page is judged by the owner that holds the bytes after it — the one the offline pass finds.
   */
  private classifyRun(r: WrRun, start: number, count: number, epoch: number, ok: number, others: number): void {
    const pmem = this.pmem;
    const owner = this.owner;
    const stable = (epoch & 1) === 0 && pmem.ownerEpoch() === epoch;
    if (stable && others === 0) {
      r.okPages += ok;
      return;
    }
    const page0 = start >>> PAGE_SHIFT;
    for (let k = 0; k < count; k++) {
      const page = page0 + k;
      // Only a run's first page can start inside a page, only its last end early.
      const inOff = k === 0 ? start & (PAGE_SIZE - 1) : 0;
      const n = Math.min(PAGE_SIZE - inOff, r.end - (k === 0 ? start : page * PAGE_SIZE));
      if (stable) {
        if ((others & (1 << k)) === 0) {
          r.okPages++;
          continue;
        }
        owner.ino = this.runIno[k]!;
        owner.index = this.runIndex[k]!;
        owner.generation = this.runGen[k]!;
      } else pmem.ownerInto(this.runPfn[k]!, owner);
      if (owner.ino === r.ino && owner.index === r.pgoff + page) r.okPages++;
      else this.classify(r, this.runPfn[k]!, page, inOff, n);
    }
  }

  /** Classify a page DMA whose frame is not owned by the intended block; record a violation. */
  private classify(r: WrRun, pfn: number, page: number, inOff: number, n: number): void {
    const owner = this.owner;
    const cls = classifyDma({ ino: r.ino, index: r.pgoff + page }, owner, r.op);
    if (cls === 'ok') {
      r.okPages++;
      return;
    }
    this.classes[cls]++;
    Atomics.add(this.nic, NIC_CLASS_BASE + DMA_CLASSES.indexOf(cls), 1);
    r.violations++;
    this.record({
      class: cls,
      op: r.op,
      atNs: this.ctx.now(),
      pfn,
      victim: { ino: owner.ino, index: owner.index, generation: owner.generation },
      writer: { pid: r.writer, mr: r.w.key },
      intended: { ino: r.ino, index: r.pgoff + page },
      qp: r.w.qp,
      wrId: r.w.wrId,
      seq: r.w.seq,
      offset: inOff,
      bytes: n,
    });
  }

  private readonly payloads = new Map<number, Staging>();
  private lastPayload: Staging | null = null;
  private lastPayloadValue = -1;

  /**
   * The staging page of a writer's RDMA WRITEs: its pattern (one per writer) after room for the
   * stamp, which is written into it for each page before the copy.
   */
  private payloadFor(value: number): Staging {
    if (this.lastPayload !== null && this.lastPayloadValue === value) return this.lastPayload;
    let p = this.payloads.get(value);
    if (p === undefined) {
      const bytes = new Uint8Array(PAGE_SIZE).fill(value);
      p = { bytes, words: new Int32Array(bytes.buffer) };
      this.payloads.set(value, p);
    }
    this.lastPayload = p;
    this.lastPayloadValue = value;
    return p;
  }

  private record(v: NicViolation): void {
    const kept = (this.keptByClass[v.class] ?? 0) + 1;
    if (kept <= VIOLATIONS_KEPT_PER_CLASS && this.violations.length < VIOLATIONS_KEPT) {
      this.keptByClass[v.class] = kept;
      this.violations.push(v);
      this.urgent = true;
    } else {
      this.violationsDropped++;
    }
  }

  private report(state: 'busy' | 'idle'): void {
    this.ctx.progress(this.output(state));
    this.lastReportNs = this.ctx.now();
    this.dirty = false;
    this.urgent = false;
  }

  output(state: 'busy' | 'idle'): NicOutput {
    return {
      workload: 'nic',
      name: this.opts.name,
      pid: this.ctx.pid,
      startNs: this.startNs,
      atNs: this.ctx.now(),
      state,
      pageNs: this.opts.pageNs,
      wrs: this.wrs,
      wrErrors: this.wrErrors,
      completions: { ...this.completions },
      write: { ...this.byOp.write },
      read: { ...this.byOp.read },
      faults: this.faults,
      faultErrors: { ...this.faultErrors },
      classes: { ...this.classes },
      violations: this.violations.slice(),
      violationsDropped: this.violationsDropped,
    };
  }
}

/** A WR starts (one event per WR, not per page): the pages it spans. */
function wrStartEvent(ctx: ProcessContext, w: Wqe, from: number): SimEvent {
  const pages = w.length > 0 && w.offset >= 0 ? Math.ceil((w.offset + w.length) / PAGE_SIZE) - Math.floor(w.offset / PAGE_SIZE) : 0;
  return { kind: 'nic.wr.start', t: ctx.now(), pid: ctx.pid, from, qp: w.qp, wrId: w.wrId, key: w.key, op: opName(w.opcode) ?? 'invalid', offset: w.offset, bytes: w.length, pages };
}

/** A WR is done, its completion about to be posted: status, and what moved. */
function wrEndEvent(ctx: ProcessContext, w: Wqe, from: number, d: Done, t: number): SimEvent {
  const status = d.status === 0 ? 'ok' : (errnoName(d.status) ?? `E${d.status}`);
  return { kind: 'nic.wr.end', t, pid: ctx.pid, from, qp: w.qp, wrId: w.wrId, key: w.key, op: opName(w.opcode) ?? 'invalid', status, bytes: d.bytes, pages: d.pages, violations: d.violations };
}

/** The daemon's entry point (loaded by URL in its thread, or called directly). */
export async function runProgram(ctx: ProcessContext, input: unknown): Promise<NicOutput> {
  const inp = (input ?? {}) as NicInput;
  const pageNs = inp.pageNs ?? (ctx.mode === 'deterministic' ? DEFAULT_DETERMINISTIC_PAGE_NS : 0);
  return new Nic(ctx, { name: inp.name ?? ctx.name, pageNs }).run();
}
