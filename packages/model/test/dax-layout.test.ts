import { describe, expect, it } from 'vitest';
import {
  F_LAYOUT,
  F_RDLCK,
  F_SETLEASE,
  FALLOC_FL_INSERT_RANGE,
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

async function setup(policy: PolicyName, knobs: Partial<(typeof POLICIES)['mainline']['knobs']> = {}) {
  const clock = new ManualClock();
  const sink = new MemorySinkForTest();
  const base = POLICIES[policy];
  const k = new Kernel({ pmemPages: 64, clock, sink, policy: { ...base, knobs: { ...base.knobs, ...knobs } }, idleRefcount: base.knobs.idleRefcount });
  k.locks.leaseBreakTimeNs = 200e6;
  k.createFileAt('/pmem/a', { size: 8 * PAGE_SIZE });
  const pinner = k.createTask({ name: 'pinner' });
  const trunc = k.createTask({ name: 'truncater' });
  const fd = (await k.open(pinner.pid, '/pmem/a', O_RDWR)) as { ok: true; value: number };
  const addr = (await k.mmap(pinner.pid, fd.value, 4 * PAGE_SIZE)) as { ok: true; value: number };
  return { k, clock, sink, pinner, trunc, fd: fd.value, addr: addr.value };
}

describe('break layouts: what truncate does to a pinned DAX page, per policy', () => {
  it('no-break: truncate frees the pinned block at once; its owner becomes free while the pin holds it', async () => {
    const { k, pinner, trunc, addr } = await setup('no-break');
    const pin = await pinUserPages(k, pinner, addr, 1, FOLL_WRITE | FOLL_LONGTERM);
    expect(pin.ok).toBe(true);
    const pfn = pin.ok ? pin.value.pages[0]!.pfn : -1;
    expect(await k.truncate(trunc.pid, '/pmem/a', 0)).toEqual({ ok: true, value: 0 });
    expect(k.pmem.owner(pfn).ino).toBe(0);
    expect(k.pmem.isBusy(pfn)).toBe(true);
    if (pin.ok) unpinUserPages(k, pin.value);
    expect(fsck(k)).toEqual([]);
  });

  it('mainline refuses FOLL_LONGTERM on fsdax with EOPNOTSUPP; a transient pin is waited for', async () => {
    const { k, pinner, trunc, addr, sink } = await setup('mainline');
    expect(await pinUserPages(k, pinner, addr, 1, FOLL_WRITE | FOLL_LONGTERM)).toEqual({ ok: false, errno: 'EOPNOTSUPP' });
    const pin = await pinUserPages(k, pinner, addr, 1, FOLL_WRITE);
    let done: unknown = null;
    const p = k.truncate(trunc.pid, '/pmem/a', 0).then((r) => (done = r));
    await flush();
    expect(done).toBeNull();
    if (pin.ok) unpinUserPages(k, pin.value);
    k.pollCells();
    await p;
    expect(done).toEqual({ ok: true, value: 0 });
    expect(sink.events.filter((e) => e.kind === 'layout.change')).toMatchObject([{ op: 'truncate', waited: true, errno: null }]);
    expect(fsck(k)).toEqual([]);
  });

  it('ext4-4.19 with allowLongtermPin: truncate waits for ever, the watchdog reports the hang and who holds the pin', async () => {
    const { k, clock, pinner, trunc, addr } = await setup('ext4-4.19', { allowLongtermPin: true });
    expect((await pinUserPages(k, pinner, addr, 2, FOLL_WRITE | FOLL_LONGTERM)).ok).toBe(true);
    void syscall(k, trunc.pid, { op: 'truncate', path: '/pmem/a', length: 0 });
    await flush();
    clock.advanceBy(1.9e9);
    await flush();
    expect(k.hung).toBeNull();
    clock.advanceBy(0.2e9);
    await flush();
    expect(k.hung).not.toBeNull();
    expect(k.hung!.chain.join(' ')).toMatch(/truncater.*waits for pfn \d+.*pinner.*long-term/);
  });

  it('a handled signal turns the endless wait into EINTR', async () => {
    const { k, pinner, trunc, addr } = await setup('ext4-4.19', { allowLongtermPin: true });
    await pinUserPages(k, pinner, addr, 1, FOLL_WRITE | FOLL_LONGTERM);
    k.sigaction(trunc.pid, 10, 'handler');
    const p = k.truncate(trunc.pid, '/pmem/a', 0);
    await flush();
    k.kill(pinner.pid, trunc.pid, 10);
    expect(await p).toEqual({ ok: false, errno: 'EINTR' });
    expect(k.fileOf(pinner.pid, 3)!.inode.size).toBe(8 * PAGE_SIZE); // nothing was truncated
  });

  it('ira-rfc-2019: EPERM without a layout lease; with one, the truncater signals the holder, waits lease-break-time, then ETXTBSY', async () => {
    const { k, clock, pinner, trunc, addr, fd } = await setup('ira-rfc-2019');
    expect(await pinUserPages(k, pinner, addr, 1, FOLL_WRITE | FOLL_LONGTERM)).toEqual({ ok: false, errno: 'EPERM' });
    expect(await k.fcntl(pinner.pid, fd, F_SETLEASE, F_RDLCK | F_LAYOUT)).toEqual({ ok: true, value: 0 });
    expect((await pinUserPages(k, pinner, addr, 1, FOLL_WRITE | FOLL_LONGTERM)).ok).toBe(true);
    k.sigaction(pinner.pid, SIGIO, 'handler');
    let done: unknown = null;
    const p = k.truncate(trunc.pid, '/pmem/a', 0).then((r) => (done = r));
    await flush();
    expect(pinner.signals.pending.map((s) => s.signo)).toEqual([SIGIO]);
    clock.advanceBy(199e6);
    await flush();
    expect(done).toBeNull();
    clock.advanceBy(1e6);
    await p;
    expect(done).toEqual({ ok: false, errno: 'ETXTBSY' });
  });

  it('ext4-v3-2018: insert range does not wait and moves the pinned block to a later offset', async () => {
    const { k, pinner, trunc, addr } = await setup('ext4-v3-2018', { allowLongtermPin: true });
    const pin = await pinUserPages(k, pinner, addr, 1, FOLL_WRITE);
    const pfn = pin.ok ? pin.value.pages[0]!.pfn : -1;
    const tfd = (await k.open(trunc.pid, '/pmem/a', O_RDWR)) as { ok: true; value: number };
    expect(await k.fallocate(trunc.pid, tfd.value, FALLOC_FL_INSERT_RANGE, 0, PAGE_SIZE)).toEqual({ ok: true, value: 0 });
    expect(k.pmem.owner(pfn)).toMatchObject({ index: 1 });
  });

  it('ext4-4.19: insert range waits for the transient pin', async () => {
    const { k, pinner, trunc, addr } = await setup('ext4-4.19');
    const pin = await pinUserPages(k, pinner, addr, 1, FOLL_WRITE);
    const tfd = (await k.open(trunc.pid, '/pmem/a', O_RDWR)) as { ok: true; value: number };
    let done: unknown = null;
    const p = k.fallocate(trunc.pid, tfd.value, FALLOC_FL_INSERT_RANGE, 0, PAGE_SIZE).then((r) => (done = r));
    await flush();
    expect(done).toBeNull();
    if (pin.ok) unpinUserPages(k, pin.value);
    k.pollCells();
    await p;
    expect(done).toEqual({ ok: true, value: 0 });
  });

  it('before v6.15 a pinner that munmap()ed escapes the wait (skipWaitWhenUnmapped); mainline still waits', async () => {
    for (const [policy, waits] of [['ext4-4.19', false], ['mainline', true]] as const) {
      const { k, pinner, trunc, addr } = await setup(policy);
      const pin = await pinUserPages(k, pinner, addr, 1, FOLL_WRITE);
      await k.munmap(pinner.pid, addr, 4 * PAGE_SIZE);
      let done: unknown = null;
      const p = k.truncate(trunc.pid, '/pmem/a', 0).then((r) => (done = r));
      await flush();
      expect(done === null).toBe(waits);
      if (pin.ok) unpinUserPages(k, pin.value);
      k.pollCells();
      await p;
    }
  });
});
