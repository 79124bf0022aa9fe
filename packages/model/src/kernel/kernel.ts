/**
 * The kernel: one pmem device with a DAX filesystem on it, the tasks, and the syscalls.
 *
 * Syscalls are async: a syscall that must wait (a lease break, a busy DAX page) awaits a hook
 * that the lease and layout code installs, and the kernel goes on serving other tasks meanwhile.
 * With no hook installed nothing ever waits. Every argument rule follows Linux, in Linux's order
 * (fs/open.c, fs/read_write.c, mm/mmap.c); results are SysResult, never exceptions.
 */
import { daxFault, daxRead, daxWrite } from '../fs/dax.js';
import { type FallocOp, type FallocateModeCheck, fallocateApply, fallocatePrepare, vfsFallocateCheck } from '../fs/fallocate.js';
import { File } from '../fs/file.js';
import { type Inode, MAY_READ, MAY_WRITE, inodePermission } from '../fs/inode.js';
import { SuperBlock } from '../fs/super.js';
import { createFile, lookup, lookupParent, mkdirs, newSizeOk, setSize } from '../fs/vfs.js';
import { type AccessResult, type FaultFn, loadUser, storeUser } from '../mm/uaccess.js';
import { Vma } from '../mm/mmap.js';
import { PAGE_SIZE, Pmem } from '../mm/pmem.js';
import { F_GETLEASE, F_SETLEASE, F_SETSIG, F_GETSIG, F_GETFL, F_SETFL } from './fcntl.js';
import { Locks, leaseTypeName } from '../fs/locks.js';
import { LeaseEventQueue } from '../fs/lease_lifecycle.js';
import { type EventSink, NULL_SINK, type SimEvent } from '@leasebreak/trace';
import { type Clock, ManualClock, type TimerHandle } from './clock.js';
import { BUG_ON, type Errno, type SysResult, err, ok } from './errno.js';
import { O_ACCMODE, O_APPEND, O_CREAT, O_EXCL, O_NONBLOCK, O_TRUNC, O_WRONLY, PROT_READ, PROT_WRITE } from './flags.js';
import { WaitQueue, signalWakeUp, sleepOn, wakeTask } from './sched.js';
import { NSIG, SIGALRM, type SigInfo, signame } from './signal.js';
import { Task } from './task.js';
import type { HangReport } from './hung_task.js';
import { POLICIES, type Policy } from './policy.js';
import { FOLL_WRITE, type PinSet, Pins, pinUserPages, unpinUserPages } from '../mm/gup.js';
import { Verbs } from '../rdma/verbs.js';
import { MR_TABLE_BYTES } from '../rdma/mr_table.js';
import { DIO_SOURCE_BASE, STAMP_BYTES, writeStamp } from '../mm/stamp.js';
import { type LayoutChangeRange, breaksFor, daxBreakLayouts } from '../fs/dax_layout.js';

export interface KernelConfig {
  /** Device size in 4 KiB pages. */
  readonly pmemPages: number;
  /** Refcount of an idle DAX page: 1 before v6.15, 0 after (then mappings hold references). */
  readonly idleRefcount?: 0 | 1;
  /** s_maxbytes. */
  readonly maxBytes?: number;
  readonly preferRecentlyFreed?: boolean;
  readonly fallocateModeCheck?: FallocateModeCheck;
  /** The device, when the runtime created it (shared with every thread). */
  readonly pmem?: Pmem;
  /** The shared MR table (rdma/mr_table.ts); created here when not given. */
  readonly mrTable?: SharedArrayBuffer;
  /** The kernel design modelled (default: mainline). */
  readonly policy?: Policy;
  /** The runtime's clock (default: a ManualClock that moves only when told). */
  readonly clock?: Clock;
  /** Where simulator events go (default: nowhere). */
  readonly sink?: EventSink;
}

/** Runtime callbacks: a task needs attention while it may be running user code. */
export interface KernelNotify {
  /** A signal became pending, or the task is dying: bring it into the kernel soon. */
  signalPending?(task: Task): void;
  /** The hung-task watchdog fired: end the run. */
  hung?(report: HangReport): void;
}

/** Why a layout is about to change, for the layout-break hook. */
export type LayoutChange =
  | { readonly kind: 'truncate'; readonly from: number; readonly to: number }
  | { readonly kind: 'fallocate'; readonly op: FallocOp };

/** Where leases and layouts plug in (fs/locks.c, fs/dax.c): filled by later layers. */
export interface KernelHooks {
  /** break_lease(inode, mode): may wait; returns an errno to fail the syscall with. */
  breakLease?(task: Task, inode: Inode, openFlags: number): Promise<Errno | null>;
  /** __fput(): the last reference to an open file description went away (locks_remove_file). */
  fileRelease?(file: File): void;
}

const MAX_RW_COUNT = 0x7ffff000;

const payloads = new Map<number, Uint8Array>();
/** The bytes a simulated device's DMA carries after the stamp (one pattern per writer). */
function dmaPayload(value: number): Uint8Array {
  let p = payloads.get(value);
  if (p === undefined) {
    p = new Uint8Array(PAGE_SIZE - STAMP_BYTES).fill(value);
    payloads.set(value, p);
  }
  return p;
} // INT_MAX & PAGE_MASK: the most one read/write moves

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

