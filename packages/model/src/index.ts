/**
 * @leasebreak/model — the kernel model. Pure TypeScript: no worker_threads, no I/O, no timers.
 */
export { ERRNO, ERRNO_ALIASES, SimError, BUG_ON, err, errnoByName, errnoName, isSimError, ok } from './kernel/errno.js';
export type { Errno, SimErrorCode, SysResult } from './kernel/errno.js';
export * as flags from './kernel/flags.js';
export {
  FALLOC_FLAGS,
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  OPEN_FLAGS,
  O_APPEND,
  O_CREAT,
  O_EXCL,
  O_NONBLOCK,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  PROT_READ,
  PROT_WRITE,
  parseFlagList,
} from './kernel/flags.js';
export { Kernel } from './kernel/kernel.js';
export type { KernelConfig, KernelHooks, LayoutChange } from './kernel/kernel.js';
export { Task } from './kernel/task.js';
export { Pmem, PAGE_SIZE, PAGE_SHIFT, STRUCT_PAGE_BYTES, MAX_PMEM_PAGES } from './mm/pmem.js';
export type { MutablePageOwner, PageOwner, PmemBuffers } from './mm/pmem.js';
export { Vma, MmStruct, PTE_NONE, PTE_ZERO, PTE_UNMAPPED } from './mm/mmap.js';
export type { VmaShared } from './mm/mmap.js';
export { loadUser, storeUser } from './mm/uaccess.js';
export type { AccessResult, FaultFn, Signal } from './mm/uaccess.js';
export { BlockAllocator } from './fs/balloc.js';
export type { BlockRun } from './fs/balloc.js';
export { ExtentMap } from './fs/extents.js';
export type { Extent, Segment } from './fs/extents.js';
export { File, FdTable, FIRST_FD } from './fs/file.js';
export { Inode } from './fs/inode.js';
export { SuperBlock, EXT4_MAX_BYTES } from './fs/super.js';
export type { FallocOp, FallocKind, FallocateModeCheck } from './fs/fallocate.js';
export { fsck } from './fs/fsck.js';
export type { FsckOptions } from './fs/fsck.js';
export { ManualClock } from './kernel/clock.js';
export type { Clock, TimerHandle } from './kernel/clock.js';
export { WaitQueue, sleepOn, wakeupCount } from './kernel/sched.js';
export type { WakeReason } from './kernel/sched.js';
export { SIGNALS, SIGIO, SIGKILL, SIGRTMIN, NSIG, SignalState, parseSignal, signame } from './kernel/signal.js';
export type { SigInfo, Disposition } from './kernel/signal.js';
export { syscall } from './kernel/syscall.js';
export type { SyscallRequest, SyscallResponse, SyscallOp } from './kernel/syscall.js';
export { FCNTL_CMDS, F_GETLEASE, F_GETSIG, F_SETLEASE, F_SETSIG } from './kernel/fcntl.js';
export { Locks, FileLease, F_RDLCK, F_WRLCK, F_UNLCK, F_LAYOUT, F_UNBREAK, FL_LAYOUT, leaseTypeName } from './fs/locks.js';
export type { LeaseObserver } from './fs/locks.js';
export { POLICIES, POLICY_NAMES, LINUX_DEFAULT_KNOBS, policyByName } from './kernel/policy.js';
export type { Policy, PolicyName, KernelKnobValues } from './kernel/policy.js';
export * as mrTable from './rdma/mr_table.js';
export { MR_TABLE_BYTES } from './rdma/mr_table.js';
export { pinUserPages, unpinUserPages, Pins, FOLL_LONGTERM, FOLL_WRITE, longtermPinAllowed } from './mm/gup.js';
export type { PinSet, PinnedPage } from './mm/gup.js';
export { daxBreakLayouts, daxLayoutBusyPage, breaksFor } from './fs/dax_layout.js';
export { readStamp, writeStamp, writeStampAligned, STAMP_BYTES, STAMP_MAGIC, DIO_SOURCE_BASE } from './mm/stamp.js';
export type { Stamp } from './mm/stamp.js';
export { LeaseEventQueue, LifecycleDriver } from './fs/lease_lifecycle.js';
export type { LeaseItem } from './fs/lease_lifecycle.js';
