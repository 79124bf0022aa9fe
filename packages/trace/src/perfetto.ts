/**
 * The run as a Chrome Trace Event JSON object (what Perfetto UI and chrome://tracing open).
 *
 * Rows: the kernel first, then one process (pid = tid = the simulated pid) per simulated process
 * in spec order, the NIC (`nic0`) last. On a process row: every syscall as an `X` slice named
 * after the kernel function that does the work, DAX busy-page waits nested in them, instants for
 * signals, lease breaks, exits and hangs. Async slices (`b`/`e`) for overlapping intervals: lease
 * held / breaking (cat `lease`, id = the lease's machine), pins held (cat `pin`), MRs (cat `mr`).
 * On the NIC row: every work request as an `X` slice (cat `rdma`) from nic.wr.start to nic.wr.end,
 * named after its verb, wr_id and pages (`RDMA_WRITE wr 17 (64 pages)`), with its ODP faults
 * (nic_fault syscalls) nested in it.
 * Flow arrows (cat `break`, one id per marked lease) follow each break: the breaker's syscall →
 * the holder takes the signal → the holder's release → the breaker resumes. Counters on the
 * kernel row: pinned pages and live leases. Times are µs (simulated ns / 1000).
 *
 * Perfetto binds a flow event to the slice on top of the thread's stack, so every flow point sits
 * right after an instant on the same row and time. Events are sorted by time, then by their
 * position in the simulator's stream: the same input gives the same output, byte for byte.
 */
import { type BreakMark, breakPhases, matchLeaseBreaks } from './breaks.js';
import type { SimEvent } from './events.js';

export const TRACE_VERSION = 'leasebreak 0.1.0';

/** The syscall → the kernel function whose slice it is (ftrace style). */
export const KERNEL_FUNCTIONS: Readonly<Record<string, string>> = {
  open: 'do_sys_open',
  close: 'close_fd',
  dup: 'ksys_dup',
  read: 'ksys_read',
  pread: 'ksys_pread64',
  write: 'ksys_write',
  pwrite: 'ksys_pwrite64',
  truncate: 'do_sys_truncate',
  ftruncate: 'do_sys_ftruncate',
  fallocate: 'vfs_fallocate',
  fcntl: 'do_fcntl',
  mmap: 'do_mmap',
  munmap: '__vm_munmap',
  load: 'user_load',
  store: 'user_store',
  sigaction: 'do_sigaction',
  sigprocmask: 'sigprocmask',
  sigtimedwait: 'do_sigtimedwait',
  nanosleep: 'hrtimer_nanosleep',
  kill: 'kill_pid_info',
  barrier: 'barrier_wait',
  ibv_reg_mr: 'ib_umem_get',
  ibv_dereg_mr: 'ib_umem_release',
  nic_fault: 'pagefault_mr',
  dio_read: 'iomap_dio_rw',
  alarm: 'alarm_setitimer',
  exit: 'do_exit',
};

export const kernelFunction = (op: string): string => KERNEL_FUNCTIONS[op] ?? `sys_${op}`;

export type ChromePhase = 'X' | 'B' | 'E' | 'i' | 'I' | 'C' | 'b' | 'n' | 'e' | 's' | 't' | 'f' | 'M';

export interface ChromeTraceEvent {
  name: string;
  ph: ChromePhase;
  /** µs */
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  /** µs, X only */
  dur?: number;
  id?: number | string;
  /** instant scope */
  s?: 'g' | 'p' | 't';
  /** flow binding point: `e` = the enclosing slice */
  bp?: 'e';
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ns';
  otherData: { scenario: string; policy: string; seed: number; mode: string; version: string };
}

export interface ChromeTraceInput {
  readonly events: readonly SimEvent[];
  readonly processes: readonly { readonly pid: number; readonly name: string }[];
  readonly scenario: string;
  readonly policy: string;
  readonly seed: number;
  readonly mode: string;
  /** Default TRACE_VERSION. */
  readonly version?: string;
}

