/**
 * File leases (fs/locks.c): F_SETLEASE / F_GETLEASE, __break_lease, time_out_leases,
 * lease_modify, locks_remove_file — the v5.x code, check for check.
 *
 * A lease belongs to an open file description (fl_file == filp): dup()ed fds share it, and it
 * goes away with F_UNLCK or when the description's last reference is dropped. Breaking marks the
 * conflicting leases (FL_UNLOCK_PENDING for a writer, FL_DOWNGRADE_PENDING for a reader), sends
 * SIGIO (or the F_SETSIG signal) to their owners, and — unless O_NONBLOCK — sleeps until no
 * conflict is left, the lease-break-time deadline passes, or a signal interrupts. Expired leases
 * are removed lazily, by time_out_leases, only when something looks (a breaker, F_GETLEASE, a new
 * F_SETLEASE). Layout leases (FL_LAYOUT) share the list but only conflict with layout breakers.
 */
import type { Kernel } from '../kernel/kernel.js';
import { type Errno, type SysResult, err, ok } from '../kernel/errno.js';
import { O_ACCMODE, O_NONBLOCK, O_RDONLY } from '../kernel/flags.js';
import { WaitQueue, sleepOn } from '../kernel/sched.js';
import { SIGIO, SIGKILL } from '../kernel/signal.js';
import type { Task } from '../kernel/task.js';
import type { File } from './file.js';
import type { Inode } from './inode.js';

export const F_RDLCK = 0;
export const F_WRLCK = 1;
export const F_UNLCK = 2;
/** uapi value of F_LAYOUT in Ira Weiny's 2019 RFC (never merged): OR-ed into the F_SETLEASE arg. */
export const F_LAYOUT = 16;
/** The 2019 lease-semantics proposal's F_UNBREAK modifier (never merged). */
export const F_UNBREAK = 32;

export const FL_LEASE = 32;
export const FL_DOWNGRADE_PENDING = 256;
export const FL_UNLOCK_PENDING = 512;
export const FL_LAYOUT = 2048;
/** Model flag: F_UNBREAK was given (lease-proposal-2019). */
export const FL_UNBREAK = 1 << 20;

export const LEASE_TYPE_NAMES: Readonly<Record<number, string>> = { [F_RDLCK]: 'F_RDLCK', [F_WRLCK]: 'F_WRLCK', [F_UNLCK]: 'F_UNLCK' };

/** Name of an F_GETLEASE result: F_RDLCK, F_UNLCK, F_RDLCK|F_LAYOUT, … */
export function leaseTypeName(v: number): string {
  const base = LEASE_TYPE_NAMES[v & 3] ?? String(v & 3);
  return base + (v & F_LAYOUT ? '|F_LAYOUT' : '') + (v & F_UNBREAK ? '|F_UNBREAK' : '');
}

/** struct file_lock, as a lease. */
export class FileLease {
  readonly id: number;
  readonly file: File;
  readonly inode: Inode;
  type: number;
  flags: number;
  /** fl_break_time: when an unlock-pending lease is removed (ns; 0 = never). */
  breakTime = 0;
  /** fl_downgrade_time: when a downgrade-pending lease is downgraded (ns; 0 = never). Never reset. */
  downgradeTime = 0;
  /** The fasync entry's fd: si_fd of the break signal. */
  fasyncFd: number;

  constructor(id: number, file: File, type: number, flags: number, fd: number) {
    this.id = id;
    this.file = file;
    this.inode = file.inode;
    this.type = type;
    this.flags = flags;
    this.fasyncFd = fd;
  }

  get breaking(): boolean {
    return (this.flags & (FL_UNLOCK_PENDING | FL_DOWNGRADE_PENDING)) !== 0;
  }
}

/** struct file_lock_context: the inode's leases and the breakers blocked on them. */
interface LeaseCtx {
  readonly leases: FileLease[];
  readonly blocked: WaitQueue;
}

/** What the lease code reports as it goes (the XState lifecycle and the trace listen here). */
export interface LeaseObserver {
  /** A lease-slot event: set, modify, break, release, downgrade, reap. */
  leaseEvent(fl: FileLease, event: 'lease.set' | 'lease.modify' | 'lease.break' | 'lease.release' | 'lease.downgrade' | 'lease.reap', detail: { target?: number; deadlineNs?: number | null; forced?: boolean }): void;
}

export interface BreakStats {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly result: 'ok' | 'EWOULDBLOCK' | 'EINTR' | 'timedOut';
}

