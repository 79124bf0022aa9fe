/**
 * Bench program pair for the lease-break round trip: the holder takes a read lease and releases
 * it as soon as it takes SIGIO (sigtimedwait, so no handler detour); the breaker times its
 * open(O_WRONLY) — the whole break: mark, signal, holder's F_UNLCK, wake. Two barriers per round:
 * `leased` lets the breaker open only once the holder holds the lease, and `closed` lets the
 * holder re-take it only after the breaker has closed its fd. (Without `closed` the holder's
 * re-take raced the close, found the file still open for write — EAGAIN — and retried: on one CPU
 * that ran ahead of the breaker's wake-up and was timed as part of the break.) The host probe
 * (native/lease_break.c) runs the same rounds. The first `warmup` breaks are
 * run but not timed: the JIT compiles the hot paths of four isolates on the same CPUs for the
 * first second or so, and a benchmark reports the steady state.
 */
import { F_RDLCK, F_SETLEASE, F_UNLCK, O_RDONLY, O_WRONLY, SIGIO } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';

export async function runProgram(ctx: ProcessContext, input: unknown): Promise<number[]> {
  const { n, role, warmup = 0 } = input as { n: number; role: 'holder' | 'breaker'; warmup?: number };
  const out: number[] = [];
  const sys = ctx.syscall.bind(ctx);
  if (role === 'holder') {
    const fd = (await sys({ op: 'open', path: '/pmem/a', flags: O_RDONLY })).ret;
    for (let i = 0; i < warmup + n; i++) {
      while ((await sys({ op: 'fcntl', fd, cmd: F_SETLEASE, arg: F_RDLCK })).errno === 'EAGAIN') await sys({ op: 'nanosleep', ns: 20_000 });
      await sys({ op: 'barrier', name: 'leased', arrived: false });
      const s = await sys({ op: 'sigtimedwait', signos: [SIGIO], timeoutNs: 10e9 });
      if (s.errno !== null) throw new Error(`holder: no SIGIO (${s.errno})`);
      await sys({ op: 'fcntl', fd, cmd: F_SETLEASE, arg: F_UNLCK });
      await sys({ op: 'barrier', name: 'closed', arrived: false });
    }
  } else {
    for (let i = 0; i < warmup + n; i++) {
      await sys({ op: 'barrier', name: 'leased', arrived: false });
      const t0 = ctx.now();
      const r = await sys({ op: 'open', path: '/pmem/a', flags: O_WRONLY });
      if (i >= warmup) out.push(ctx.now() - t0);
      if (r.errno !== null) throw new Error(`breaker: open failed ${r.errno}`);
      await sys({ op: 'close', fd: r.ret });
      await sys({ op: 'barrier', name: 'closed', arrived: false });
    }
  }
  await sys({ op: 'exit', code: 0 });
  return out;
}