export const NIC_PROCESS_NAME = 'nic0';
/** MR keys are below this; `dma.write` sources at or above it are direct I/O (the disk). */
const DIO_SOURCE_BASE = 0x10000;
const FLOW_NAME = 'lease break';
const MAX_PFNS_LISTED = 32;

const us = (ns: number): number => ns / 1000;

/** A work request's slice name: `RDMA_WRITE wr 17 (64 pages)`. */
export function workRequestName(e: { readonly op: string; readonly wrId: number; readonly pages: number }): string {
  return `RDMA_${e.op.toUpperCase()} wr ${e.wrId} (${e.pages} page${e.pages === 1 ? '' : 's'})`;
}

interface Placed {
  readonly ts: number;
  /** Position of the simulator event it comes from, then a sub-position. */
  readonly idx: number;
  readonly sub: number;
  readonly ev: ChromeTraceEvent;
}

interface OpenSlice {
  readonly name: string;
  readonly cat: string;
  readonly t: number;
  readonly idx: number;
  readonly args: Record<string, unknown>;
}

interface OpenAsync {
  readonly name: string;
  readonly cat: string;
  readonly id: number;
  readonly pid: number;
}

function argsObject(v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v)) return { ...(v as Record<string, unknown>) };
  return { value: v };
}

const isBreaking = (state: string): boolean => state.startsWith('breaking');
const isLive = (state: string): boolean => state === 'held' || isBreaking(state);

function releaseFunction(event: string): string {
  switch (event) {
    case 'lease.release':
      return 'generic_delete_lease';
    case 'lease.reap':
      return 'time_out_leases';
    default:
      return 'lease_modify';
  }
}

