import { describe, expect, it } from 'vitest';
import { F_GETLEASE, F_RDLCK, F_SETLEASE, F_SETSIG, F_UNLCK, F_WRLCK, Kernel, ManualClock, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY, SIGIO, fsck } from '../src/index.js';

async function setup(breakNs = 200e6) {
  const clock = new ManualClock();
  const k = new Kernel({ pmemPages: 32, clock });
  k.locks.leaseBreakTimeNs = breakNs;
  k.createFileAt('/pmem/a', { uid: 1000, size: 4096 });
  const holder = k.createTask({ uid: 1000, name: 'holder' });
  const breaker = k.createTask({ uid: 0, name: 'breaker' });
  k.sigaction(holder.pid, SIGIO, 'handler');
  const hfd = (await k.open(holder.pid, '/pmem/a', O_RDONLY)) as { ok: true; value: number };
  return { k, clock, holder, breaker, hfd: hfd.value };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('fs/locks: F_SETLEASE and __break_lease', () => {
  it('a write open blocks until the holder releases, and the holder gets SIGIO', async () => {
    const { k, clock, holder, breaker, hfd } = await setup();
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_RDLCK)).toEqual({ ok: true, value: 0 });
    let done: unknown = null;
    const p = k.open(breaker.pid, '/pmem/a', O_WRONLY).then((r) => (done = r));
    await flush();
    expect(done).toBeNull();
    expect(holder.signals.pending.map((s) => s.signo)).toEqual([SIGIO]);
    expect(holder.signals.pending[0]!.fd).toBeNull(); // no F_SETSIG: plain SIGIO, no si_fd
    expect(await k.fcntl(holder.pid, hfd, F_GETLEASE)).toEqual({ ok: true, value: F_UNLCK });
    clock.advanceBy(100e6);
    await flush();
    expect(done).toBeNull();
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_UNLCK)).toEqual({ ok: true, value: 0 });
    await p;
    expect(done).toEqual({ ok: true, value: 3 }); // the breaker's first fd
    expect(fsck(k)).toEqual([]);
  });

  it('a holder that never answers loses the lease at lease-break-time, lazily', async () => {
    const { k, clock, holder, breaker, hfd } = await setup(200e6);
    await k.fcntl(holder.pid, hfd, F_SETSIG, SIGIO);
    await k.fcntl(holder.pid, hfd, F_SETLEASE, F_RDLCK);
    let done: unknown = null;
    const p = k.truncate(breaker.pid, '/pmem/a', 0).then((r) => (done = r));
    await flush();
    expect(holder.signals.pending[0]!.fd).toBe(hfd); // F_SETSIG used: si_fd is the leased fd
    clock.advanceBy(199e6);
    await flush();
    expect(done).toBeNull();
    clock.advanceBy(1e6);
    await p;
    expect(done).toEqual({ ok: true, value: 0 });
    expect(await k.fcntl(holder.pid, hfd, F_GETLEASE)).toEqual({ ok: true, value: F_UNLCK });
    expect(k.fileOf(holder.pid, hfd)!.signum).toBe(0); // forced removal resets F_SETSIG
  });

  it('O_NONBLOCK breakers get EWOULDBLOCK but the holder is still signalled', async () => {
    const { k, holder, breaker, hfd } = await setup();
    await k.fcntl(holder.pid, hfd, F_SETLEASE, F_RDLCK);
    expect(await k.open(breaker.pid, '/pmem/a', O_WRONLY | O_NONBLOCK)).toEqual({ ok: false, errno: 'EAGAIN' });
    expect(holder.signals.pending.length).toBe(1);
  });

  it('read lease rules: needs no writer, even the caller; write lease needs the only open', async () => {
    const { k, holder, hfd } = await setup();
    const rw = (await k.open(holder.pid, '/pmem/a', O_RDWR)) as { ok: true; value: number };
    expect(await k.fcntl(holder.pid, rw.value, F_SETLEASE, F_RDLCK)).toEqual({ ok: false, errno: 'EAGAIN' });
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_WRLCK)).toEqual({ ok: false, errno: 'EAGAIN' });
    await k.close(holder.pid, rw.value);
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_WRLCK)).toEqual({ ok: true, value: 0 });
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_UNLCK)).toEqual({ ok: true, value: 0 });
    expect(await k.fcntl(holder.pid, hfd, F_SETLEASE, F_UNLCK)).toEqual({ ok: false, errno: 'EAGAIN' });
  });
});