export class Kernel {
  readonly pmem: Pmem;
  readonly sb: SuperBlock;
  readonly tasks = new Map<number, Task>();
  readonly hooks: KernelHooks = {};
  readonly notify: KernelNotify = {};
  readonly clock: Clock;
  sink: EventSink;
  readonly locks: Locks;
  /** The kernel design and its knobs (allowLongtermPin, skipWaitWhenUnmapped, ...). */
  policy: Policy;
  /** Every GUP pin in force, and long-term pin counts per pfn. */
  readonly pins = new Pins();
  readonly verbs: Verbs;
  /** Set by the hung-task watchdog: the first hang of the run. */
  hung: HangReport | null = null;
  private dioSeq = 0;
  /** Pin sets of asynchronous DIOs still in flight (io_submit). */
  private readonly aioPins = new Set<PinSet>();
  /** Woken as each asynchronous DIO completes (exit_aio waits on it). */
  private readonly aioDone = new WaitQueue();
  /** alarm(2) timers per pid. */
  private readonly alarms = new Map<number, { at: number; timer: TimerHandle }>();
  /** What fs/locks did to each lease, for the XState lifecycle machines (fs/lease_lifecycle.ts). */
  readonly lifecycles: LeaseEventQueue;
  fallocateModeCheck: FallocateModeCheck;
  private nextPid = 100;
  private readonly vmaFile = new Map<Vma, File>();
  /** sigtimedwait sleepers, woken when a waited-for signal becomes pending. */
  private readonly sigwait = new Map<Task, ReadonlySet<number>>();
  /** Sleepers waiting for a page's refcount to change (woken by pollCells). */
  private readonly cellWatches = new Set<{ pfn: number; value: number; wq: WaitQueue }>();
  private readonly barriers = new Map<string, { members: Set<number>; arrivals: Map<number, number>; wq: WaitQueue }>();

  constructor(config: KernelConfig) {
    this.clock = config.clock ?? new ManualClock();
    this.policy = config.policy ?? POLICIES.mainline;
    this.sink = config.sink ?? NULL_SINK;
    this.locks = new Locks(this);
    this.lifecycles = new LeaseEventQueue(this.clock);
    this.locks.observer = this.lifecycles;
    this.locks.layoutLeasesFcntl = this.policy.layoutLeasesFcntl;
    this.locks.leaseBreakTimeNs = this.policy.knobs.leaseBreakTimeNs;
    this.locks.leasesEnable = this.policy.knobs.leasesEnable;
    this.pmem = config.pmem ?? Pmem.create(config.pmemPages, config.idleRefcount === undefined ? {} : { idleRefcount: config.idleRefcount });
    this.sb = new SuperBlock(this.pmem, {
      ...(config.maxBytes === undefined ? {} : { maxBytes: config.maxBytes }),
      preferRecentlyFreed: config.preferRecentlyFreed ?? false,
    });
    this.fallocateModeCheck = config.fallocateModeCheck ?? 'v4';
    this.verbs = new Verbs(this, config.mrTable ?? new SharedArrayBuffer(MR_TABLE_BYTES));
    // Unmapping a file range is also the MMU notifier that invalidates ODP MRs over it.
    this.sb.onUnmap = (inode, first, last) => this.verbs.invalidate(inode, first, last);
    // break_lease() and locks_remove_file(): plain fcntl leases.
    this.hooks.breakLease = (task, inode, flags) => (this.locks.hasLeases(inode) ? this.locks.breakLease(task, inode, flags) : Promise.resolve(null));
    this.hooks.fileRelease = (file) => this.locks.removeFile(file);
  }

  emit(e: SimEvent): void {
    this.sink.emit(e);
  }

  // ---- tasks -----------------------------------------------------------------------------

  createTask(opts: { uid?: number; name?: string } = {}): Task {
    const pid = this.nextPid++;
    const task = new Task(pid, opts.uid ?? 0, opts.name ?? `task${pid}`);
    this.tasks.set(pid, task);
    return task;
  }

  task(pid: number): Task {
    const t = this.tasks.get(pid);
    BUG_ON(t === undefined || t.exited, `no live task with pid ${pid}`);
    return t!;
  }

  /**
   * exit_aio() (fs/aio.c): an exiting task's in-flight asynchronous I/O is cancelled where it can
   * be and waited for where it cannot — a disk's DMA cannot — uninterruptibly
   * (kill_ioctx, then wait_for_completion) before the task releases its mm and files. So the
   * pins of an io_submit()ted read are gone by the time the process is.
   */
  async exitAio(pid: number): Promise<void> {
    const task = this.task(pid);
    const inFlight = (): boolean => {
      for (const set of this.aioPins) if (set.pid === pid) return true;
      return false;
    };
    while (inFlight()) await sleepOn(this.clock, task, [this.aioDone], { deadlineNs: null, interruptible: false, killable: false });
  }

  /**
   * do_exit(): unmap everything, close every fd (dropping leases held through them), and count
   * as arrived at every barrier the task belongs to. Signals still pending are lost.
   */
  exitTask(pid: number, status: number | string = 0): void {
    const task = this.task(pid);
    this.verbs.releaseTask(pid); // the uverbs file closes: MRs deregistered, pins dropped
    // Pins of an asynchronous DIO belong to the I/O, which completes on its own: an exit syscall
    // has waited for it already (exitAio); a task killed on its way back to user space does not
    // wait here, and its I/O's pins go when the disk completes.
    for (const set of this.pins.heldBy(pid)) if (!this.aioPins.has(set)) unpinUserPages(this, set);
    const alarm = this.alarms.get(pid);
    if (alarm !== undefined) this.clock.clearTimer(alarm.timer);
    this.alarms.delete(pid);
    for (const vma of [...task.mm.all()]) this.removeVma(task, vma);
    for (const [fd] of task.files.entries()) this.closeFd(task, fd);
    task.exited = true;
    task.exitStatus = task.dying ?? status;
    // Signals still pending at a normal exit are listed; a killed task loses them.
    if (task.dying === null) this.reportPending(task);
    task.signals.pending.length = 0;
    this.emit({ kind: 'task.exit', t: this.clock.now(), pid, code: task.exitStatus });
    for (const b of this.barriers.values()) if (b.members.has(pid)) b.wq.wakeUp();
  }

  // ---- signals ---------------------------------------------------------------------------

