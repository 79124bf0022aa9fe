/**
 * The hung-task watchdog (kernel/hung_task.c, khungtaskd), modelled for the one case the seed
 * threads care about: a syscall that changes a file's layout, or waits behind one, and does not
 * come back. When such a syscall has been in the kernel longer than `hungTaskTimeout`, the
 * watchdog reports a `hang` with the wait-for chain (who waits on whom, down to the pin or lease
 * that never goes away) and tells the runtime, which ends the run cleanly instead of freezing.
 *
 * Unlike khungtaskd it also watches interruptible sleeps (the DAX page wait is
 * TASK_INTERRUPTIBLE): a truncate stuck behind a long-term pin is the hang the policies differ on.
 * Voluntary waits (sigtimedwait, nanosleep, barriers) are never a hang.
 */
import type { Kernel } from './kernel.js';
import type { RwSem } from './rwsem.js';
import type { Task } from './task.js';

/** What a task in the kernel is blocked on, for the chain. */
export type BlockedOn =
  | { readonly kind: 'page'; readonly pfn: number; readonly ino: number }
  | { readonly kind: 'rwsem'; readonly sem: RwSem }
  | { readonly kind: 'lease'; readonly ino: number; readonly owners: readonly number[] };

/** Syscalls the watchdog watches. */
export const WATCHED_OPS: ReadonlySet<string> = new Set(['open', 'truncate', 'ftruncate', 'fallocate', 'write', 'pwrite', 'load', 'store', 'ibv_reg_mr', 'dio_read', 'mmap']);

export interface HangReport {
  readonly pid: number;
  readonly op: string;
  readonly blockedNs: number;
  readonly chain: readonly string[];
}

function who(k: Kernel, pid: number): string {
  const t = k.tasks.get(pid);
  return t === undefined ? `pid ${pid}` : `${t.name} (pid ${pid})`;
}

/** Follow what `task` waits on until a holder that is not itself blocked (or a loop). */
export function waitForChain(k: Kernel, task: Task): string[] {
  const chain: string[] = [];
  const seen = new Set<Task>();
  let cur: Task | undefined = task;
  while (cur !== undefined && !seen.has(cur)) {
    seen.add(cur);
    const b = cur.blockedOn as BlockedOn | null;
    const op = cur.inSyscall?.op ?? 'user code';
    if (b === null) {
      chain.push(`${who(k, cur.pid)} in ${op}: running`);
      break;
    }
    if (b.kind === 'page') {
      const holders = [...k.pins.sets.values()].filter((s) => s.pages.some((p) => p.pfn === b.pfn));
      const desc = holders.map((s) => `${who(k, s.pid)} holds a ${s.longterm ? 'long-term (FOLL_LONGTERM)' : 'transient'} pin`).join('; ');
      chain.push(`${who(k, cur.pid)} in ${op}: waits for pfn ${b.pfn} of ino ${b.ino} to go idle (refcount ${k.pmem.refcount(b.pfn)})${desc === '' ? '' : ` — ${desc}`}`);
      cur = holders.length > 0 ? k.tasks.get(holders[0]!.pid) : undefined;
      if (cur !== undefined && (cur.blockedOn === null || cur.exited)) {
        chain.push(`${who(k, cur.pid)} ${cur.exited ? 'has exited' : `is ${cur.inSyscall === null ? 'running user code' : `in ${cur.inSyscall.op}`}`} and keeps the pin`);
        break;
      }
    } else if (b.kind === 'rwsem') {
      const holders = b.sem.holders();
      chain.push(`${who(k, cur.pid)} in ${op}: waits for ${b.sem.name}, held by ${holders.map((h) => who(k, h.pid)).join(', ') || 'nobody'}`);
      cur = holders[0];
    } else {
      chain.push(`${who(k, cur.pid)} in ${op}: waits for the lease on ino ${b.ino} held by ${b.owners.map((p) => who(k, p)).join(', ')}`);
      cur = b.owners.length > 0 ? k.tasks.get(b.owners[0]!) : undefined;
      if (cur !== undefined && cur.blockedOn === null) {
        chain.push(`${who(k, cur.pid)} does not release it`);
        break;
      }
    }
  }
  return chain;
}

/**
 * Arm the watchdog for a syscall `task` just entered. Return: a disarm function for its exit.
 * If the limit passes first, the hang is recorded on the kernel and reported to the runtime.
 */
export function watchSyscall(k: Kernel, task: Task, op: string): () => void {
  if (!WATCHED_OPS.has(op)) return () => {};
  const limit = k.policy.knobs.hungTaskTimeoutNs;
  if (!(limit > 0)) return () => {};
  const since = k.clock.now();
  let timer = 0;
  const check = (): void => {
    if (k.hung !== null || task.exited) return;
    if (task.blockedOn === null) {
      // Between two waits (a rescan): look again shortly.
      timer = k.clock.setTimer(k.clock.now() + limit / 10, check);
      return;
    }
    const report: HangReport = { pid: task.pid, op, blockedNs: k.clock.now() - since, chain: waitForChain(k, task) };
    k.hung = report;
    k.emit({ kind: 'hang', t: k.clock.now(), pid: task.pid, op, blockedNs: report.blockedNs, chain: report.chain });
    k.notify.hung?.(report);
  };
  timer = k.clock.setTimer(since + limit, check);
  return () => k.clock.clearTimer(timer);
}
