/**
 * The syscall entry (entry_SYSCALL_64 → do_syscall_64 → the table → exit_to_user_mode): one
 * request in, one response out, plain data both ways so a runtime can carry it across threads.
 * Every syscall is traced on entry and exit, and on the way out the task either dies (a fatal
 * signal is pending) or is handed the handled signals it must run now.
 */
import type { Errno, SysResult } from './errno.js';
import type { Kernel } from './kernel.js';
import { SIGBUS, SIGSEGV, type SigInfo, signame } from './signal.js';
import { watchSyscall } from './hung_task.js';

export type SyscallRequest =
  | { readonly op: 'null' }
  | { readonly op: 'open'; readonly path: string; readonly flags: number; readonly mode?: number }
  | { readonly op: 'close' | 'dup'; readonly fd: number }
  | { readonly op: 'read'; readonly fd: number; readonly length: number }
  | { readonly op: 'pread'; readonly fd: number; readonly length: number; readonly offset: number }
  | { readonly op: 'write'; readonly fd: number; readonly data: Uint8Array }
  | { readonly op: 'pwrite'; readonly fd: number; readonly data: Uint8Array; readonly offset: number }
  | { readonly op: 'truncate'; readonly path: string; readonly length: number }
  | { readonly op: 'ftruncate'; readonly fd: number; readonly length: number }
  | { readonly op: 'fallocate'; readonly fd: number; readonly mode: number; readonly offset: number; readonly length: number }
  | { readonly op: 'fcntl'; readonly fd: number; readonly cmd: number; readonly arg: number }
  | { readonly op: 'mmap'; readonly fd: number; readonly length: number; readonly prot?: number; readonly offset?: number }
  | { readonly op: 'munmap'; readonly addr: number; readonly length: number }
  | { readonly op: 'load'; readonly addr: number; readonly length: number }
  | { readonly op: 'store'; readonly addr: number; readonly data: Uint8Array }
  | { readonly op: 'sigaction'; readonly signo: number; readonly disposition: 'handler' | 'ignore' | 'default' }
  | { readonly op: 'sigprocmask'; readonly how: 'block' | 'unblock'; readonly signos: readonly number[] }
  | { readonly op: 'sigtimedwait'; readonly signos: readonly number[]; readonly timeoutNs: number | null }
  | { readonly op: 'nanosleep'; readonly ns: number }
  | { readonly op: 'kill'; readonly pid: number; readonly signo: number }
  | { readonly op: 'barrier'; readonly name: string; readonly arrived: boolean }
  | { readonly op: 'ibv_reg_mr'; readonly addr: number; readonly length: number }
  | { readonly op: 'ibv_dereg_mr'; readonly key: number }
  | { readonly op: 'nic_fault'; readonly key: number; readonly page: number; readonly write: boolean }
  /** `async`: io_submit-style — return once the pages are pinned; the DMA completes `ns` later. */
  | { readonly op: 'dio_read'; readonly addr: number; readonly length: number; readonly ns: number; readonly async?: boolean }
  /** alarm(2) with ns resolution (setitimer ITIMER_REAL): SIGALRM after `ns`; 0 cancels. */
  | { readonly op: 'alarm'; readonly ns: number }
  | { readonly op: 'exit'; readonly code: number };

export type SyscallOp = SyscallRequest['op'];

export interface SyscallResponse {
  /** Return value (-1 on error), as the C library returns it. */
  readonly ret: number;
  readonly errno: Errno | null;
  /** Bytes read or loaded. */
  readonly data?: Uint8Array;
  /** sigtimedwait: the signal taken. */
  readonly siginfo?: SigInfo;
  /** The task died on its way back to user space (the fatal signal's name). */
  readonly killed: string | null;
  /** Signals whose handlers the task must run now, in order. */
  readonly handlers: readonly SigInfo[];
  /** The fatal signal a memory access raised (SIGBUS, SIGSEGV), delivered by the caller. */
  readonly fault?: 'SIGBUS' | 'SIGSEGV';
}

type Out = SysResult<number> & { data?: Uint8Array; siginfo?: SigInfo; fault?: 'SIGBUS' | 'SIGSEGV' };