  /** Emit the task's pending signals (at exit, or at the end of a run for live tasks). */
  reportPending(task: Task): void {
    for (const p of task.signals.pending) this.emit({ kind: 'signal.pending', t: this.clock.now(), pid: task.pid, signo: signame(p.signo), fd: p.fd });
  }

  /**
   * Generate a signal for `pid` (send_signal / send_sigio). Ignored signals are dropped; a
   * fatal one marks the task dying and ends its sleep; otherwise it is queued (standard signals
   * merge) and interrupts an interruptible sleep if it is handled and not blocked.
   * Return: false if there is no such live task (ESRCH).
   */
  sendSignal(pid: number, signo: number, info: { code?: SigInfo['code']; fd?: number | null; fromPid?: number | null } = {}): boolean {
    const task = this.tasks.get(pid);
    if (task === undefined || task.exited) return false;
    const t = this.clock.now();
    const si: SigInfo = { signo, fd: info.fd ?? null, code: info.code ?? 'SI_USER', fromPid: info.fromPid ?? null, atNs: t };
    this.emit({ kind: 'signal.send', t, pid, signo: signame(signo), fd: si.fd, from: si.fromPid });
    const sig = task.signals;
    if (sig.isIgnored(signo)) {
      this.emit({ kind: 'signal.deliver', t, pid, signo: signame(signo), fd: si.fd, how: 'ignore' });
      return true;
    }
    if (sig.isFatal(signo)) {
      if (task.dying === null) {
        task.dying = signame(signo);
        this.emit({ kind: 'signal.deliver', t, pid, signo: signame(signo), fd: si.fd, how: 'kill' });
      }
      signalWakeUp(task);
      this.notify.signalPending?.(task);
      return true;
    }
    sig.enqueue(si);
    const waitSet = this.sigwait.get(task);
    if (waitSet?.has(signo)) wakeTask(task);
    else signalWakeUp(task);
    this.notify.signalPending?.(task);
    return true;
  }

  /**
   * The way back to user space (exit_to_user_mode → arch_do_signal_or_restart): a dying task
   * exits here; otherwise the handled signals to run now are dequeued and returned.
   */
  returnToUser(pid: number): { killed: string | null; handlers: SigInfo[] } {
    const task = this.task(pid);
    if (task.dying !== null) {
      this.exitTask(pid);
      return { killed: task.dying, handlers: [] };
    }
    const handlers = task.signals.dequeueForHandlers();
    for (const h of handlers) this.emit({ kind: 'signal.deliver', t: this.clock.now(), pid, signo: signame(h.signo), fd: h.fd, how: 'handler' });
    return { killed: null, handlers };
  }

  /** rt_sigaction(): install a handler ('handler'), ignore, or restore the default. */
  sigaction(pid: number, signo: number, d: 'handler' | 'ignore' | 'default'): SysResult<0> {
    if (!Number.isInteger(signo) || signo < 1 || signo > NSIG) return err('EINVAL');
    return this.task(pid).signals.setDisposition(signo, d) ? ok(0) : err('EINVAL');
  }

  /** rt_sigprocmask(SIG_BLOCK / SIG_UNBLOCK). */
  sigprocmask(pid: number, how: 'block' | 'unblock', signos: readonly number[]): SysResult<0> {
    const task = this.task(pid);
    for (const s of signos) {
      if (how === 'block') task.signals.blocked.add(s);
      else task.signals.blocked.delete(s);
    }
    if (how === 'unblock') {
      signalWakeUp(task);
      this.notify.signalPending?.(task);
    }
    return ok(0);
  }

  /** kill(2): ESRCH for no such process, EINVAL for a bad signal, EPERM across users. */
  kill(pid: number, target: number, signo: number): SysResult<0> {
    const task = this.task(pid);
    if (!Number.isInteger(signo) || signo < 0 || signo > NSIG) return err('EINVAL');
    const victim = this.tasks.get(target);
    if (victim === undefined || victim.exited) return err('ESRCH');
    if (!task.privileged && task.uid !== victim.uid) return err('EPERM');
    if (signo !== 0) this.sendSignal(target, signo, { code: 'SI_USER', fromPid: pid });
    return ok(0);
  }

  /**
   * rt_sigtimedwait(): take a pending signal of `set` (which the caller keeps blocked), waiting
   * up to `timeoutNs` (null: forever). ETIMEDOUT on timeout (Linux says EAGAIN; the scenario
   * contract names it ETIMEDOUT), EINTR if a handled signal outside the set arrives.
   */
  async sigtimedwait(pid: number, set: ReadonlySet<number>, timeoutNs: number | null): Promise<SysResult<SigInfo>> {
    const task = this.task(pid);
    const deadline = timeoutNs === null ? null : this.clock.now() + timeoutNs;
    for (;;) {
      const got = task.signals.dequeueFrom(set);
      if (got !== null) {
        this.emit({ kind: 'signal.deliver', t: this.clock.now(), pid, signo: signame(got.signo), fd: got.fd, how: 'wait' });
        return ok(got);
      }
      this.sigwait.set(task, set);
      const why = await sleepOn(this.clock, task, [], { deadlineNs: deadline, interruptible: true });
      this.sigwait.delete(task);
      if (why === 'timeout') return err('ETIMEDOUT');
      if (why === 'interrupted' || why === 'killed') return err('EINTR');
    }
  }

  /** nanosleep(): EINTR if a handled signal arrives; the value is the time left (ns). */
  async nanosleep(pid: number, ns: number): Promise<SysResult<number>> {
    const task = this.task(pid);
    const deadline = this.clock.now() + Math.max(0, ns);
    const why = await sleepOn(this.clock, task, [], { deadlineNs: deadline, interruptible: true });
    if (why === 'interrupted' || why === 'killed') return { ok: false, errno: 'EINTR' };
    return ok(0);
  }