export function toChromeTrace(input: ChromeTraceInput): ChromeTrace {
  const { events } = input;
  const out: Placed[] = [];
  const place = (idx: number, sub: number, ev: ChromeTraceEvent): void => {
    out.push({ ts: ev.ts, idx, sub, ev });
  };

  // ---- rows ------------------------------------------------------------------------------
  const used = new Set(input.processes.map((p) => p.pid));
  let kernelPid = 1;
  while (used.has(kernelPid)) kernelPid++;
  const rows = new Map<number, { name: string; sort: number }>();
  rows.set(kernelPid, { name: 'kernel', sort: 0 });
  const nic = input.processes.find((p) => p.name === NIC_PROCESS_NAME);
  let sort = 1;
  for (const p of input.processes) if (p !== nic && !rows.has(p.pid)) rows.set(p.pid, { name: p.name, sort: sort++ });
  const nicSort = sort++;
  if (nic !== undefined) rows.set(nic.pid, { name: `${nic.name} (NIC)`, sort: nicSort });
  let extraSort = nicSort + 1;
  const row = (pid: number | null | undefined): number => {
    if (pid === null || pid === undefined || pid <= 0) return kernelPid;
    if (!rows.has(pid)) rows.set(pid, { name: `pid ${pid}`, sort: extraSort++ });
    return pid;
  };
  const instant = (pid: number, t: number, idx: number, sub: number, name: string, cat: string, args: Record<string, unknown>): void =>
    place(idx, sub, { name, cat, ph: 'i', s: 't', ts: us(t), pid, tid: pid, args });

  // ---- lease breaks: flows ---------------------------------------------------------------
  const match = matchLeaseBreaks(events);
  const flowOf = new Map<BreakMark, number>();
  match.marks.forEach((m, i) => flowOf.set(m, i + 1));
  /** Flow points per mark: where (row, time) and the sort position of the instant they follow. */
  type Point = { kind: 'mark' | 'signal' | 'release' | 'resume'; pid: number; t: number; idx: number; sub: number };
  const points = new Map<BreakMark, Point[]>();
  const addPoint = (m: BreakMark, p: Point): void => {
    const l = points.get(m) ?? [];
    l.push(p);
    points.set(m, l);
  };
  const marksByIndex = new Map<number, BreakMark>();
  const marksBySignal = new Map<number, BreakMark[]>();
  const marksByRelease = new Map<number, BreakMark[]>();
  for (const m of match.marks) {
    marksByIndex.set(m.index, m);
    if (m.signal !== null) marksBySignal.set(m.signal.index, [...(marksBySignal.get(m.signal.index) ?? []), m]);
    if (m.release !== null) marksByRelease.set(m.release.index, [...(marksByRelease.get(m.release.index) ?? []), m]);
  }
  const waitByIndex = new Map(match.waits.map((w) => [w.index, w]));
  /**
   * lease.transition events are written when the lease machines are fed, after the kernel moved
   * on: a release that woke a breaker is placed right before the breaker's resume.
   */
  const releaseAt = new Map<number, number>();
  for (const w of match.waits) {
    if (w.joined) continue;
    for (const m of w.marks) {
      if (m.release === null || m.release.index < w.index || m.release.t > w.endNs) continue;
      releaseAt.set(m.release.index, Math.min(releaseAt.get(m.release.index) ?? Infinity, w.index));
    }
  }
  const SHIFT = 16;

  // ---- state over the stream -------------------------------------------------------------
  const syscalls = new Map<number, (OpenSlice & { op: string })[]>();
  const daxWaits = new Map<number, OpenSlice[]>();
  /** Work requests in flight, by NIC pid / QP / wr_id. */
  const wrs = new Map<string, OpenSlice & { pid: number }>();
  const openAsync = new Map<string, OpenAsync & { t: number; idx: number }>();
  const machineOwner = new Map<number, number>();
  const machineState = new Map<number, string>();
  const pinPages = new Map<number, { pages: number; pid: number; name: string }>();
  let pinned = 0;
  let live = 0;
  let endNs = 0;
  for (const e of events) if (e.t > endNs) endNs = e.t;

  const counter = (t: number, idx: number, sub: number, name: string, args: Record<string, number>): void =>
    place(idx, sub, { name, cat: 'counter', ph: 'C', ts: us(t), pid: kernelPid, tid: kernelPid, args });
  const asyncBegin = (a: OpenAsync, t: number, idx: number, sub: number, args: Record<string, unknown>): void => {
    openAsync.set(`${a.cat}/${a.id}/${a.name}`, { ...a, t, idx });
    place(idx, sub, { name: a.name, cat: a.cat, ph: 'b', id: a.id, ts: us(t), pid: a.pid, tid: a.pid, args });
  };
  const asyncEnd = (cat: string, id: number, name: string, t: number, idx: number, sub: number, args: Record<string, unknown>): void => {
    const key = `${cat}/${id}/${name}`;
    const a = openAsync.get(key);
    if (a === undefined) return;
    openAsync.delete(key);
    place(idx, sub, { name, cat, ph: 'e', id, ts: us(Math.max(t, a.t)), pid: a.pid, tid: a.pid, args });
  };
  const leaseSliceName = (state: string): string | null => (state === 'held' ? 'lease held' : isBreaking(state) ? 'lease breaking' : null);

  counter(0, -1, 0, 'pinned pages', { pages: 0 });
  counter(0, -1, 1, 'live leases', { leases: 0 });

  events.forEach((e, idx) => {
    switch (e.kind) {
      case 'syscall.enter': {
        const l = syscalls.get(e.pid) ?? [];
        l.push({ op: e.op, name: kernelFunction(e.op), cat: 'syscall', t: e.t, idx, args: { syscall: e.op, ...argsObject(e.args) } });
        syscalls.set(e.pid, l);
        row(e.pid);
        return;
      }
      case 'syscall.exit': {
        const l = syscalls.get(e.pid) ?? [];
        let at = -1;
        for (let i = l.length - 1; i >= 0; i--) {
          if (l[i]!.op === e.op) {
            at = i;
            break;
          }
        }
        if (at < 0) return;
        const s = l.splice(at, 1)[0]!;
        const pid = row(e.pid);
        place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, e.t - s.t)), pid, tid: pid, args: { ...s.args, ret: e.ret, errno: e.errno } });
        return;
      }
      case 'dax.busy': {
        const pid = row(e.pid);
        if (e.action === 'wait') {
          const l = daxWaits.get(e.pid) ?? [];
          l.push({ name: e.fn, cat: 'dax', t: e.t, idx, args: { ino: e.ino, pfn: e.pfn, busy: 'dax_layout_busy_page' } });
          daxWaits.set(e.pid, l);
        } else {
          instant(pid, e.t, idx, 0, 'dax_layout_busy_page', 'dax', { fn: e.fn, ino: e.ino, pfn: e.pfn, action: e.action });
        }
        return;
      }
      case 'dax.busy.done': {
        const s = daxWaits.get(e.pid)?.pop();
        if (s === undefined) return;
        const pid = row(e.pid);
        place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, e.t - s.t)), pid, tid: pid, args: { ...s.args, result: e.result } });
        return;
      }
      case 'lease.transition': {
        const shifted = releaseAt.get(idx);
        const at = shifted ?? idx;
        const base = shifted === undefined ? 3 : -SHIFT;
        if (e.owner > 0 && !machineOwner.has(e.lease)) machineOwner.set(e.lease, e.owner);
        const pid = row(machineOwner.get(e.lease) ?? e.owner);
        const before = machineState.get(e.lease) ?? e.from;
        machineState.set(e.lease, e.to);
        const fromName = leaseSliceName(e.from);
        const toName = leaseSliceName(e.to);
        const args = { lease: e.lease, ino: e.ino, from: e.from, to: e.to, event: e.event };
        if (fromName !== toName) {
          if (fromName !== null) asyncEnd('lease', e.lease, fromName, e.t, idx, 0, args);
          if (toName !== null) asyncBegin({ name: toName, cat: 'lease', id: e.lease, pid }, e.t, idx, 1, args);
        }
        const delta = (isLive(e.to) ? 1 : 0) - (isLive(before) ? 1 : 0);
        if (delta !== 0) {
          live += delta;
          counter(e.t, idx, 2, 'live leases', { leases: live });
        }
        const rel = marksByRelease.get(idx);
        if (rel !== undefined) {
          const holder = row(rel[0]!.owner);
          instant(holder, e.t, at, base, releaseFunction(e.event), 'lease', { ...args, holder: rel[0]!.owner, leases: rel.map((m) => m.lease) });
          rel.slice(0, SHIFT - 1).forEach((m, k) => addPoint(m, { kind: 'release', pid: holder, t: e.t, idx: at, sub: base + 1 + k }));
        }
        return;
      }
      case 'lease.break': {
        const pid = row(e.breaker);
        instant(pid, e.t, idx, 0, '__break_lease', 'lease', {
          lease: e.lease,
          ino: e.ino,
          holder: e.owner,
          target: e.target,
          layout: e.layout,
          deadlineUs: e.deadline === null ? null : us(e.deadline),
        });
        const m = marksByIndex.get(idx);
        if (m !== undefined) addPoint(m, { kind: 'mark', pid, t: e.t, idx, sub: 1 });
        return;
      }
      case 'lease.break.done': {
        const pid = row(e.breaker);
        const w = waitByIndex.get(idx);
        const args: Record<string, unknown> = { ino: e.ino, result: e.result, latencyUs: us(e.t - e.startedAt), startedAtUs: us(e.startedAt) };
        if (w !== undefined && w.result === 'ok') {
          const ph = breakPhases(w);
          Object.assign(args, { notifyUs: us(ph.notify), holderUs: us(ph.holder), wakeUs: us(ph.wake), holders: [...new Set(w.marks.map((m) => m.owner))], joined: w.joined });
        }
        instant(pid, e.t, idx, 0, 'break_lease_unblock', 'lease', args);
        if (w !== undefined && !w.joined) w.marks.forEach((m, k) => addPoint(m, { kind: 'resume', pid, t: e.t, idx, sub: 1 + k }));
        return;
      }
      case 'signal.send': {
        const pid = row(e.from);
        instant(pid, e.t, idx, 0, 'signal_generate', 'signal', { to: e.pid, signo: e.signo, fd: e.fd });
        return;
      }
      case 'signal.deliver': {
        const pid = row(e.pid);
        instant(pid, e.t, idx, 0, 'signal_deliver', 'signal', { signo: e.signo, fd: e.fd, how: e.how });
        marksBySignal.get(idx)?.forEach((m, k) => addPoint(m, { kind: 'signal', pid, t: e.t, idx, sub: 1 + k }));
        return;
      }
      case 'gup.pin': {
        const pid = row(e.pid);
        const name = e.longterm ? 'pin FOLL_LONGTERM' : 'pin FOLL_PIN';
        pinPages.set(e.pin, { pages: e.pfns.length, pid, name });
        asyncBegin({ name, cat: 'pin', id: e.pin, pid }, e.t, idx, 0, {
          pin: e.pin,
          pages: e.pfns.length,
          longterm: e.longterm,
          pfns: e.pfns.slice(0, MAX_PFNS_LISTED),
          ...(e.pfns.length > MAX_PFNS_LISTED ? { pfnsTruncated: true } : {}),
        });
        pinned += e.pfns.length;
        counter(e.t, idx, 1, 'pinned pages', { pages: pinned });
        return;
      }
      case 'gup.unpin': {
        const p = pinPages.get(e.pin);
        if (p === undefined) return;
        pinPages.delete(e.pin);
        asyncEnd('pin', e.pin, p.name, e.t, idx, 0, { pin: e.pin });
        pinned -= p.pages;
        counter(e.t, idx, 1, 'pinned pages', { pages: pinned });
        return;
      }
      case 'mr.reg': {
        asyncBegin({ name: 'MR', cat: 'mr', id: e.key, pid: row(e.pid) }, e.t, idx, 0, { key: e.key, ino: e.ino, pgoff: e.pgoff, npages: e.npages, odp: e.odp });
        return;
      }
      case 'mr.dereg': {
        asyncEnd('mr', e.key, 'MR', e.t, idx, 0, { key: e.key });
        return;
      }
      case 'nic.wr.start': {
        const pid = row(e.pid);
        const args = { qp: e.qp, from: e.from, wrId: e.wrId, key: e.key, op: e.op, offset: e.offset, bytes: e.bytes, pages: e.pages };
        wrs.set(`${e.pid}/${e.qp}/${e.wrId}`, { name: workRequestName(e), cat: 'rdma', t: e.t, idx, pid, args });
        return;
      }
      case 'nic.wr.end': {
        const key = `${e.pid}/${e.qp}/${e.wrId}`;
        const s = wrs.get(key);
        if (s === undefined) return;
        wrs.delete(key);
        place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, e.t - s.t)), pid: s.pid, tid: s.pid, args: { ...s.args, status: e.status, bytesDone: e.bytes, pagesDone: e.pages, violations: e.violations } });
        return;
      }
      case 'dma.write': {
        const rdma = e.source < DIO_SOURCE_BASE;
        const pid = rdma && nic !== undefined ? nic.pid : kernelPid;
        instant(pid, e.t, idx, 0, 'dma.write violation', 'violation', {
          via: rdma ? 'rdma' : 'dio',
          writer: e.writer,
          source: e.source,
          pfn: e.pfn,
          op: e.op,
          intended: e.intended,
          owner: e.owner,
        });
        return;
      }
      case 'hang': {
        instant(row(e.pid), e.t, idx, 0, 'hung_task', 'hang', { op: e.op, blockedUs: us(e.blockedNs), chain: e.chain });
        return;
      }
      case 'task.exit': {
        instant(row(e.pid), e.t, idx, 0, 'sched_process_exit', 'sched', { code: e.code });
        return;
      }
      case 'layout.change': {
        instant(row(e.pid), e.t, idx, 0, 'layout_change', 'dax', { op: e.op, ino: e.ino, waited: e.waited, errno: e.errno });
        return;
      }
      case 'note': {
        instant(row(e.pid), e.t, idx, 0, 'note', 'note', { text: e.text });
        return;
      }
      default:
        return;
    }
  });

  // ---- what is still open at the end -----------------------------------------------------
  const last = events.length;
  for (const [p, l] of [...syscalls.entries()].sort((a, b) => a[0] - b[0])) {
    const pid = row(p);
    for (const s of l) place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, endNs - s.t)), pid, tid: pid, args: { ...s.args, unfinished: true } });
  }
  for (const [p, l] of [...daxWaits.entries()].sort((a, b) => a[0] - b[0])) {
    const pid = row(p);
    for (const s of l) place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, endNs - s.t)), pid, tid: pid, args: { ...s.args, unfinished: true } });
  }
  for (const s of wrs.values()) place(s.idx, 0, { name: s.name, cat: s.cat, ph: 'X', ts: us(s.t), dur: us(Math.max(0, endNs - s.t)), pid: s.pid, tid: s.pid, args: { ...s.args, unfinished: true } });
  let sub = 0;
  for (const a of [...openAsync.values()]) asyncEnd(a.cat, a.id, a.name, endNs, last, sub++, { unfinished: true });

  // ---- flows: at least two points, in time order -----------------------------------------
  for (const m of match.marks) {
    const ps = [...(points.get(m) ?? [])].sort((a, b) => a.t - b.t || a.idx - b.idx || a.sub - b.sub);
    const inOrder = ps[0]?.kind === 'mark' ? ps : [];
    if (inOrder.length < 2) continue;
    const id = flowOf.get(m)!;
    inOrder.forEach((p, k) => {
      const ph = k === 0 ? 's' : k === inOrder.length - 1 ? 'f' : 't';
      place(p.idx, p.sub, {
        name: FLOW_NAME,
        cat: 'break',
        ph,
        id,
        ts: us(p.t),
        pid: p.pid,
        tid: p.pid,
        ...(ph === 'f' ? { bp: 'e' as const } : {}),
        args: { lease: m.lease, ino: m.ino, breaker: m.breaker, holder: m.owner },
      });
    });
  }

  // ---- metadata, then everything by time -------------------------------------------------
  const meta: ChromeTraceEvent[] = [];
  for (const [pid, r] of [...rows.entries()].sort((a, b) => a[1].sort - b[1].sort)) {
    meta.push({ name: 'process_name', ph: 'M', ts: 0, pid, tid: pid, args: { name: r.name } });
    meta.push({ name: 'process_sort_index', ph: 'M', ts: 0, pid, tid: pid, args: { sort_index: r.sort } });
    meta.push({ name: 'thread_name', ph: 'M', ts: 0, pid, tid: pid, args: { name: r.name } });
    meta.push({ name: 'thread_sort_index', ph: 'M', ts: 0, pid, tid: pid, args: { sort_index: 0 } });
  }
  out.sort((a, b) => a.ts - b.ts || a.idx - b.idx || a.sub - b.sub);
  return {
    traceEvents: [...meta, ...out.map((p) => p.ev)],
    displayTimeUnit: 'ns',
    otherData: { scenario: input.scenario, policy: input.policy, seed: input.seed, mode: input.mode, version: input.version ?? TRACE_VERSION },
  };
}
