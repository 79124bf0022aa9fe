/**
 * The NIC's data path in isolation: shared regions built by hand (pmem, an MR table slot filled
 * as the kernel's verbs would, two QPs), work requests posted through uverbs, executed by one
 * Nic pass. Checks the MR_BUSY protocol (held across each page's copy, dropped before a fault's
 * syscall, back to 0 after), the stamps, the reads, and every error completion.
 */
import { describe, expect, test } from 'vitest';
import { MR_TABLE_BYTES, PAGE_SIZE, Pmem, STAMP_BYTES, type SyscallRequest, type SyscallResponse, mrTable, readStamp } from '@leasebreak/model';
import { NIC_REGION_BYTES, type ProcessContext, QP_REGION_BYTES, type SharedRegions } from '@leasebreak/runtime';
import type { SimEvent } from '@leasebreak/trace';
import { NIC_BUSY, NIC_CLASS_BASE, NIC_DOORBELL, NIC_IDLE, NIC_PAGES_WRITTEN, NIC_STATE, NIC_WRS, QP_CQ_ARM, QP_CQ_HEAD, QP_CQ_TAIL, QP_SQ_HEAD, SQ_ENTRIES, nicView, qpView } from '../src/nic/layout.js';
import { type Completion, outstanding, pollCq, postRead, postWrite, qpOpen, tryPollCq } from '../src/nic/uverbs.js';
import { BUSY_HOLD_PAGES, type DmaProbe, Nic, type NicOutput } from '../src/programs/nic.js';

const { MR_BUSY, MR_DEAD, MR_FENCING, MR_INO, MR_KEY, MR_NPAGES, MR_ODP, MR_OWNER, MR_PGOFF, MR_RUNS, MR_STATE, MR_VALID, PFN_NONE, mrCell, mrPfnCell } = mrTable;

const APP_PID = 100;
const NIC_PID = 101;
const INO_A = 7;
const INO_B = 9;

function regions(): SharedRegions {
  return {
    pmem: Pmem.create(64).buffers,
    mrTable: new SharedArrayBuffer(MR_TABLE_BYTES),
    qps: [new SharedArrayBuffer(QP_REGION_BYTES), new SharedArrayBuffer(QP_REGION_BYTES)],
    nic: new SharedArrayBuffer(NIC_REGION_BYTES),
  };
}

let clock = 0;
function ctx(shared: SharedRegions, index: number, pid: number, syscall?: (r: SyscallRequest) => Promise<SyscallResponse>): ProcessContext & { reports: unknown[]; events: SimEvent[] } {
  const reports: unknown[] = [];
  const events: SimEvent[] = [];
  return {
    pid,
    name: `p${pid}`,
    mode: 'threads',
    pids: {},
    syscall: syscall ?? (() => Promise.reject(new Error('no syscall expected'))),
    now: () => (clock += 1000),
    random: () => 0.5,
    schedPoint: () => Promise.resolve(),
    signalFlagged: () => false,
    progress: (o) => void reports.push(o),
    emit: (e) => void events.push(e),
    index,
    shared,
    waitCell: (arr, i, v) => Promise.resolve(Atomics.load(arr, i) === v ? 'timed-out' : 'not-equal'),
    notifyCell: (arr, i) => void Atomics.notify(arr, i),
    reports,
    events,
  };
}

/** Fill MR slot `slot` as Verbs.regMr does: pfn cells, header, state published last. */
function setMr(t: Int32Array, slot: number, o: { key: number; owner?: number; pfns: number[]; odp?: boolean; ino?: number; pgoff?: number }): void {
  o.pfns.forEach((p, i) => Atomics.store(t, mrPfnCell(slot, i), p));
  Atomics.store(t, mrCell(slot, MR_OWNER), o.owner ?? APP_PID);
  Atomics.store(t, mrCell(slot, MR_NPAGES), o.pfns.length);
  Atomics.store(t, mrCell(slot, MR_ODP), o.odp === true ? 1 : 0);
  Atomics.store(t, mrCell(slot, MR_INO), o.ino ?? INO_A);
  Atomics.store(t, mrCell(slot, MR_PGOFF), o.pgoff ?? 0);
  Atomics.store(t, mrCell(slot, MR_KEY), o.key);
  Atomics.store(t, mrCell(slot, MR_STATE), MR_VALID);
}