  // ---- barriers (a pthread barrier in shared memory: a futex wait) -----------------------

  /** Declare which pids take part in barrier `name` (scenario setup). */
  barrierInit(name: string, pids: readonly number[]): void {
    this.barriers.set(name, { members: new Set(pids), arrivals: new Map(), wq: new WaitQueue() });
  }

  /**
   * Arrive at barrier `name` (once per pass) and wait until every member has arrived as many
   * times or exited. Interruptible: EINTR lets the caller run handlers and call again with
   * `arrived` true to go on waiting without arriving twice.
   */
  async barrierWait(pid: number, name: string, arrived: boolean): Promise<SysResult<0>> {
    const task = this.task(pid);
    const b = this.barriers.get(name);
    if (b === undefined || !b.members.has(pid)) return err('EINVAL');
    if (!arrived) {
      b.arrivals.set(pid, (b.arrivals.get(pid) ?? 0) + 1);
      b.wq.wakeUp();
    }
    const mine = b.arrivals.get(pid) ?? 0;
    const open = (): boolean => [...b.members].every((m) => (b.arrivals.get(m) ?? 0) >= mine || this.tasks.get(m)?.exited === true);
    while (!open()) {
      const why = await sleepOn(this.clock, task, [b.wq], { deadlineNs: null, interruptible: true });
      if (why === 'interrupted' || why === 'killed') return err('EINTR');
    }
    this.emit({ kind: 'barrier', t: this.clock.now(), pid, name, open: true });
    return ok(0);
  }

  // ---- setup (not syscalls) --------------------------------------------------------------

  /** Create a file (and its directories) as a scenario's `files:` entry does; filled with zeros to `size`. */
  createFileAt(path: string, opts: { size?: number; uid?: number; mode?: number } = {}): SysResult<Inode> {
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const dir = mkdirs(this.sb, parent);
    if (!dir.ok) return dir;
    const where = lookupParent(this.sb, path);
    if (!where.ok) return where;
    if (where.value.dir.children!.has(where.value.name)) return err('EEXIST');
    const inode = createFile(this.sb, where.value.dir, where.value.name, opts.mode ?? 0o644, opts.uid ?? 0);
    const size = opts.size ?? 0;
    if (size > 0) {
      const bad = newSizeOk(this.sb, size);
      if (bad !== null) return err(bad);
      const w = daxWrite(this.sb, inode, 0, new Uint8Array(size));
      if (!w.ok) return w;
      if (w.value < size) return err('ENOSPC');
    }
    return ok(inode);
  }

  lookupPath(path: string): SysResult<Inode> {
    return lookup(this.sb, path);
  }

  // ---- files and fds ---------------------------------------------------------------------

  private fdFile(task: Task, fd: number): File | undefined {
    return task.files.get(fd);
  }

  /** fput(): drop one reference; the last one releases the description (__fput). */
  private fput(file: File): void {
    BUG_ON(file.count <= 0, `fput on file ${file.id} with f_count ${file.count}`);
    if (--file.count > 0) return;
    this.hooks.fileRelease?.(file);
    if (file.writable) file.inode.writecount--;
    else if (file.readable) file.inode.readcount--;
  }

  private closeFd(task: Task, fd: number): boolean {
    const file = task.files.remove(fd);
    if (file === undefined) return false;
    this.fput(file);
    return true;
  }

  /**
   * open(2) — do_sys_open → path_openat → do_open → vfs_open / do_dentry_open, handle_truncate.
   * Errors: ENOENT, ENOTDIR, ENAMETOOLONG, EEXIST (O_CREAT|O_EXCL), EISDIR (directory opened for
   * write), EACCES, EPERM (append-only opened for write without O_APPEND, or truncated),
   * EMFILE, plus whatever the lease break returns (EWOULDBLOCK with O_NONBLOCK, EINTR).
   */
  async open(pid: number, path: string, flags: number, mode = 0o644): Promise<SysResult<number>> {
    const task = this.task(pid);
    if (!Number.isInteger(flags)) return err('EINVAL');
    // do_sys_openat2(): get_unused_fd_flags() runs before the lookup, so a full table is EMFILE
    // whatever the path, and nothing is created or truncated.
    if (!task.files.hasFree()) return err('EMFILE');
    if (flags & O_CREAT && /[^/]\/+$/.test(path)) {
      // open_last_lookups(): O_CREAT with a trailing slash is EISDIR once the parent resolves.
      const where = lookupParent(this.sb, path);
      return where.ok ? err('EISDIR') : where;
    }
    let inode: Inode;
    let created = false;
    const found = lookup(this.sb, path);
    if (found.ok) {
      if (flags & O_CREAT && flags & O_EXCL) return err('EEXIST');
      if (flags & O_CREAT && found.value.isDir) return err('EISDIR'); // do_open()
      inode = found.value;
    } else if (found.errno === 'ENOENT' && flags & O_CREAT) {
      const where = lookupParent(this.sb, path);
      if (!where.ok) return where;
      const denied = inodePermission(where.value.dir, task.uid, MAY_WRITE);
      if (denied !== null) return err(denied);
      inode = createFile(this.sb, where.value.dir, where.value.name, mode, task.uid);
      created = true;
    } else {
      return found;
    }
    const acc = flags & O_ACCMODE;
    const wantWrite = acc === O_WRONLY || acc === 2 || acc === 3 || (flags & O_TRUNC) !== 0;
    const wantRead = acc !== O_WRONLY;
    if (inode.isDir && wantWrite) return err('EISDIR');
    // do_open(): a file this open created (FMODE_CREATED) is neither permission-checked nor truncated.
    const denied = created ? null : inodePermission(inode, task.uid, (wantRead ? MAY_READ : 0) | (wantWrite ? MAY_WRITE : 0));
    if (denied !== null) return err(denied);
    // may_open(): append-only files may be opened for write only with O_APPEND, never truncated.
    if (inode.appendOnly && ((acc !== 0 && !(flags & O_APPEND)) || flags & O_TRUNC)) return err('EPERM');
    if (inode.immutable && wantWrite) return err('EPERM');
    const file = new File(this.sb.allocFileId(), inode, flags);
    // get_write_access / i_readcount_inc happen before break_lease, in do_dentry_open.
    if (file.writable) inode.writecount++;
    else if (file.readable) inode.readcount++;
    if (this.hooks.breakLease !== undefined && inode.isReg) {
      const e = await this.hooks.breakLease(task, inode, flags);
      if (e !== null) {
        if (file.writable) inode.writecount--;
        else if (file.readable) inode.readcount--;
        return err(e);
      }
    }
    if (flags & O_TRUNC && inode.isReg && !created) {
      // handle_truncate → do_truncate: a size change that breaks layouts like truncate(2).
      const e = await this.doTruncate(task, inode, 0);
      if (e !== null) {
        if (file.writable) inode.writecount--;
        else if (file.readable) inode.readcount--;
        return err(e);
      }
    }
    const fd = task.files.install(file);
    if (fd < 0) {
      file.count = 1;
      this.fput(file);
      return err('EMFILE');
    }
    return ok(fd);
  }