async function call(k: Kernel, pid: number, r: SyscallRequest): Promise<Out> {
  switch (r.op) {
    case 'null':
      return { ok: true, value: 0 };
    case 'open':
      return k.open(pid, r.path, r.flags, r.mode);
    case 'close':
      return k.close(pid, r.fd);
    case 'dup':
      return k.dup(pid, r.fd);
    case 'read':
    case 'pread': {
      const res = r.op === 'read' ? await k.read(pid, r.fd, r.length) : await k.pread(pid, r.fd, r.length, r.offset);
      return res.ok ? { ok: true, value: res.value.length, data: res.value } : res;
    }
    case 'write':
      return k.write(pid, r.fd, r.data);
    case 'pwrite':
      return k.pwrite(pid, r.fd, r.data, r.offset);
    case 'truncate':
      return k.truncate(pid, r.path, r.length);
    case 'ftruncate':
      return k.ftruncate(pid, r.fd, r.length);
    case 'fallocate':
      return k.fallocate(pid, r.fd, r.mode, r.offset, r.length);
    case 'fcntl':
      return k.fcntl(pid, r.fd, r.cmd, r.arg);
    case 'mmap':
      return k.mmap(pid, r.fd, r.length, r.prot, r.offset);
    case 'munmap':
      return k.munmap(pid, r.addr, r.length);
    case 'load': {
      const res = await k.load(pid, r.addr, r.length);
      return res.ok ? { ok: true, value: res.value.length, data: res.value } : { ok: false, errno: 'EFAULT', fault: res.sig };
    }
    case 'store': {
      const res = await k.store(pid, r.addr, r.data);
      return res.ok ? { ok: true, value: 0 } : { ok: false, errno: 'EFAULT', fault: res.sig };
    }
    case 'sigaction':
      return k.sigaction(pid, r.signo, r.disposition);
    case 'sigprocmask':
      return k.sigprocmask(pid, r.how, r.signos);
    case 'sigtimedwait': {
      const res = await k.sigtimedwait(pid, new Set(r.signos), r.timeoutNs);
      return res.ok ? { ok: true, value: res.value.signo, siginfo: res.value } : res;
    }
    case 'nanosleep':
      return k.nanosleep(pid, r.ns);
    case 'kill':
      return k.kill(pid, r.pid, r.signo);
    case 'barrier':
      return k.barrierWait(pid, r.name, r.arrived);
    case 'ibv_reg_mr':
      return k.ibvRegMr(pid, r.addr, r.length);
    case 'ibv_dereg_mr':
      return k.ibvDeregMr(pid, r.key);
    case 'nic_fault':
      return k.nicFault(r.key, r.page, r.write);
    case 'dio_read':
      return k.dioRead(pid, r.addr, r.length, r.ns, r.async === true);
    case 'alarm':
      return k.alarm(pid, r.ns);
    case 'exit':
      // do_exit → exit_mm → exit_aio: wait for the task's asynchronous I/O before the rest.
      await k.exitAio(pid);
      return { ok: true, value: r.code };
  }
}

/** Run one syscall for `pid`, start to finish, including the return to user space. */
export async function syscall(k: Kernel, pid: number, req: SyscallRequest): Promise<SyscallResponse> {
  const trace = req.op !== 'null';
  const task = k.task(pid);
  if (trace) k.emit({ kind: 'syscall.enter', t: k.clock.now(), pid, op: req.op, args: traceArgs(req) });
  task.inSyscall = { op: req.op, since: k.clock.now() };
  const disarm = watchSyscall(k, task, req.op);
  const out = await call(k, pid, req);
  disarm();
  task.inSyscall = null;
  if (trace) k.emit({ kind: 'syscall.exit', t: k.clock.now(), pid, op: req.op, ret: out.ok ? out.value : -1, errno: out.ok ? null : out.errno });
  if (req.op === 'exit') {
    k.exitTask(pid, req.code);
    return { ret: 0, errno: null, killed: k.tasks.get(pid)?.dying ?? null, handlers: [] };
  }
  if (out.fault !== undefined) {
    // A fatal SIGBUS/SIGSEGV from the access (force_sig_fault): the task dies unless handled.
    k.sendSignal(pid, out.fault === 'SIGBUS' ? SIGBUS : SIGSEGV, { code: 'SI_USER' });
  }
  const back = k.returnToUser(pid);
  // Built field by field: conditional object spreads cost more than the rest of a null syscall.
  const resp: { -readonly [K in keyof SyscallResponse]: SyscallResponse[K] } = { ret: out.ok ? out.value : -1, errno: out.ok ? null : out.errno, killed: back.killed, handlers: back.handlers };
  if (out.data !== undefined) resp.data = out.data;
  if (out.siginfo !== undefined) resp.siginfo = out.siginfo;
  if (out.fault !== undefined) resp.fault = out.fault;
  return resp;
}

function traceArgs(req: SyscallRequest): unknown {
  const { op: _op, ...rest } = req as Record<string, unknown> & { op: string };
  for (const [k, v] of Object.entries(rest)) if (v instanceof Uint8Array) rest[k] = `<${v.length} bytes>`;
  return rest;
}

export { signame };
