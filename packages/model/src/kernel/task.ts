/**
 * struct task_struct, as much of it as the model needs: a pid, credentials, the fd table and the
 * address space. One task per simulated process (threads are not modelled).
 */
import { FdTable } from '../fs/file.js';
import { MmStruct } from '../mm/mmap.js';
import { SignalState } from './signal.js';

export class Task {
  readonly pid: number;
  /** fsuid; 0 is root with CAP_LEASE and CAP_DAC_OVERRIDE. */
  readonly uid: number;
  readonly name: string;
  readonly files = new FdTable();
  readonly mm = new MmStruct();
  readonly signals = new SignalState();
  /** The sleep this task is blocked in (kernel/sched.ts), if any. */
  sleeper: unknown = null;
  /** The syscall the task is in, if any (for the watchdog and reports). */
  inSyscall: { readonly op: string; readonly since: number } | null = null;
  /** What it sleeps on inside the kernel (kernel/hung_task.ts BlockedOn), if anything. */
  blockedOn: unknown = null;
  /** Set once a fatal signal has been generated: the signal's name. The task exits when it next runs. */
  dying: string | null = null;
  exited = false;
  /** Exit code, or the name of the signal that killed it. */
  exitStatus: number | string | null = null;

  constructor(pid: number, uid: number, name: string) {
    this.pid = pid;
    this.uid = uid;
    this.name = name;
  }

  /** capable(CAP_LEASE) and friends: only root in the model. */
  get privileged(): boolean {
    return this.uid === 0;
  }
}