  /** close(2): EBADF. */
  async close(pid: number, fd: number): Promise<SysResult<0>> {
    return this.closeFd(this.task(pid), fd) ? ok(0) : err('EBADF');
  }

  /** dup(2): the lowest free fd, sharing the open file description. EBADF, EMFILE. */
  async dup(pid: number, fd: number): Promise<SysResult<number>> {
    const task = this.task(pid);
    const file = this.fdFile(task, fd);
    if (file === undefined) return err('EBADF');
    const nfd = task.files.install(file);
    return nfd < 0 ? err('EMFILE') : ok(nfd);
  }

  /**
   * fcntl(2) for the lease and signal commands: F_SETLEASE, F_GETLEASE (value: the lease type,
   * with F_LAYOUT/F_UNBREAK bits), F_SETSIG, F_GETSIG, F_GETFL, F_SETFL (O_APPEND, O_NONBLOCK).
   * EBADF, EINVAL for an unknown command or argument.
   */
  async fcntl(pid: number, fd: number, cmd: number, arg = 0): Promise<SysResult<number>> {
    const task = this.task(pid);
    const file = this.fdFile(task, fd);
    if (file === undefined) return err('EBADF');
    switch (cmd) {
      case F_SETLEASE:
        return this.locks.setLease(task, fd, file, arg);
      case F_GETLEASE:
        return ok(this.locks.getLease(file));
      case F_SETSIG:
        if (!Number.isInteger(arg) || arg < 0 || arg > NSIG) return err('EINVAL');
        file.signum = arg;
        return ok(0);
      case F_GETSIG:
        return ok(file.signum);
      case F_GETFL:
        return ok(file.flags);
      case F_SETFL:
        file.flags = (file.flags & ~(O_APPEND | O_NONBLOCK)) | (arg & (O_APPEND | O_NONBLOCK));
        return ok(0);
      default:
        return err('EINVAL');
    }
  }

  /** Name of an F_GETLEASE value (for reports). */
  static leaseTypeName(v: number): string {
    return leaseTypeName(v);
  }

  /** The file of an fd for the F_* commands and later layers. */
  fileOf(pid: number, fd: number): File | undefined {
    return this.fdFile(this.task(pid), fd);
  }

  // ---- read / write ----------------------------------------------------------------------

  private rwFile(task: Task, fd: number, write: boolean): SysResult<File> {
    const file = this.fdFile(task, fd);
    if (file === undefined || !(write ? file.writable : file.readable)) return err('EBADF');
    if (file.inode.isDir) return err('EISDIR');
    return ok(file);
  }

  /** vfs_read(): EBADF (not open for reading), EISDIR, EINVAL (negative count or offset). */
  private doRead(task: Task, fd: number, len: number, pos: number | null): SysResult<Uint8Array> {
    // ksys_pread64() rejects a negative offset before it even looks the fd up.
    if (pos !== null && (!isCount(pos) || pos < 0)) return err('EINVAL');
    const f = this.rwFile(task, fd, false);
    if (!f.ok) return f;
    if (!isCount(len) || len < 0) return err('EINVAL');
    const file = f.value;
    const at = pos ?? file.pos;
    const data = daxRead(this.sb, file.inode, at, Math.min(len, MAX_RW_COUNT));
    if (pos === null) file.pos += data.length;
    return ok(data);
  }

  /**
   * vfs_write(): EBADF, EISDIR, EINVAL, EFBIG (at or past s_maxbytes), ENOSPC; O_APPEND writes at
   * EOF — even pwrite(2), a Linux bug the man page documents (but pwrite still leaves f_pos alone).
   */
  private doWrite(task: Task, fd: number, data: Uint8Array, pos: number | null): SysResult<number> {
    // ksys_pwrite64() rejects a negative offset before it even looks the fd up.
    if (pos !== null && (!isCount(pos) || pos < 0)) return err('EINVAL');
    const f = this.rwFile(task, fd, true);
    if (!f.ok) return f;
    const file = f.value;
    const inode = file.inode;
    const at = file.flags & O_APPEND ? inode.size : (pos ?? file.pos);
    if (data.length === 0) return ok(0);
    if (at >= this.sb.maxBytes) return err('EFBIG'); // generic_write_check_limits (SIGXFSZ not modelled)
    const n = Math.min(data.length, MAX_RW_COUNT, this.sb.maxBytes - at);
    const w = daxWrite(this.sb, inode, at, data.subarray(0, n));
    // ksys_pwrite64() hands vfs_write a local copy of pos: only write(2) moves f_pos.
    if (w.ok && pos === null) file.pos = at + w.value;
    return w;
  }

