/**
 * A reader/writer semaphore (kernel/locking/rwsem.c) for the inode locks: i_rwsem (inode_lock)
 * and the invalidate lock (ext4's i_mmap_sem, XFS's MMAPLOCK). FIFO: a waiting writer holds back
 * later readers. Sleeps here are uninterruptible (TASK_UNINTERRUPTIBLE, as down_write is), so a
 * task queued behind a holder that never lets go is what the hung-task watchdog reports.
 */
import { noteWakeup } from './sched.js';
import type { Task } from './task.js';

interface Waiter {
  readonly task: Task;
  readonly write: boolean;
  readonly resolve: () => void;
}

export class RwSem {
  readonly name: string;
  private readers = new Map<Task, number>();
  private writer: Task | null = null;
  private readonly waiters: Waiter[] = [];

  constructor(name: string) {
    this.name = name;
  }

  /** Who holds it now (for the watchdog's wait-for chain). */
  holders(): Task[] {
    return this.writer !== null ? [this.writer] : [...this.readers.keys()];
  }

  /** Is `task` queued on this lock? */
  isWaiting(task: Task): boolean {
    return this.waiters.some((w) => w.task === task);
  }

  private canWrite(): boolean {
    return this.writer === null && this.readers.size === 0;
  }

  async downWrite(task: Task): Promise<void> {
    if (this.canWrite() && this.waiters.length === 0) {
      this.writer = task;
      return;
    }
    task.blockedOn = { kind: 'rwsem', sem: this };
    await new Promise<void>((resolve) => this.waiters.push({ task, write: true, resolve }));
    task.blockedOn = null;
  }

  async downRead(task: Task): Promise<void> {
    if (this.writer === null && this.waiters.length === 0) {
      this.readers.set(task, (this.readers.get(task) ?? 0) + 1);
      return;
    }
    task.blockedOn = { kind: 'rwsem', sem: this };
    await new Promise<void>((resolve) => this.waiters.push({ task, write: false, resolve }));
    task.blockedOn = null;
  }

  upWrite(): void {
    this.writer = null;
    this.grant();
  }

  upRead(task: Task): void {
    const n = (this.readers.get(task) ?? 0) - 1;
    if (n <= 0) this.readers.delete(task);
    else this.readers.set(task, n);
    this.grant();
  }

  /** Hand the lock to the waiters at the head of the queue: one writer, or a run of readers. */
  private grant(): void {
    while (this.waiters.length > 0) {
      const w = this.waiters[0]!;
      if (w.write) {
        if (!this.canWrite()) return;
        this.waiters.shift();
        this.writer = w.task;
        noteWakeup();
        w.resolve();
        return;
      }
      if (this.writer !== null) return;
      this.waiters.shift();
      this.readers.set(w.task, (this.readers.get(w.task) ?? 0) + 1);
      noteWakeup();
      w.resolve();
    }
  }
}