function setup() {
  const shared = regions();
  const pm = Pmem.attach(shared.pmem);
  const table = new Int32Array(shared.mrTable);
  // Frames 10..13 are /a's blocks 0..3 (the MR maps /a from block 0).
  for (let i = 0; i < 4; i++) pm.setOwner(10 + i, INO_A, i);
  const app = ctx(shared, 0, APP_PID);
  qpOpen(app, 16);
  const probes: { busy: number; p: DmaProbe }[] = [];
  const nicCtx = ctx(shared, 1, NIC_PID);
  const nic = new Nic(nicCtx, { name: 'nic0', pageNs: 0, probe: (p) => probes.push({ busy: Atomics.load(p.table, mrCell(p.slot, MR_BUSY)), p }) });
  return { shared, pm, table, app, nic, nicCtx, probes };
}

async function drain(nic: Nic): Promise<void> {
  while (await nic.pass());
}

describe('uverbs rings', () => {
  test('post bumps the tail and the doorbell; depth bounds outstanding WRs (ENOMEM); bad arguments EINVAL', () => {
    const { app, shared } = setup();
    const nicw = nicView(shared.nic);
    qpOpen(app, 2);
    expect(postWrite(app, 1, 0, 4096)).toMatchObject({ ok: true, seq: 0 });
    expect(postRead(app, 1, 0, 4096)).toMatchObject({ ok: true, seq: 1 });
    expect(postWrite(app, 1, 0, 4096)).toEqual({ ok: false, errno: 'ENOMEM' });
    expect(outstanding(app)).toBe(2);
    expect(Atomics.load(nicw, NIC_DOORBELL)).toBe(2);
    expect(postWrite(app, 1, -1, 4096)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(postWrite(app, 1, 0, 0)).toEqual({ ok: false, errno: 'EINVAL' });
    expect(qpOpen(app, 10_000)).toBe(SQ_ENTRIES);
  });

  test('pollCq with nothing to poll waits and returns []', async () => {
    const { app } = setup();
    expect(await pollCq(app, 1000)).toEqual([]);
    expect(tryPollCq(app)).toEqual([]);
  });

  test('a post always bumps the doorbell, and notifies it only when the NIC is not busy (a busy NIC rescans before it sleeps)', () => {
    const { app, shared } = setup();
    const nicw = nicView(shared.nic);
    const rung: number[] = [];
    app.notifyCell = (arr, i) => {
      if (arr.buffer === shared.nic && i === NIC_DOORBELL) rung.push(Atomics.load(arr, i));
    };
    postWrite(app, 1, 0, 64); // the NIC not started yet
    Atomics.store(nicw, NIC_STATE, NIC_BUSY);
    postWrite(app, 1, 0, 64);
    Atomics.store(nicw, NIC_STATE, NIC_IDLE);
    postWrite(app, 1, 0, 64);
    expect(Atomics.load(nicw, NIC_DOORBELL)).toBe(3);
    expect(rung).toEqual([1, 3]);
  });

  test('CQ moderation: pollCq arms the CQ with the completions it waits for (capped at those owed); the NIC wakes it once, with the CQE that makes that many ready', async () => {
    const { app, nic, nicCtx, table, shared } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10] });
    for (let i = 0; i < 4; i++) postWrite(app, 0x100, 0, 64);
    const q = qpView(shared.qps[0]!);
    const wakes: number[] = []; // CQEs ready at each wake-up the NIC sends
    nicCtx.notifyCell = (arr, i) => {
      if (arr.buffer === shared.qps[0] && i === QP_CQ_TAIL) wakes.push(Atomics.load(q, QP_CQ_TAIL) - Atomics.load(q, QP_CQ_HEAD));
      Atomics.notify(arr, i);
    };
    const arms: number[] = []; // the arm at each wait; the NIC completes one WR per wait
    app.waitCell = async (arr, i, v) => {
      arms.push(Atomics.load(q, QP_CQ_ARM));
      await nic.pass();
      return Atomics.load(arr, i) === v ? 'timed-out' : 'not-equal';
    };
    expect(await pollCq(app, 1e12, Number.POSITIVE_INFINITY, 3)).toHaveLength(3);
    expect(arms).toEqual([3, 3, 3]);
    expect(wakes).toEqual([3]);
    expect(Atomics.load(q, QP_CQ_ARM)).toBe(0);
    // Asking for more than can come waits for what is owed (one WR).
    expect(await pollCq(app, 1e12, Number.POSITIVE_INFINITY, 8)).toHaveLength(1);
    expect(arms).toEqual([3, 3, 3, 1]);
    expect(wakes).toEqual([3, 1]);
    // Nobody waiting: completions wake no one.
    postWrite(app, 0x100, 0, 64);
    await drain(nic);
    expect(wakes).toEqual([3, 1]);
    expect(tryPollCq(app)).toHaveLength(1);
  });
});