  async read(pid: number, fd: number, len: number): Promise<SysResult<Uint8Array>> {
    return this.doRead(this.task(pid), fd, len, null);
  }

  async pread(pid: number, fd: number, len: number, offset: number): Promise<SysResult<Uint8Array>> {
    return this.doRead(this.task(pid), fd, len, offset);
  }

  async write(pid: number, fd: number, data: Uint8Array): Promise<SysResult<number>> {
    return this.doWrite(this.task(pid), fd, data, null);
  }

  async pwrite(pid: number, fd: number, data: Uint8Array, offset: number): Promise<SysResult<number>> {
    return this.doWrite(this.task(pid), fd, data, offset);
  }

  // ---- truncate ---------------------------------------------------------------------------

  /**
   * do_truncate → notify_change → ext4_setattr / xfs_setattr_size: EFBIG past s_maxbytes
   * (inode_newsize_ok), then, holding i_rwsem and the invalidate lock, the filesystem's layout
   * break (which may wait for busy DAX pages, or fail), then the size change.
   */
  private async doTruncate(task: Task, inode: Inode, length: number): Promise<Errno | null> {
    // notify_change() → try_break_deleg() → __break_lease(inode, O_WRONLY|O_NONBLOCK, FL_DELEG):
    // a delegation breaker conflicts with no fcntl lease, but __break_lease runs
    // time_out_leases() first, so even ftruncate(2) reaps expired leases (seen on Linux 6.18).
    this.locks.timeOutLeases(inode);
    const big = newSizeOk(this.sb, length);
    if (big !== null) return big;
    const oldSize = inode.size;
    const growing = length > oldSize;
    const first = Math.ceil(Math.min(length, oldSize) / PAGE_SIZE);
    return this.layoutChange(task, inode, { op: 'truncate', first, last: Number.MAX_SAFE_INTEGER }, growing, () => {
      setSize(this.sb, inode, length);
      return null;
    });
  }

  /**
   * Run a layout change under inode_lock + the invalidate lock, breaking layouts first when the
   * policy says so. `apply` re-checks what the wait may have changed and does the change.
   * Emits `layout.change` (the report's delayedOk: it waited, then succeeded).
   */
  private async layoutChange(task: Task, inode: Inode, range: LayoutChangeRange, growing: boolean, apply: () => Errno | null): Promise<Errno | null> {
    await inode.iRwsem.downWrite(task);
    await inode.invalidateLock.downWrite(task);
    try {
      let waited = false;
      if (breaksFor(this, range, growing)) {
        const b = await daxBreakLayouts(this, task, inode, range);
        waited = b.waited;
        if (b.errno !== null) {
          this.emit({ kind: 'layout.change', t: this.clock.now(), pid: task.pid, ino: inode.ino, op: range.op, waited, errno: b.errno });
          return b.errno;
        }
      }
      const e = apply();
      this.emit({ kind: 'layout.change', t: this.clock.now(), pid: task.pid, ino: inode.ino, op: range.op, waited, errno: e });
      return e;
    } finally {
      inode.invalidateLock.upWrite();
      inode.iRwsem.upWrite();
    }
  }

  // ---- waiting for a page to go idle -----------------------------------------------------

  /**
   * Sleep until page `pfn`'s refcount is back to idle (___wait_var_event on page->_refcount,
   * TASK_INTERRUPTIBLE). Return: null when idle, EINTR if a signal came first.
   */
  async waitPageIdle(task: Task, pfn: number, ino = 0): Promise<Errno | null> {
    for (;;) {
      const v = this.pmem.refcount(pfn);
      if (v <= this.pmem.idleRefcount) return null;
      const w = { pfn, value: v, wq: new WaitQueue() };
      this.cellWatches.add(w);
      task.blockedOn = { kind: 'page', pfn, ino };
      const why = await sleepOn(this.clock, task, [w.wq], { deadlineNs: null, interruptible: true });
      task.blockedOn = null;
      this.cellWatches.delete(w);
      if (why === 'interrupted' || why === 'killed') return 'EINTR';
    }
  }

  /** How many sleepers watch a page refcount (the runtime polls while there are any). */
  get cellWatchers(): number {
    return this.cellWatches.size;
  }

  /**
   * Wake sleepers whose page refcount changed. Runtimes call this after each batch of work: a
   * pin dropped by another thread (Atomics.sub on the shared struct page) is seen here.
   */
  pollCells(): void {
    for (const w of [...this.cellWatches]) if (this.pmem.refcount(w.pfn) !== w.value) w.wq.wakeUp();
  }

  /**
   * truncate(2) — do_sys_truncate / vfs_truncate: EINVAL (negative length), lookup errors,
   * EISDIR, EINVAL (not a regular file), EACCES, EPERM (append-only or immutable), then
   * break_lease(inode, O_WRONLY) — which even the lease holder's own truncate triggers — then
   * EFBIG and the truncate.
   */
  async truncate(pid: number, path: string, length: number): Promise<SysResult<0>> {
    const task = this.task(pid);
    if (!isCount(length) || length < 0) return err('EINVAL');
    const found = lookup(this.sb, path);
    if (!found.ok) return found;
    const inode = found.value;
    if (inode.isDir) return err('EISDIR');
    if (!inode.isReg) return err('EINVAL');
    const denied = inodePermission(inode, task.uid, MAY_WRITE);
    if (denied !== null) return err(denied);
    if (inode.appendOnly || inode.immutable) return err('EPERM');
    // get_write_access(): the truncate holds write access across the break, like an open for write.
    inode.writecount++;
    try {
      if (this.hooks.breakLease !== undefined) {
        const e = await this.hooks.breakLease(task, inode, O_WRONLY);
        if (e !== null) return err(e);
      }
      const e = await this.doTruncate(task, inode, length);
      return e === null ? ok(0) : err(e);
    } finally {
      inode.writecount--;
    }
  }