export class Locks {
  private readonly k: Kernel;
  private readonly ctxs = new Map<Inode, LeaseCtx>();
  private nextId = 1;
  observer: LeaseObserver | null = null;
  /** /proc/sys/fs/lease-break-time, in ns (Linux: seconds; default 45). 0 = no deadline. */
  leaseBreakTimeNs = 45e9;
  /** /proc/sys/fs/leases-enable */
  leasesEnable = true;
  /** Accept F_LAYOUT in F_SETLEASE (Ira Weiny's RFC); mainline rejects it with EINVAL. */
  layoutLeasesFcntl = false;

  constructor(kernel: Kernel) {
    this.k = kernel;
  }

  private ctx(inode: Inode): LeaseCtx {
    let c = this.ctxs.get(inode);
    if (c === undefined) {
      c = { leases: [], blocked: new WaitQueue() };
      this.ctxs.set(inode, c);
    }
    return c;
  }

  /** The leases on an inode (read-only view, for reports and tests). */
  leasesOf(inode: Inode): readonly FileLease[] {
    return this.ctxs.get(inode)?.leases ?? [];
  }

  private now(): number {
    return this.k.clock.now();
  }

  /** past_time(): 0 means never. */
  private pastTime(t: number): boolean {
    return t !== 0 && this.now() >= t;
  }

  /**
   * lease_modify(): change the type (F_UNLCK removes), clear the pending flags the new type
   * satisfies, wake blocked breakers; on F_UNLCK drop the fasync entry and reset the file's
   * owner and F_SETSIG signal (f_delown; signum = 0).
   */
  private leaseModify(fl: FileLease, arg: number, why: 'set' | 'reap'): void {
    const ctx = this.ctx(fl.inode);
    const wasBreaking = fl.breaking;
    fl.type = arg;
    if (arg === F_UNLCK) fl.flags &= ~FL_UNLOCK_PENDING;
    if (arg === F_UNLCK || arg === F_RDLCK) fl.flags &= ~FL_DOWNGRADE_PENDING;
    ctx.blocked.wakeUp();
    if (arg === F_UNLCK) {
      // Reported first, while the file still names its owner.
      this.observer?.leaseEvent(fl, why === 'reap' ? 'lease.reap' : 'lease.release', { forced: why === 'reap' });
      fl.file.ownerPid = 0;
      fl.file.signum = 0;
      ctx.leases.splice(ctx.leases.indexOf(fl), 1);
    } else if (why === 'reap' || (wasBreaking && arg === F_RDLCK)) {
      this.observer?.leaseEvent(fl, why === 'reap' ? 'lease.reap' : 'lease.downgrade', { target: arg, forced: why === 'reap' });
    } else {
      this.observer?.leaseEvent(fl, 'lease.modify', { target: arg });
    }
  }

  /** time_out_leases(): apply passed deadlines (downgrade first, then removal). */
  timeOutLeases(inode: Inode): void {
    const ctx = this.ctxs.get(inode);
    if (ctx === undefined) return;
    for (const fl of [...ctx.leases]) {
      if (this.pinnedUnder(fl)) continue; // jan-keep-lease: held until the pins go
      if (this.pastTime(fl.downgradeTime)) this.leaseModify(fl, F_RDLCK, 'reap');
      if (this.pastTime(fl.breakTime)) this.leaseModify(fl, F_UNLCK, 'reap');
    }
  }

  /**
   * check_conflicting_open(): a read lease needs the file open for write by nobody (the caller
   * included); a write lease needs the caller's description to be the only open. Layout leases
   * skip the test.
   */
  private checkConflictingOpen(file: File, arg: number, flags: number): Errno | null {
    if (flags & FL_LAYOUT) return null;
    const inode = file.inode;
    if (arg === F_RDLCK) return inode.writecount > 0 || inode.writecount < 0 ? 'EAGAIN' : null;
    if (arg !== F_WRLCK) return null;
    const selfW = file.writable ? 1 : 0;
    const selfR = !file.writable && file.readable ? 1 : 0;
    return inode.writecount !== selfW || inode.readcount !== selfR ? 'EAGAIN' : null;
  }

