/**
 * What the race programs rely on in the kernel: asynchronous direct I/O (io_submit: the pages stay
 * pinned by the I/O after the caller returns, and may be munmapped; exit waits for it, as
 * exit_aio does), alarm(2) ending a wait for a busy page with EINTR, and Jan Kara's kept layout
 * lease failing a breaker ETXTBSY once its deadline has passed (instead of sleeping towards a
 * deadline already behind it).
 */
import { describe, expect, it } from 'vitest';
import {
  F_LAYOUT,
  F_RDLCK,
  F_SETLEASE,
  FOLL_LONGTERM,
  FOLL_WRITE,
  Kernel,
  ManualClock,
  MemorySinkForTest,
  O_RDWR,
  PAGE_SIZE,
  POLICIES,
  type PolicyName,
  SIGIO,
  fsck,
  pinUserPages,
  syscall,
  unpinUserPages,
} from './dax-helpers.js';

const flush = () => new Promise((r) => setImmediate(r));
const MS = 1e6;

async function setup(policy: PolicyName) {
  const clock = new ManualClock();
  const sink = new MemorySinkForTest();
  const base = POLICIES[policy];
  const k = new Kernel({ pmemPages: 64, clock, sink, policy: base, idleRefcount: base.knobs.idleRefcount, preferRecentlyFreed: true });
  k.locks.leaseBreakTimeNs = 100 * MS;
  k.createFileAt('/pmem/a', { size: 8 * PAGE_SIZE });
  k.createFileAt('/pmem/b', { size: 0 });
  const reader = k.createTask({ name: 'reader' });
  const trunc = k.createTask({ name: 'truncater' });
  const fd = (await k.open(reader.pid, '/pmem/a', O_RDWR)) as { ok: true; value: number };
  const addr = (await k.mmap(reader.pid, fd.value, 4 * PAGE_SIZE)) as { ok: true; value: number };
  return { k, clock, sink, reader, trunc, fd: fd.value, addr: addr.value };
}

/** Settle, then move virtual time to `t` (firing timers), then settle and poll refcount waiters. */
async function advanceTo(k: Kernel, clock: ManualClock, t: number): Promise<void> {
  await flush();
  clock.advanceTo(t);
  k.pollCells();
  await flush();
}

describe('asynchronous direct I/O (dio_read async)', () => {
  it('returns at once with the pages pinned; the DMA lands and the pin goes when the disk completes', async () => {
    const { k, clock, sink, reader, addr } = await setup('mainline');
    const r = await syscall(k, reader.pid, { op: 'dio_read', addr, length: 2 * PAGE_SIZE, ns: 5 * MS, async: true });
    expect(r.ret).toBe(2 * PAGE_SIZE);
    expect(k.pins.sets.size).toBe(1);
    await advanceTo(k, clock, 5 * MS);
    expect(k.pins.sets.size).toBe(0);
    expect(sink.events.filter((e) => e.kind === 'gup.unpin')).toHaveLength(1);
    expect(sink.events.filter((e) => e.kind === 'dma.write')).toEqual([]); // landed where aimed
    expect(fsck(k)).toEqual([]);
  });

  it('pinned then munmapped: before v6.15 the truncate skips the unmapped file and frees the blocks under DMA', async () => {
    const { k, clock, sink, reader, trunc, addr } = await setup('ext4-4.19');
    await syscall(k, reader.pid, { op: 'dio_read', addr, length: 4 * PAGE_SIZE, ns: 5 * MS, async: true });
    await syscall(k, reader.pid, { op: 'munmap', addr, length: 4 * PAGE_SIZE });
    expect((await syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 })).ret).toBe(0);
    expect(sink.events.filter((e) => e.kind === 'layout.change')).toMatchObject([{ op: 'truncate', waited: false, errno: null }]);
    // Another file takes the freed blocks before the disk is done.
    const b = (await k.open(trunc.pid, '/pmem/b', O_RDWR)) as { ok: true; value: number };
    await k.pwrite(trunc.pid, b.value, new Uint8Array(4 * PAGE_SIZE).fill(0x42), 0);
    await advanceTo(k, clock, 5 * MS);
    const dma = sink.events.filter((e) => e.kind === 'dma.write');
    expect(dma.length).toBe(4);
    const bIno = k.lookupPath('/pmem/b');
    expect(bIno.ok && dma.every((d) => d.kind === 'dma.write' && d.owner.ino === bIno.value.ino)).toBe(true);
    expect(k.pins.sets.size).toBe(0);
  });

  it('mainline (6.15): the unmapped pinned pages are still waited for', async () => {
    const { k, clock, sink, reader, trunc, addr } = await setup('mainline');
    await syscall(k, reader.pid, { op: 'dio_read', addr, length: 4 * PAGE_SIZE, ns: 5 * MS, async: true });
    await syscall(k, reader.pid, { op: 'munmap', addr, length: 4 * PAGE_SIZE });
    let done: unknown = null;
    const p = syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 }).then((r) => (done = r.ret));
    await flush();
    expect(done).toBeNull();
    await advanceTo(k, clock, 5 * MS);
    await p;
    expect(done).toBe(0);
    expect(sink.events.filter((e) => e.kind === 'layout.change')).toMatchObject([{ op: 'truncate', waited: true, errno: null }]);
    expect(sink.events.filter((e) => e.kind === 'dma.write')).toEqual([]);
  });

  it('exit waits for the task\'s in-flight I/O (exit_aio): the pin is gone by the time the task is', async () => {
    const { k, clock, reader, addr } = await setup('mainline');
    await syscall(k, reader.pid, { op: 'dio_read', addr, length: PAGE_SIZE, ns: 5 * MS, async: true });
    let exited = false;
    const exit = syscall(k, reader.pid, { op: 'exit', code: 0 }).then(() => (exited = true));
    await flush();
    // The disk's DMA cannot be cancelled: the exit sleeps until it completes.
    expect(exited).toBe(false);
    expect(reader.exited).toBe(false);
    expect(k.pins.sets.size).toBe(1);
    await advanceTo(k, clock, 5 * MS);
    await exit;
    expect(reader.exited).toBe(true);
    expect(k.pins.sets.size).toBe(0);
    expect(fsck(k)).toEqual([]);
  });

  it('a task with no I/O in flight exits at once', async () => {
    const { k, reader } = await setup('mainline');
    expect((await syscall(k, reader.pid, { op: 'exit', code: 3 })).ret).toBe(0);
    expect(reader.exited).toBe(true);
    expect(reader.exitStatus).toBe(3);
  });
});

