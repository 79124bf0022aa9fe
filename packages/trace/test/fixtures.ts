/**
 * A small hand-written event stream with real times: a holder (pid 100) with a read lease, a
 * breaker (101) opening for write, a DAX busy-page wait under a truncate, a pin, a DMA
 * violation seen by the NIC (102), a syscall still running at the end and a hang. The lease
 * transitions come late, as the lease machines write them, with the machine's id (7) where the
 * break reports lease 9 and owner 0 on the release, as the model does after a re-take.
 */
import type { SimEvent } from '../src/index.js';

export const PROCESSES = [
  { pid: 100, name: 'holder' },
  { pid: 101, name: 'breaker' },
  { pid: 102, name: 'nic0' },
];

export const EVENTS: SimEvent[] = [
  { kind: 'syscall.enter', t: 0, pid: 100, op: 'fcntl', args: { fd: 3, cmd: 1024, arg: 0 } },
  { kind: 'syscall.exit', t: 1000, pid: 100, op: 'fcntl', ret: 0, errno: null },
  { kind: 'lease.transition', t: 1000, lease: 7, ino: 4, owner: 100, from: 'none', to: 'held', event: 'lease.set' },
  { kind: 'syscall.enter', t: 2000, pid: 100, op: 'sigtimedwait', args: { signos: [29], timeoutNs: null } },
  { kind: 'syscall.enter', t: 5000, pid: 101, op: 'open', args: { path: '/pmem/a', flags: 1 } },
  { kind: 'lease.break', t: 5000, ino: 4, breaker: 101, lease: 9, owner: 100, target: 'F_UNLCK', layout: false, deadline: 45_000_000_000 },
  { kind: 'signal.send', t: 5000, pid: 100, signo: 'SIGIO', fd: null, from: 101 },
  { kind: 'lease.break.wait', t: 5000, ino: 4, breaker: 101, until: 45_000_000_000 },
  { kind: 'signal.deliver', t: 8000, pid: 100, signo: 'SIGIO', fd: null, how: 'wait' },
  { kind: 'syscall.exit', t: 8000, pid: 100, op: 'sigtimedwait', ret: 29, errno: null },
  { kind: 'lease.transition', t: 5000, lease: 7, ino: 4, owner: 100, from: 'held', to: 'breaking.timed', event: 'lease.break' },
  { kind: 'syscall.enter', t: 9000, pid: 100, op: 'fcntl', args: { fd: 3, cmd: 1024, arg: 2 } },
  { kind: 'lease.break.done', t: 12_000, ino: 4, breaker: 101, result: 'ok', startedAt: 5000 },
  { kind: 'syscall.exit', t: 12_500, pid: 100, op: 'fcntl', ret: 0, errno: null },
  { kind: 'syscall.exit', t: 13_000, pid: 101, op: 'open', ret: 3, errno: null },
  { kind: 'lease.transition', t: 11_000, lease: 7, ino: 4, owner: 0, from: 'breaking.timed', to: 'released', event: 'lease.release' },
  { kind: 'gup.pin', t: 14_000, pid: 101, pin: 1, pfns: [1, 2, 3], longterm: true },
  { kind: 'syscall.enter', t: 14_500, pid: 101, op: 'truncate', args: { path: '/pmem/a', length: 0 } },
  { kind: 'dax.busy', t: 15_000, pid: 101, ino: 4, pfn: 2, fn: 'ext4_break_layouts', action: 'wait' },
  { kind: 'dma.write', t: 16_000, writer: 101, source: 5, pfn: 2, intended: { ino: 4, index: 1 }, owner: { ino: 5, index: 0, generation: 2 }, op: 'write' },
  { kind: 'dax.busy.done', t: 18_000, pid: 101, ino: 4, pfn: 2, result: 'idle' },
  { kind: 'syscall.exit', t: 19_000, pid: 101, op: 'truncate', ret: 0, errno: null },
  { kind: 'gup.unpin', t: 20_000, pid: 101, pin: 1 },
  { kind: 'syscall.enter', t: 21_000, pid: 101, op: 'nanosleep', args: { ns: 1e9 } },
  { kind: 'sched.pick', t: 22_000, pid: 101, choices: 2 },
  { kind: 'hang', t: 25_000, pid: 101, op: 'nanosleep', blockedNs: 4000, chain: ['breaker'] },
];

export const INPUT = { events: EVENTS, processes: PROCESSES, scenario: 'fixture', policy: 'mainline', seed: 3, mode: 'deterministic' };

/**
 * The NIC (pid 101) serving a writer (pid 100): a 64-page RDMA WRITE with an ODP fault inside
 * it, a READ that fails EFAULT, and a WRITE still running at the end.
 */
export const NIC_EVENTS: SimEvent[] = [
  { kind: 'syscall.enter', t: 0, pid: 100, op: 'ibv_reg_mr', args: { addr: 4096, length: 262_144 } },
  { kind: 'syscall.exit', t: 1000, pid: 100, op: 'ibv_reg_mr', ret: 256, errno: null },
  { kind: 'nic.wr.start', t: 2000, pid: 101, from: 100, qp: 0, wrId: 17, key: 256, op: 'write', offset: 0, bytes: 262_144, pages: 64 },
  { kind: 'syscall.enter', t: 3000, pid: 101, op: 'nic_fault', args: { key: 256, page: 3, write: true } },
  { kind: 'syscall.exit', t: 4000, pid: 101, op: 'nic_fault', ret: 0, errno: null },
  { kind: 'nic.wr.end', t: 10_000, pid: 101, from: 100, qp: 0, wrId: 17, key: 256, op: 'write', status: 'ok', bytes: 262_144, pages: 64, violations: 0 },
  { kind: 'nic.wr.start', t: 11_000, pid: 101, from: 100, qp: 0, wrId: 18, key: 256, op: 'read', offset: 8192, bytes: 4096, pages: 1 },
  { kind: 'nic.wr.end', t: 12_000, pid: 101, from: 100, qp: 0, wrId: 18, key: 256, op: 'read', status: 'EFAULT', bytes: 0, pages: 0, violations: 0 },
  { kind: 'nic.wr.start', t: 13_000, pid: 101, from: 100, qp: 0, wrId: 19, key: 256, op: 'write', offset: 0, bytes: 8192, pages: 2 },
  { kind: 'syscall.enter', t: 13_500, pid: 100, op: 'nanosleep', args: { ns: 1000 } },
  { kind: 'syscall.exit', t: 14_000, pid: 100, op: 'nanosleep', ret: 0, errno: null },
];

export const NIC_INPUT = {
  events: NIC_EVENTS,
  processes: [
    { pid: 100, name: 'rdma' },
    { pid: 101, name: 'nic0' },
  ],
  scenario: 'nic-fixture',
  policy: 'mainline',
  seed: 1,
  mode: 'threads',
};
