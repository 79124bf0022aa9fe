/**
 * struct task_struct, as much of it as the model needs: a pid, credentials, the fd table and the
 * address space. One task per simulated process (threads are not modelled).
 */
import { FdTable } from '../fs/file.js';
import { MmStruct } from '../mm/mmap.js';

export class Task {
  readonly pid: number;
  /** fsuid; 0 is root with CAP_LEASE and CAP_DAC_OVERRIDE. */
  readonly uid: number;
  readonly name: string;
  readonly files = new FdTable();
  readonly mm = new MmStruct();
  exited = false;

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