  /**
   * ftruncate(2) — do_sys_ftruncate: EINVAL (negative length), EBADF, EINVAL (not open for
   * write or not a regular file: Linux's choice where POSIX allows EBADF), EPERM (append-only).
   * No lease break: a writable fd already broke other leases when it was opened.
   */
  async ftruncate(pid: number, fd: number, length: number): Promise<SysResult<0>> {
    const task = this.task(pid);
    if (!isCount(length) || length < 0) return err('EINVAL');
    const file = this.fdFile(task, fd);
    if (file === undefined) return err('EBADF');
    if (!file.inode.isReg || !file.writable) return err('EINVAL');
    if (file.inode.appendOnly || file.inode.immutable) return err('EPERM');
    const e = await this.doTruncate(task, file.inode, length);
    return e === null ? ok(0) : err(e);
  }

  /** fallocate(2): vfs_fallocate checks, ext4_fallocate checks, the layout break, the change. */
  async fallocate(pid: number, fd: number, mode: number, offset: number, len: number): Promise<SysResult<0>> {
    const task = this.task(pid);
    const file = this.fdFile(task, fd);
    // vfs_fallocate() checks the arguments and mode before the fd's access (fdget happens first,
    // so a bad fd is EBADF before all of them).
    if (file === undefined) return err('EBADF');
    const bad = vfsFallocateCheck(this.sb, file, mode, offset, len, this.fallocateModeCheck);
    if (bad !== null) return err(bad);
    const inode = file.inode;
    const first = fallocatePrepare(this.sb, inode, mode, offset, len);
    if (!first.ok) return first;
    const op = first.value;
    const last = op.shiftsBlocks ? Number.MAX_SAFE_INTEGER : op.lastBlock;
    let failed: Errno | null = null;
    const e = await this.layoutChange(task, inode, { op: op.kind, first: op.firstBlock, last }, false, () => {
      // The checks that need the inode lock (EOF, ENOSPC) run again under it: the wait may have
      // let the file change.
      const again = fallocatePrepare(this.sb, inode, mode, offset, len);
      if (!again.ok) return (failed = again.errno);
      fallocateApply(this.sb, inode, again.value);
      return null;
    });
    return e === null && failed === null ? ok(0) : err(e ?? failed!);
  }

  // ---- RDMA registration and direct I/O ---------------------------------------------------

  /** ibv_reg_mr over [addr, addr+length) of a DAX mapping (rdma/verbs.ts). */
  async ibvRegMr(pid: number, addr: number, length: number): Promise<SysResult<number>> {
    return this.verbs.regMr(this.task(pid), addr, length);
  }

  async ibvDeregMr(pid: number, key: number): Promise<SysResult<0>> {
    return this.verbs.deregMr(this.task(pid), key);
  }

  /** The NIC asks for a page of an ODP MR. */
  async nicFault(key: number, page: number, write: boolean): Promise<SysResult<number>> {
    return this.verbs.odpFault(key, page, write);
  }

  /**
   * A direct-I/O read from a (simulated) disk into a DAX-mapped buffer: pin the pages for the
   * duration of the transfer (pin_user_pages, no FOLL_LONGTERM — a transient pin), let the disk's
   * DMA run for `ns`, write the data into the pinned frames, unpin. The DMA lands wherever the
   * frames are by then: the seed threads' 2018 case when a truncate or insert did not wait.
   * Each page gets a stamp (mm/stamp.ts); a frame no longer owned by the intended file block is
   * reported as a `dma.write` event for the checker.
   */
  async dioRead(pid: number, addr: number, length: number, ns: number, async = false): Promise<SysResult<number>> {
    const task = this.task(pid);
    if (!Number.isSafeInteger(length) || length <= 0 || addr % PAGE_SIZE !== 0) return err('EINVAL');
    const npages = Math.ceil(length / PAGE_SIZE);
    const pin = await pinUserPages(this, task, addr, npages, FOLL_WRITE);
    if (!pin.ok) return pin;
    const id = ++this.dioSeq;
    const until = this.clock.now() + Math.max(0, ns);
    const complete = (): void => {
      pin.value.pages.forEach((p, i) => this.dmaWrite(pid, DIO_SOURCE_BASE + id, id * 4096 + i, p.pfn, p.ino, p.index));
      this.aioPins.delete(pin.value);
      unpinUserPages(this, pin.value);
      this.aioDone.wakeUp();
    };
    if (async) {
      // io_submit(): the bio holds the pages, not the caller, who goes on (and may munmap the
      // buffer) while the DMA is in flight; completion comes from the disk's interrupt.
      this.aioPins.add(pin.value);
      this.clock.setTimer(until, complete);
      return ok(npages * PAGE_SIZE);
    }
    // The I/O is in flight: nothing stops it, not even a fatal signal.
    while (this.clock.now() < until) await sleepOn(this.clock, task, [], { deadlineNs: until, interruptible: false, killable: false });
    complete();
    return ok(npages * PAGE_SIZE);
  }

  /**
   * alarm(2) / setitimer(ITIMER_REAL), with ns resolution: SIGALRM to the caller once `ns` have
   * passed (it_real_fn; 0 cancels). Return: ns left on the alarm it replaced, 0 if none.
   */
  alarm(pid: number, ns: number): SysResult<number> {
    this.task(pid);
    if (!isCount(ns) || ns < 0) return err('EINVAL');
    const prev = this.alarms.get(pid);
    const left = prev === undefined ? 0 : Math.max(0, prev.at - this.clock.now());
    if (prev !== undefined) this.clock.clearTimer(prev.timer);
    this.alarms.delete(pid);
    if (ns > 0) {
      const at = this.clock.now() + ns;
      const timer = this.clock.setTimer(at, () => {
        this.alarms.delete(pid);
        this.sendSignal(pid, SIGALRM);
      });
      this.alarms.set(pid, { at, timer });
    }
    return ok(left);
  }

