/**
 * Thread placement for benchmarks. On Linux every thread has a TID (/proc/thread-self names it)
 * and its own CPU affinity (sched_setaffinity(2) takes a TID), which `taskset -p` sets from
 * outside; Node has no API for either, so a thread reports its TID and the bench pins it.
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** The calling thread's TID, or null off Linux. */
export function threadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Confine thread `tid` to `cpu` (taskset -p); null on success, else why not. */
export function pinThread(tid: number, cpu: number): string | null {
  const r = spawnSync('taskset', ['-p', '-c', String(cpu), String(tid)], { encoding: 'utf8' });
  if (r.error !== undefined) return `taskset: ${r.error.message}`;
  if (r.status !== 0) return `taskset -p -c ${cpu} ${tid}: exit ${String(r.status)} ${r.stderr.trim()}`;
  return null;
}