describe('the NIC data path', () => {
  test('a WRITE: a stamp at the start of every page written, the fill after it; MR_BUSY held during each copy only', async () => {
    const { app, nic, nicCtx, pm, table, probes, shared } = setup();
    setMr(table, 3, { key: 3 | (5 << 8), pfns: [10, 11, 12, 13] });
    // From byte 100 of page 1 to byte 99 of page 3: three pages touched.
    const p = postWrite(app, 3 | (5 << 8), PAGE_SIZE + 100, 2 * PAGE_SIZE);
    expect(p.ok).toBe(true);
    await drain(nic);
    const [c] = tryPollCq(app);
    expect(c).toMatchObject<Partial<Completion>>({ op: 'write', status: 0, errno: null, bytes: 2 * PAGE_SIZE, pages: 3, violations: 0, seq: 0 });
    expect(probes.map((x) => x.busy)).toEqual([1, 1, 1]);
    expect(probes.map((x) => x.p.pfn)).toEqual([11, 12, 13]);
    expect(Atomics.load(table, mrCell(3, MR_BUSY))).toBe(0);
    // Page 1: stamp at byte 100 (offset 100 in the block), fill after it; bytes before untouched.
    expect(readStamp(pm.frame(11), 100)).toEqual({ writer: APP_PID, source: 3 | (5 << 8), ino: INO_A, index: 1, seq: 0, offset: 100 });
    expect(pm.frame(11)[99]).toBe(0);
    expect(pm.frame(11)[100 + STAMP_BYTES]).toBe(0xa0 | (APP_PID & 0x0f));
    expect(readStamp(pm.frame(12), 0)).toMatchObject({ index: 2, offset: 0 });
    expect(readStamp(pm.frame(13), 0)).toMatchObject({ index: 3, offset: 0 });
    expect(pm.frame(13)[99]).toBe(0xa0 | (APP_PID & 0x0f));
    expect(pm.frame(13)[100]).toBe(0);
    expect(readStamp(pm.frame(10), 0)).toBeNull();
    const nicw = nicView(shared.nic);
    expect(Atomics.load(nicw, NIC_WRS)).toBe(1);
    expect(Atomics.load(nicw, NIC_PAGES_WRITTEN)).toBe(3);
    expect(Atomics.load(nicw, NIC_CLASS_BASE)).toBe(3); // ok
    expect(Atomics.load(qpView(shared.qps[0]!), QP_SQ_HEAD)).toBe(1);
    expect(Atomics.load(qpView(shared.qps[0]!), QP_CQ_TAIL)).toBe(1);
    // One event at each end of the WR (none per page), in the NIC's own stream.
    const wr = { pid: NIC_PID, from: APP_PID, qp: 0, wrId: c!.wrId, key: 3 | (5 << 8), op: 'write' };
    expect(nicCtx.events).toEqual([
      { kind: 'nic.wr.start', t: expect.any(Number), ...wr, offset: PAGE_SIZE + 100, bytes: 2 * PAGE_SIZE, pages: 3 },
      { kind: 'nic.wr.end', t: expect.any(Number), ...wr, status: 'ok', bytes: 2 * PAGE_SIZE, pages: 3, violations: 0 },
    ]);
    expect(nicCtx.events[1]!.t).toBeGreaterThan(nicCtx.events[0]!.t);
  });

  test('the owner is read at the copy: a frame given to another file is corruption (write) and dataLeak (read), a free one lostWrite', async () => {
    const { app, nic, pm, table } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10, 11, 12, 13] });
    pm.setOwner(11, INO_B, 6); // truncated away from /a and reused by /b's block 6
    pm.setOwner(12, -1, -1); // freed
    postWrite(app, 0x100, 0, 4 * PAGE_SIZE);
    postRead(app, 0x100, PAGE_SIZE, PAGE_SIZE);
    await drain(nic);
    const [w, r] = tryPollCq(app);
    expect(w).toMatchObject({ status: 0, pages: 4, violations: 2 });
    expect(r).toMatchObject({ op: 'read', status: 0, pages: 1, violations: 1 });
    const out = nic.output('idle');
    expect(out.classes).toEqual({ ok: 2, corruption: 1, dataLeak: 1, staleOffset: 0, lostWrite: 1 });
    expect(out.violations.map((v) => v.class)).toEqual(['corruption', 'lostWrite', 'dataLeak']);
    expect(out.violations[0]).toMatchObject({ op: 'write', pfn: 11, victim: { ino: INO_B, index: 6 }, writer: { pid: APP_PID, mr: 0x100 }, intended: { ino: INO_A, index: 1 }, qp: 0, seq: 0 });
    expect(out.violations[2]).toMatchObject({ op: 'read', pfn: 11, victim: { ino: INO_B, index: 6 }, intended: { ino: INO_A, index: 1 }, seq: 1 });
    // The victim block got the stamp naming the intended one.
    expect(readStamp(pm.frame(11), 0)).toMatchObject({ ino: INO_A, index: 1 });
    // Same file, another block (an insert shifted it): staleOffset.
    pm.setOwner(13, INO_A, 9);
    postWrite(app, 0x100, 3 * PAGE_SIZE, PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ violations: 1 });
    expect(nic.output('idle').classes.staleOffset).toBe(1);
  });

  test('owners changing hands during a run (the ownership epoch moved): each page is judged by its owner after the run — a frame already copied and then given to another file is corruption, one freed before its copy lostWrite; a change to a frame outside the MR changes nothing', async () => {
    const { app, pm, table, shared } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10, 11, 12, 13] });
    let phase = 0;
    const nic = new Nic(ctx(shared, 1, NIC_PID), {
      name: 'nic0',
      pageNs: 0,
      probe: (p) => {
        if (p.page !== 1) return; // after page 1's copy, inside the run (BUSY_HOLD_PAGES > 4)
        if (phase === 0) {
          pm.setOwner(10, INO_B, 6); // page 0's frame, copied already: truncated from /a, reused by /b
          pm.setOwner(13, -1, -1); // page 3's frame, not copied yet: freed
        } else pm.setOwner(40, INO_B, 7); // no frame of this MR
      },
    });
    postWrite(app, 0x100, 0, 4 * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ status: 0, pages: 4, violations: 2 });
    const out = nic.output('idle');
    expect(out.classes).toMatchObject({ ok: 2, corruption: 1, lostWrite: 1 });
    expect(out.violations[0]).toMatchObject({ class: 'corruption', pfn: 10, victim: { ino: INO_B, index: 6 }, intended: { ino: INO_A, index: 0 } });
    expect(out.violations[1]).toMatchObject({ class: 'lostWrite', pfn: 13, intended: { ino: INO_A, index: 3 } });
    // What the offline pass finds: /b's block 6 holds the stamp of /a's block 0.
    expect(readStamp(pm.frame(10), 0)).toMatchObject({ ino: INO_A, index: 0 });
    phase = 1;
    pm.setOwner(10, INO_A, 0);
    pm.setOwner(13, INO_A, 3);
    const before = pm.ownerEpoch();
    postWrite(app, 0x100, 0, 4 * PAGE_SIZE);
    await drain(nic);
    expect(pm.ownerEpoch()).toBe(before + 2); // the epoch did move during the run
    expect(tryPollCq(app)[0]).toMatchObject({ status: 0, pages: 4, violations: 0 });
    expect(nic.output('idle').classes).toMatchObject({ ok: 6, corruption: 1, lostWrite: 1 });
  });

  test('a WRITE shorter than a stamp lands the pattern only; a page written after it gets its own stamp', async () => {
    const { app, nic, pm, table } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10, 11] });
    postWrite(app, 0x100, 0, PAGE_SIZE); // a full page first: the staging page holds a stamp
    postWrite(app, 0x100, PAGE_SIZE + 40, STAMP_BYTES - 1);
    await drain(nic);
    expect(tryPollCq(app).map((c) => c.status)).toEqual([0, 0]);
    const f = pm.frame(11);
    const pattern = 0xa0 | (APP_PID & 0x0f);
    expect([...f.subarray(40, 40 + STAMP_BYTES - 1)].every((b) => b === pattern)).toBe(true);
    expect(f[39]).toBe(0);
    expect(f[40 + STAMP_BYTES - 1]).toBe(0);
    expect(readStamp(pm.frame(10), 0)).toMatchObject({ index: 0, seq: 0, offset: 0 });
  });

  test('a READ copies out and leaves the frame alone', async () => {
    const { app, nic, pm, table } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10, 11] });
    pm.frame(10).fill(0x77);
    postRead(app, 0x100, 0, 2 * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ op: 'read', status: 0, bytes: 2 * PAGE_SIZE, pages: 2 });
    expect(pm.frame(10).every((b) => b === 0x77)).toBe(true);
    expect(nic.output('idle').read).toEqual({ wrs: 1, pages: 2, bytes: 2 * PAGE_SIZE });
  });

  test('error completions: dead MR, stale key, another process\'s MR, out of range (EINVAL); a cleared pfn on a pinned MR (EFAULT)', async () => {
    const { app, nic, nicCtx, table, probes } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10, 11] });
    setMr(table, 1, { key: 0x201, pfns: [12], owner: 555 });
    setMr(table, 2, { key: 0x102, pfns: [13] });
    Atomics.store(table, mrCell(2, MR_STATE), MR_DEAD);
    postWrite(app, 0x102, 0, 8); // deregistered
    postWrite(app, 0x200, 0, 8); // slot 0, stale generation
    postWrite(app, 0x201, 0, 8); // another protection domain
    postWrite(app, 0x100, PAGE_SIZE, PAGE_SIZE + 1); // past the MR's end
    await drain(nic);
    expect(tryPollCq(app).map((c) => c.errno)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL']);
    // Deregistration racing the WR: the kernel cleared the second page's cell.
    Atomics.store(table, mrPfnCell(0, 1), PFN_NONE);
    postWrite(app, 0x100, 0, 2 * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ errno: 'EFAULT', status: 14, bytes: PAGE_SIZE, pages: 1 });
    expect(probes).toHaveLength(1);
    for (const s of [0, 1, 2]) expect(Atomics.load(table, mrCell(s, MR_BUSY))).toBe(0);
    expect(nic.output('idle')).toMatchObject<Partial<NicOutput>>({ wrs: 5, wrErrors: 5, completions: { EINVAL: 4, EFAULT: 1 } });
    const ends = nicCtx.events.filter((e) => e.kind === 'nic.wr.end');
    expect(ends.map((e) => e.status)).toEqual(['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EFAULT']);
    expect(ends[4]).toMatchObject({ key: 0x100, bytes: PAGE_SIZE, pages: 1 });
    expect(nicCtx.events.filter((e) => e.kind === 'nic.wr.start').map((e) => e.pages)).toEqual([1, 1, 1, 2, 2]);
  });

  test('threads: MR_BUSY is held across runs of at most BUSY_HOLD_PAGES pages, each counted in MR_RUNS as it is dropped, and notified only while a fence waits (MR_FENCING)', async () => {
    const shared = regions();
    const pm = Pmem.attach(shared.pmem);
    const table = new Int32Array(shared.mrTable);
    const npages = 2 * BUSY_HOLD_PAGES + 8;
    const pfns = Array.from({ length: npages }, (_, i) => 20 + i);
    pfns.forEach((pfn, i) => pm.setOwner(pfn, INO_A, i));
    setMr(table, 5, { key: 0x105, pfns });
    const app = ctx(shared, 0, APP_PID);
    qpOpen(app);
    let copied = 0;
    const drops: number[] = []; // pages copied at each notify of MR_BUSY
    const nicCtx = ctx(shared, 1, NIC_PID);
    nicCtx.notifyCell = (arr, i) => {
      if (arr.buffer === shared.mrTable && i === mrCell(5, MR_BUSY)) drops.push(copied);
      Atomics.notify(arr, i);
    };
    const busy: number[] = [];
    const nic = new Nic(nicCtx, { name: 'nic0', pageNs: 0, probe: (p) => void (busy.push(Atomics.load(p.table, mrCell(p.slot, MR_BUSY))), copied++) });
    postWrite(app, 0x105, 0, npages * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ status: 0, pages: npages, violations: 0 });
    expect(busy.every((b) => b === 1)).toBe(true);
    expect(Atomics.load(table, mrCell(5, MR_RUNS))).toBe(3);
    expect(drops).toEqual([]); // nobody fencing: no wake-ups
    expect(nic.output('idle').classes).toMatchObject({ ok: npages, corruption: 0 });
    copied = 0;
    Atomics.store(table, mrCell(5, MR_FENCING), 1); // a fence waits on the MR
    postWrite(app, 0x105, 0, npages * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ status: 0, pages: npages });
    expect(drops).toEqual([BUSY_HOLD_PAGES, 2 * BUSY_HOLD_PAGES, npages]);
    expect(Atomics.load(table, mrCell(5, MR_RUNS))).toBe(6);
    expect(Atomics.load(table, mrCell(5, MR_BUSY))).toBe(0);
  });

  test('threads: a deregistration racing a run — the MR marked dead, its cells cleared — stops the WR at the first cleared cell (EINVAL); one only marked dead so far lets the run finish (the kernel has not let go of the frames) and stops the next', async () => {
    const shared = regions();
    const pm = Pmem.attach(shared.pmem);
    const table = new Int32Array(shared.mrTable);
    const npages = 2 * BUSY_HOLD_PAGES + 8;
    const pfns = Array.from({ length: npages }, (_, i) => 20 + i);
    pfns.forEach((pfn, i) => pm.setOwner(pfn, INO_A, i));
    const app = ctx(shared, 0, APP_PID);
    qpOpen(app);
    let clear = false;
    let deregAt = -1;
    let copied = 0;
    const nic = new Nic(ctx(shared, 1, NIC_PID), {
      name: 'nic0',
      pageNs: 0,
      probe: (p) => {
        copied++;
        if (p.page !== deregAt) return;
        Atomics.store(p.table, mrCell(p.slot, MR_STATE), MR_DEAD); // ibv_dereg_mr: dead first,
        if (clear) for (let i = 0; i < npages; i++) Atomics.store(p.table, mrPfnCell(p.slot, i), PFN_NONE); // then the cells
      },
    });
    setMr(table, 5, { key: 0x105, pfns });
    clear = true;
    deregAt = 5;
    postWrite(app, 0x105, 0, npages * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ errno: 'EINVAL', pages: 6, bytes: 6 * PAGE_SIZE });
    expect(copied).toBe(6);
    expect(Atomics.load(table, mrCell(5, MR_BUSY))).toBe(0);
    setMr(table, 5, { key: 0x105, pfns });
    clear = false;
    copied = 0;
    postWrite(app, 0x105, 0, npages * PAGE_SIZE);
    await drain(nic);
    expect(tryPollCq(app)[0]).toMatchObject({ errno: 'EINVAL', pages: BUSY_HOLD_PAGES });
    expect(copied).toBe(BUSY_HOLD_PAGES);
    expect(Atomics.load(table, mrCell(5, MR_BUSY))).toBe(0);
  });

  test('ODP: a missing page is faulted in through the kernel with MR_BUSY dropped, then the copy retried; a failed fault completes EFAULT', async () => {
    const shared = regions();
    const pm = Pmem.attach(shared.pmem);
    const table = new Int32Array(shared.mrTable);
    pm.setOwner(20, INO_A, 0);
    setMr(table, 4, { key: 0x104, pfns: [PFN_NONE, PFN_NONE], odp: true });
    const faults: { req: SyscallRequest; busy: number }[] = [];
    const syscall = async (req: SyscallRequest): Promise<SyscallResponse> => {
      faults.push({ req, busy: Atomics.load(table, mrCell(4, MR_BUSY)) });
      if (req.op !== 'nic_fault') throw new Error(`unexpected ${req.op}`);
      if (req.page === 0) {
        Atomics.store(table, mrPfnCell(4, 0), 20); // what Verbs.odpFault does
        return { ret: 20, errno: null, killed: null, handlers: [] };
      }
      return { ret: -1, errno: 'EFAULT', killed: null, handlers: [] }; // page 1 is past EOF
    };
    const app = ctx(shared, 0, APP_PID);
    qpOpen(app);
    const nic = new Nic(ctx(shared, 1, NIC_PID, syscall), { name: 'nic0', pageNs: 0 });
    postWrite(app, 0x104, 0, PAGE_SIZE);
    postWrite(app, 0x104, PAGE_SIZE, PAGE_SIZE);
    await drain(nic);
    const [ok, past] = tryPollCq(app);
    expect(ok).toMatchObject({ status: 0, pages: 1, violations: 0 });
    expect(past).toMatchObject({ errno: 'EFAULT', pages: 0, bytes: 0 });
    expect(faults).toEqual([
      { req: { op: 'nic_fault', key: 0x104, page: 0, write: true }, busy: 0 },
      { req: { op: 'nic_fault', key: 0x104, page: 1, write: true }, busy: 0 },
    ]);
    expect(readStamp(pm.frame(20), 0)).toMatchObject({ ino: INO_A, index: 0, source: 0x104 });
    expect(nic.output('idle')).toMatchObject({ faults: 2, faultErrors: { EFAULT: 1 }, violations: [] });
    expect(Atomics.load(table, mrCell(4, MR_BUSY))).toBe(0);
  });

  test('the completion that leaves nothing queued is reported before the process can see it (its last report is complete when it exits)', async () => {
    const { app, nic, nicCtx, table, shared } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10] });
    const q = qpView(shared.qps[0]!);
    const seen: { wrs: number; state: string; cqTail: number }[] = [];
    nicCtx.progress = (o) => {
      const out = o as NicOutput;
      seen.push({ wrs: out.wrs, state: out.state, cqTail: Atomics.load(q, QP_CQ_TAIL) });
    };
    for (let i = 0; i < 3; i++) postWrite(app, 0x100, 0, 64);
    await drain(nic);
    // The first completion reports (nothing reported yet); the second does not (more queued, a
    // report is recent); the third empties the queue: reported while its CQE is not yet written.
    expect(seen).toEqual([
      { wrs: 1, state: 'busy', cqTail: 0 },
      { wrs: 3, state: 'idle', cqTail: 2 },
    ]);
    expect(Atomics.load(q, QP_CQ_TAIL)).toBe(3);
  });

  test('QPs are served fairly, one WR each per pass; a QP that was never opened is skipped', async () => {
    const { shared, nic, table, app } = setup();
    setMr(table, 0, { key: 0x100, pfns: [10] });
    setMr(table, 1, { key: 0x101, pfns: [11], owner: NIC_PID });
    const other = ctx(shared, 1, NIC_PID);
    for (let i = 0; i < 3; i++) postWrite(app, 0x100, 0, 64);
    for (let i = 0; i < 3; i++) postWrite(other, 0x101, 0, 64);
    expect(await nic.pass()).toBe(true);
    expect(tryPollCq(app)).toHaveLength(1);
    expect(tryPollCq(other)).toHaveLength(1);
    await drain(nic);
    expect(tryPollCq(app)).toHaveLength(2);
    expect(tryPollCq(other).map((c) => c.status)).toEqual([0, 0]);
    expect(await nic.pass()).toBe(false);
  });
});