  /**
   * One DMA write of a page by a device (the DIO disk; the NIC does the same on its own thread):
   * stamp the frame, and report it when the frame no longer belongs to the block it was aimed at.
   */
  dmaWrite(writer: number, source: number, seq: number, pfn: number, ino: number, index: number): void {
    const owner = this.pmem.owner(pfn);
    const frame = this.pmem.frame(pfn);
    writeStamp(frame, 0, { writer, source, ino, index, seq, offset: 0 });
    frame.set(dmaPayload(0xd0 | (writer & 0x0f)), STAMP_BYTES); // a copy, as DMA is (and fill on shared memory is slow)
    if (owner.ino !== ino || owner.index !== index) {
      this.emit({ kind: 'dma.write', t: this.clock.now(), writer, source, pfn, intended: { ino, index }, owner: { ino: owner.ino, index: owner.index, generation: owner.generation }, op: 'write' });
    }
  }

  // ---- mmap and user memory --------------------------------------------------------------

  /**
   * mmap(2) of a DAX file, MAP_SHARED: EINVAL (length 0, offset not page aligned), EBADF,
   * EACCES (fd not open for reading; PROT_WRITE on an fd not open for writing), ENODEV (not a
   * regular file). Return: the mapping's address. No page is mapped until it is touched.
   */
  async mmap(pid: number, fd: number, length: number, prot: number = PROT_READ | PROT_WRITE, offset = 0): Promise<SysResult<number>> {
    const task = this.task(pid);
    // sys_mmap() checks the offset, ksys_mmap_pgoff() the fd, then do_mmap() the length.
    if (!isCount(offset) || offset < 0 || offset % PAGE_SIZE !== 0) return err('EINVAL');
    const file = this.fdFile(task, fd);
    if (file === undefined) return err('EBADF');
    if (!isCount(length) || length <= 0) return err('EINVAL');
    if (prot & PROT_WRITE && !file.writable) return err('EACCES');
    if (file.inode.appendOnly && file.writable) return err('EACCES'); // do_mmap: MAP_SHARED of an append-only file
    if (!file.readable) return err('EACCES');
    if (!file.inode.isReg) return err('ENODEV');
    const pages = Math.ceil(length / PAGE_SIZE);
    const vma = new Vma({ start: task.mm.unmappedArea(pages), pages, pgoff: offset / PAGE_SIZE, prot, shared: true, pid });
    task.mm.insert(vma);
    file.inode.vmas.add(vma);
    file.count++; // vma->vm_file holds the description open
    this.vmaFile.set(vma, file);
    return ok(vma.start);
  }

  private removeVma(task: Task, vma: Vma): void {
    vma.unmapPages(this.pmem, 0, vma.pages, this.sb.mapHoldsRef);
    task.mm.remove(vma);
    const file = this.vmaFile.get(vma)!;
    this.vmaFile.delete(vma);
    file.inode.vmas.delete(vma);
    this.fput(file);
  }

  /** munmap(2): EINVAL for an unaligned address or a non-positive length; unmapped ranges are fine. */
  async munmap(pid: number, addr: number, length: number): Promise<SysResult<0>> {
    const task = this.task(pid);
    if (!isCount(addr) || addr % PAGE_SIZE !== 0 || !isCount(length) || length <= 0) return err('EINVAL');
    const end = addr + Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    for (const vma of task.mm.overlapping(addr, end - addr)) {
      const from = Math.max(0, (addr - vma.start) / PAGE_SIZE);
      const to = Math.min(vma.pages, (end - vma.start) / PAGE_SIZE);
      vma.unmapPages(this.pmem, from, to, this.sb.mapHoldsRef);
      if (vma.empty) this.removeVma(task, vma);
    }
    return ok(0);
  }

  /** The VMA at an address, with its file (for the process side and later layers). */
  vmaAt(pid: number, addr: number): { vma: Vma; file: File } | undefined {
    const vma = this.task(pid).mm.find(addr);
    return vma === undefined ? undefined : { vma, file: this.vmaFile.get(vma)! };
  }

  /** handle_mm_fault() for a DAX VMA page. */
  fault(vma: Vma, index: number, write: boolean): ReturnType<FaultFn> {
    const file = this.vmaFile.get(vma);
    if (file === undefined) return { ok: false, sig: 'SIGSEGV' };
    return daxFault(this.sb, file.inode, vma, index, write);
  }

  private readonly faultFn: FaultFn = (vma, index, write) => this.fault(vma, index, write);

  /**
   * A CPU load from user memory (through the page tables; faults as needed). A fault takes the
   * invalidate lock shared, so it waits while a layout change holds it.
   */
  async load(pid: number, addr: number, len: number): Promise<AccessResult<Uint8Array>> {
    const task = this.task(pid);
    const inode = this.vmaAt(pid, addr)?.file.inode;
    if (inode !== undefined) await inode.invalidateLock.downRead(task);
    try {
      return loadUser(this.pmem, (a) => task.mm.find(a), addr, len, this.faultFn);
    } finally {
      inode?.invalidateLock.upRead(task);
    }
  }

  /** A CPU store to user memory. */
  async store(pid: number, addr: number, data: Uint8Array): Promise<AccessResult<number>> {
    const task = this.task(pid);
    const inode = this.vmaAt(pid, addr)?.file.inode;
    if (inode !== undefined) await inode.invalidateLock.downRead(task);
    try {
      return storeUser(this.pmem, (a) => task.mm.find(a), addr, data, this.faultFn);
    } finally {
      inode?.invalidateLock.upRead(task);
    }
  }
}