  /**
   * fcntl(fd, F_SETLEASE, arg): fcntl_setlease → generic_setlease / generic_add_lease /
   * generic_delete_lease. `fd` is recorded for si_fd.
   * Errors, in order: EINVAL (bad arg), EACCES (not the file's owner and no CAP_LEASE — F_UNLCK
   * too), EINVAL (not a regular file), EAGAIN (conflicting open; F_WRLCK beside another lease;
   * another lease being broken for a writer; F_UNLCK with no lease), EINVAL (leases-enable = 0,
   * for a new lease only).
   */
  setLease(task: Task, fd: number, file: File, argIn: number): SysResult<0> {
    const layout = (argIn & F_LAYOUT) !== 0;
    const unbreak = (argIn & F_UNBREAK) !== 0;
    const arg = argIn & ~(F_LAYOUT | F_UNBREAK);
    if (arg !== F_RDLCK && arg !== F_WRLCK && arg !== F_UNLCK) return err('EINVAL');
    if ((layout || unbreak) && !this.layoutLeasesFcntl) return err('EINVAL');
    if (unbreak && !layout) return err('EINVAL');
    const inode = file.inode;
    if (task.uid !== inode.uid && !task.privileged) return err('EACCES');
    if (!inode.isReg) return err('EINVAL');
    const ctx = this.ctx(inode);
    const flags = FL_LEASE | (layout ? FL_LAYOUT : 0) | (unbreak ? FL_UNBREAK : 0);
    if (arg === F_UNLCK) {
      // generic_delete_lease: no time_out_leases here, so an expired lease still answers 0.
      // generic_delete_lease matches the description only (fl_file == filp): a plain F_UNLCK
      // also releases a layout lease (the RFC's holders do exactly that); F_UNLCK|F_LAYOUT
      // names the layout lease when the description has both.
      const victim =
        ctx.leases.find((fl) => fl.file === file && (fl.flags & FL_LAYOUT) === (flags & FL_LAYOUT)) ??
        (layout ? undefined : ctx.leases.find((fl) => fl.file === file));
      if (victim === undefined) return err('EAGAIN');
      // jan-keep-lease: "the lease must be held until all pins are released" — refused while
      // the owner still pins the file (Jan proposed blocking; a single-threaded owner that
      // unlocks before deregistering would then wait for itself for ever, so EBUSY says it).
      if (this.pinnedUnder(victim)) return err('EBUSY');
      this.leaseModify(victim, F_UNLCK, 'set');
      return ok(0);
    }
    this.timeOutLeases(inode);
    const conflict = this.checkConflictingOpen(file, arg, flags);
    if (conflict !== null) return err(conflict);
    let mine: FileLease | undefined;
    for (const fl of ctx.leases) {
      if (fl.file === file && (fl.flags & FL_LAYOUT) === (flags & FL_LAYOUT)) {
        mine = fl;
        continue;
      }
      if (arg === F_WRLCK) return err('EAGAIN'); // no exclusive lease beside someone else's
      if (fl.flags & FL_UNLOCK_PENDING) return err('EAGAIN'); // someone is opening for write
    }
    if (mine !== undefined) {
      this.leaseModify(mine, arg, 'set');
      this.leaseSetup(task, mine, fd);
      return ok(0);
    }
    if (!this.leasesEnable) return err('EINVAL');
    const fl = new FileLease(this.nextId++, file, arg, flags, fd);
    ctx.leases.push(fl);
    // Re-check after insertion: an open may have raced in (it cannot here, one kernel thread).
    const again = this.checkConflictingOpen(file, arg, flags);
    if (again !== null) {
      ctx.leases.pop();
      return err(again);
    }
    this.leaseSetup(task, fl, fd);
    this.observer?.leaseEvent(fl, 'lease.set', { target: arg });
    return ok(0);
  }

  /** lease_setup(): record the fd for si_fd and make the caller the file's signal owner. */
  private leaseSetup(task: Task, fl: FileLease, fd: number): void {
    fl.fasyncFd = fd;
    fl.file.ownerPid = task.pid;
  }

  /**
   * fcntl(fd, F_GETLEASE): reap expired leases, then the target type of this description's
   * lease: F_UNLCK while a writer waits, F_RDLCK while a reader waits on a write lease.
   */
  getLease(file: File): number {
    const ctx = this.ctxs.get(file.inode);
    if (ctx === undefined || ctx.leases.length === 0) return F_UNLCK;
    this.timeOutLeases(file.inode);
    for (const fl of ctx.leases) {
      if (fl.file !== file) continue;
      const layout = fl.flags & FL_LAYOUT ? F_LAYOUT : 0;
      if (fl.flags & FL_UNLOCK_PENDING) return F_UNLCK | layout;
      if (fl.flags & FL_DOWNGRADE_PENDING) return F_RDLCK | layout;
      return fl.type | layout | (fl.flags & FL_UNBREAK ? F_UNBREAK : 0);
    }
    return F_UNLCK;
  }

