/**
 * CPU loads and stores through a process's page tables (what user code does to a DAX mapping).
 * It walks the page-table entries with Atomics and touches pmem frames directly; only a missing
 * or read-only entry calls `fault` (the kernel's fault path). The same walk runs on a process
 * thread, with `fault` crossing to the kernel.
 */
import { PROT_WRITE } from '../kernel/flags.js';
import { PTE_ZERO, type Vma } from './mmap.js';
import { PAGE_SIZE, type Pmem } from './pmem.js';

export type Signal = 'SIGBUS' | 'SIGSEGV';
export type AccessResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly sig: Signal; readonly addr: number };

/** Resolve a fault at VMA page `index`: the entry to use, or the signal. */
export type FaultFn = (vma: Vma, index: number, write: boolean) => { ok: true; pte: number } | { ok: false; sig: Signal };

function walk(
  pmem: Pmem,
  find: (addr: number) => Vma | undefined,
  addr: number,
  len: number,
  write: boolean,
  fault: FaultFn,
  each: (physOff: number, bufOff: number, n: number, zero: boolean) => void,
): AccessResult<true> {
  let done = 0;
  while (done < len) {
    const a = addr + done;
    const vma = find(a);
    if (vma === undefined) return { ok: false, sig: 'SIGSEGV', addr: a };
    // do_user_addr_fault(): a write to a VMA without VM_WRITE is access_error → SIGSEGV, even
    // when the page is already mapped (its PTE is read-only).
    if (write && (vma.prot & PROT_WRITE) === 0) return { ok: false, sig: 'SIGSEGV', addr: a };
    const index = Math.floor((a - vma.start) / PAGE_SIZE);
    let pte = Atomics.load(vma.pte, index);
    if (pte < 0 && !(pte === PTE_ZERO && !write)) {
      const f = fault(vma, index, write);
      if (!f.ok) return { ok: false, sig: f.sig, addr: a };
      pte = f.pte;
    }
    const inPage = a % PAGE_SIZE;
    const n = Math.min(PAGE_SIZE - inPage, len - done);
    each(pte * PAGE_SIZE + inPage, done, n, pte === PTE_ZERO);
    done += n;
  }
  return { ok: true, value: true };
}

/** Read `len` bytes at user address `addr`. */
export function loadUser(pmem: Pmem, find: (addr: number) => Vma | undefined, addr: number, len: number, fault: FaultFn): AccessResult<Uint8Array> {
  const out = new Uint8Array(len);
  const r = walk(pmem, find, addr, len, false, fault, (phys, off, n, zero) => {
    if (!zero) out.set(pmem.frames.subarray(phys, phys + n), off);
  });
  return r.ok ? { ok: true, value: out } : r;
}

/** Write `data` at user address `addr`. */
export function storeUser(pmem: Pmem, find: (addr: number) => Vma | undefined, addr: number, data: Uint8Array, fault: FaultFn): AccessResult<number> {
  const r = walk(pmem, find, addr, data.length, true, fault, (phys, off, n) => {
    pmem.frames.set(data.subarray(off, off + n), phys);
  });
  return r.ok ? { ok: true, value: data.length } : r;
}