describe('alarm(2)', () => {
  it('SIGALRM ends a truncate waiting for a busy page with EINTR, before any block is freed', async () => {
    const { k, clock, sink, reader, trunc, addr } = await setup('ext4-4.19');
    const pin = await pinUserPages(k, reader, addr, 1, FOLL_WRITE);
    expect(pin.ok).toBe(true);
    k.sigaction(trunc.pid, 14, 'handler');
    expect((await syscall(k, trunc.pid, { op: 'alarm', ns: 3 * MS })).ret).toBe(0);
    let done: { ret: number; errno: string | null; handlers: readonly { signo: number }[] } | null = null;
    const p = syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 }).then((r) => (done = r));
    await advanceTo(k, clock, 2 * MS);
    expect(done).toBeNull();
    await advanceTo(k, clock, 3 * MS);
    await p;
    expect(done!.errno).toBe('EINTR');
    expect(done!.handlers.map((h) => h.signo)).toEqual([14]);
    expect(sink.events.filter((e) => e.kind === 'layout.change')).toMatchObject([{ op: 'truncate', waited: true, errno: 'EINTR' }]);
    expect(k.lookupPath('/pmem/a').ok && (k.lookupPath('/pmem/a') as { ok: true; value: { size: number } }).value.size).toBe(8 * PAGE_SIZE);
    if (pin.ok) unpinUserPages(k, pin.value);
    expect(fsck(k)).toEqual([]);
  });

  it('returns the time left on the alarm it replaces; 0 cancels; EINVAL for a negative time', async () => {
    const { k, clock, sink, trunc } = await setup('mainline');
    k.sigaction(trunc.pid, 14, 'handler');
    expect((await syscall(k, trunc.pid, { op: 'alarm', ns: 10 * MS })).ret).toBe(0);
    await advanceTo(k, clock, 4 * MS);
    expect((await syscall(k, trunc.pid, { op: 'alarm', ns: 0 })).ret).toBe(6 * MS);
    await advanceTo(k, clock, 20 * MS);
    expect(sink.events.filter((e) => e.kind === 'signal.send')).toEqual([]);
    expect((await syscall(k, trunc.pid, { op: 'alarm', ns: -1 })).errno).toBe('EINVAL');
  });
});

describe('jan-keep-lease: a pinned layout lease is kept past its deadline', () => {
  it('the breaker fails ETXTBSY at the deadline (and at once after that), until the pin goes', async () => {
    const { k, clock, reader, trunc, fd, addr } = await setup('jan-keep-lease');
    expect(await k.fcntl(reader.pid, fd, F_SETLEASE, F_RDLCK | F_LAYOUT)).toEqual({ ok: true, value: 0 });
    k.sigaction(reader.pid, SIGIO, 'handler'); // caught, ignored
    const pin = await pinUserPages(k, reader, addr, 2, FOLL_WRITE | FOLL_LONGTERM);
    expect(pin.ok).toBe(true);
    let first: { errno: string | null } | null = null;
    const p = syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 }).then((r) => (first = r));
    await advanceTo(k, clock, 99 * MS);
    expect(first).toBeNull();
    await advanceTo(k, clock, 100 * MS);
    await p;
    expect(first!.errno).toBe('ETXTBSY');
    // The lease is still there (the culprit stays visible); the next breaker does not wait.
    expect((await syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 })).errno).toBe('ETXTBSY');
    expect(clock.now()).toBe(100 * MS);
    if (pin.ok) unpinUserPages(k, pin.value);
    expect((await syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 })).ret).toBe(0);
    expect(fsck(k)).toEqual([]);
  });
});