  /** leases_conflict(): same flavour (layout vs not), and one side wants write. */
  private conflicts(fl: FileLease, breakerType: number, breakerLayout: boolean): boolean {
    if ((fl.flags & FL_LAYOUT) !== 0 !== breakerLayout) return false;
    if (breakerLayout && fl.type === F_WRLCK && this.currentBreaker !== null && fl.file.ownerPid === this.currentBreaker.pid && this.k.policy.name === 'lease-proposal-2019') {
      // The proposal's F_WRLCK|F_LAYOUT: "the owner may change [the layout] without breaking its own lease".
      return false;
    }
    return breakerType === F_WRLCK || fl.type === F_WRLCK;
  }

  /** The task running __break_lease now (for the owner exemption above). */
  private currentBreaker: Task | null = null;

  private anyConflict(ctx: LeaseCtx, breakerType: number, layout: boolean): boolean {
    return ctx.leases.some((fl) => this.conflicts(fl, breakerType, layout));
  }

  /** Does any lease of this flavour exist on the inode (break_lease's lockless fast check)? */
  hasLeases(inode: Inode, layout = false): boolean {
    const ctx = this.ctxs.get(inode);
    return ctx !== undefined && ctx.leases.some((fl) => (fl.flags & FL_LAYOUT) !== 0 === layout);
  }

  /** lease_break_callback(): kill_fasync(SIGIO or the F_SETSIG signal, POLL_MSG) to the owner. */
  private lmBreak(fl: FileLease, breaker: Task): void {
    const file = fl.file;
    if (file.ownerPid === 0) return;
    const signum = file.signum;
    this.k.sendSignal(file.ownerPid, signum === 0 ? SIGIO : signum, {
      code: 'POLL_MSG',
      fd: signum === 0 ? null : fl.fasyncFd,
      fromPid: breaker.pid,
    });
  }

  /**
   * __break_lease(inode, mode, type): mark, signal, and — unless O_NONBLOCK — wait until no
   * conflicting lease is left. `mode` is the open flags (O_ACCMODE decides write vs read).
   * Return: null to go on, EWOULDBLOCK (EAGAIN) for O_NONBLOCK, EINTR if a signal interrupted
   * the wait (the break goes on; its deadline stays).
   */
  async breakLease(task: Task, inode: Inode, mode: number, layout = false): Promise<Errno | null> {
    this.currentBreaker = task;
    try {
      return await this.breakLeaseRaw(task, inode, mode, layout);
    } finally {
      this.currentBreaker = null;
    }
  }

  private async breakLeaseRaw(task: Task, inode: Inode, mode: number, layout: boolean): Promise<Errno | null> {
    const ctx = this.ctxs.get(inode);
    if (ctx === undefined || ctx.leases.length === 0) return null;
    const wantWrite = (mode & O_ACCMODE) !== O_RDONLY;
    const breakerType = wantWrite ? F_WRLCK : F_RDLCK;
    this.timeOutLeases(inode);
    if (!this.anyConflict(ctx, breakerType, layout)) return null;
    if (layout) {
      // lease-proposal-2019: an F_UNBREAK layout lease makes the breaker fail ETXTBSY at once,
      // without the break procedure (no signal, no wait).
      if (ctx.leases.some((fl) => fl.flags & FL_UNBREAK && this.conflicts(fl, breakerType, layout))) return 'ETXTBSY';
    }
    const startedAt = this.now();
    // nfsd's lm_break for pNFS layouts sets no deadline ("We don't want the locks code to timeout
    // the lease for us"): under the xfs-2018 policy a layout lease waits for its holder.
    const noDeadline = layout && this.k.policy.layoutLeaseBreak === 'pnfs';
    const breakTime = this.leaseBreakTimeNs > 0 && !noDeadline ? startedAt + this.leaseBreakTimeNs : 0;
    for (const fl of [...ctx.leases]) {
      if (!this.conflicts(fl, breakerType, layout)) continue;
      if (wantWrite) {
        if (fl.flags & FL_UNLOCK_PENDING) continue;
        fl.flags |= FL_UNLOCK_PENDING;
        fl.breakTime = breakTime;
      } else {
        if (fl.breaking) continue;
        fl.flags |= FL_DOWNGRADE_PENDING;
        fl.downgradeTime = breakTime;
      }
      this.k.emit({ kind: 'lease.break', t: startedAt, ino: inode.ino, breaker: task.pid, lease: fl.id, owner: fl.file.ownerPid, target: wantWrite ? 'F_UNLCK' : 'F_RDLCK', layout, deadline: breakTime === 0 ? null : breakTime });
      this.observer?.leaseEvent(fl, 'lease.break', { target: wantWrite ? F_UNLCK : F_RDLCK, deadlineNs: breakTime === 0 ? null : breakTime });
      this.lmBreak(fl, task);
    }
    if (ctx.leases.length === 0) return null;
    const done = (result: BreakStats['result'], e: Errno | null): Errno | null => {
      this.k.emit({ kind: 'lease.break.done', t: this.now(), ino: inode.ino, breaker: task.pid, result, startedAt });
      return e;
    };
    if (mode & O_NONBLOCK) return done('EWOULDBLOCK', 'EAGAIN');
    // The deadline this breaker last slept towards: a conflicting lease's own fl_break_time /
    // fl_downgrade_time, which an earlier breaker may have set (a re-opened break does not get
    // a new lease-break-time), so `breakTime` alone cannot tell a timeout.
    let lastUntil: number | null = null;
    while (this.anyConflict(ctx, breakerType, layout)) {
      // Sleep until a lease changes or the earliest deadline of a conflicting lease.
      let until: number | null = null;
      for (const fl of ctx.leases) {
        if (!this.conflicts(fl, breakerType, layout)) continue;
        for (const t of [fl.breakTime, fl.downgradeTime]) if (t !== 0 && (until === null || t < until)) until = t;
      }
      this.k.emit({ kind: 'lease.break.wait', t: this.now(), ino: inode.ino, breaker: task.pid, until });
      lastUntil = until;
      const owners = ctx.leases.filter((fl) => this.conflicts(fl, breakerType, layout)).map((fl) => fl.file.ownerPid);
      task.blockedOn = { kind: 'lease', ino: inode.ino, owners };
      const why = await sleepOn(this.k.clock, task, [ctx.blocked], { deadlineNs: until, interruptible: true });
      task.blockedOn = null;
      if (why === 'interrupted' || why === 'killed') return done('EINTR', 'EINTR');
      if (why === 'timeout') {
        this.timeOutLeases(inode);
        // jan-keep-lease: a layout lease past its deadline that its owner still pins is kept (the
        // culprit stays visible), so the layout cannot be broken: the breaker fails ETXTBSY rather
        // than sleeping towards a deadline that has already passed.
        if (ctx.leases.some((fl) => this.conflicts(fl, breakerType, layout) && this.pinnedUnder(fl) && (this.pastTime(fl.breakTime) || this.pastTime(fl.downgradeTime)))) {
          return done('timedOut', 'ETXTBSY');
        }
      }
    }
    // The holder did not answer in time if we resumed at or after the deadline (the lease was
    // reaped by us or by whoever looked first).
    const late = (breakTime !== 0 && this.now() >= breakTime) || (lastUntil !== null && this.now() >= lastUntil);
    return done(late ? 'timedOut' : 'ok', null);
  }

  /**
   * Jan Kara's rule (jan-keep-lease): a layout lease cannot go while its owner still holds
   * long-term pins on the file, so the culprit stays visible.
   */
  pinnedUnder(fl: FileLease): boolean {
    if (!this.k.policy.keepLeaseWhilePinned || (fl.flags & FL_LAYOUT) === 0) return false;
    const owner = fl.file.ownerPid;
    return [...this.k.pins.sets.values()].some((s) => s.longterm && s.pid === owner && s.pages.some((p) => p.ino === fl.inode.ino));
  }

  /**
   * locks_remove_file() from __fput: the description's leases go, waking their breakers. Under
   * jan-keep-lease, closing a layout lease whose owner still pins the file kills the owner.
   */
  removeFile(file: File): void {
    const ctx = this.ctxs.get(file.inode);
    if (ctx === undefined) return;
    for (const fl of [...ctx.leases]) {
      if (fl.file !== file) continue;
      if (this.pinnedUnder(fl)) this.k.sendSignal(fl.file.ownerPid, SIGKILL, { code: 'SI_USER' });
      this.leaseModify(fl, F_UNLCK, 'set');
    }
  }
}
