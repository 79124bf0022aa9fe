/**
 * mmap(2)/munmap(2) and user loads/stores through a DAX mapping: sys_mmap (arch/x86),
 * ksys_mmap_pgoff and do_mmap (mm/mmap.c), do_vmi_munmap (mm/vma.c), the x86 fault path
 * (do_user_addr_fault: access_error → SIGSEGV) and dax_iomap_pte_fault (SIGBUS past EOF).
 */
import { describe, expect, it } from 'vitest';
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  O_APPEND,
  PROT_READ,
  PROT_WRITE,
  err,
} from '../src/index.js';
import { PAGE, fileOfPages, fsckAfterEach, mkKernel, must } from './errno-helpers.js';

fsckAfterEach();

const RW = PROT_READ | PROT_WRITE;

describe('mmap(2) errors', () => {
  it('mmap: PROT_WRITE on an O_RDONLY fd → EACCES', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.mmap(pid, ro, PAGE, RW, 0)).toEqual(err('EACCES'));
    expect(await k.mmap(pid, ro, PAGE, PROT_WRITE, 0)).toEqual(err('EACCES'));
    expect((await k.mmap(pid, ro, PAGE, PROT_READ, 0)).ok).toBe(true);
  });

  it('mmap: O_WRONLY fd → EACCES, whatever the protection', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const wo = must(await k.open(pid, '/f', O_WRONLY));
    expect(await k.mmap(pid, wo, PAGE, PROT_READ, 0)).toEqual(err('EACCES'));
    expect(await k.mmap(pid, wo, PAGE, PROT_WRITE, 0)).toEqual(err('EACCES'));
    expect(await k.mmap(pid, wo, PAGE, RW, 0)).toEqual(err('EACCES'));
  });

  it('mmap: writable fd on an append-only file → EACCES (even PROT_READ)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const fd = must(await k.open(pid, '/f', O_RDWR | O_APPEND));
    must(k.lookupPath('/f')).appendOnly = true;
    expect(await k.mmap(pid, fd, PAGE, PROT_READ, 0)).toEqual(err('EACCES'));
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect((await k.mmap(pid, ro, PAGE, PROT_READ, 0)).ok).toBe(true);
  });

  it('mmap: offset not page aligned → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.mmap(pid, fd, PAGE, RW, 1)).toEqual(err('EINVAL'));
    expect(await k.mmap(pid, fd, PAGE, RW, PAGE / 2)).toEqual(err('EINVAL'));
    expect((await k.mmap(pid, fd, PAGE, RW, PAGE)).ok).toBe(true);
  });

  it('mmap: unaligned offset is checked before the fd (EINVAL beats EBADF; sys_mmap checks it first)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.mmap(pid, 55, PAGE, RW, 1)).toEqual(err('EINVAL'));
  });

  it('mmap: zero length → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.mmap(pid, fd, 0, RW, 0)).toEqual(err('EINVAL'));
  });

  it('mmap: bad fd → EBADF, even with zero length (fget in ksys_mmap_pgoff precedes do_mmap)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.mmap(pid, 55, PAGE, RW, 0)).toEqual(err('EBADF'));
    expect(await k.mmap(pid, 55, 0, RW, 0)).toEqual(err('EBADF'));
  });

  it('mmap: zero length is checked before the access mode (EINVAL beats EACCES)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.mmap(pid, ro, 0, RW, 0)).toEqual(err('EINVAL'));
  });

  it('mmap: directory fd → ENODEV', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    const dfd = must(await k.open(pid, '/d', O_RDONLY));
    expect(await k.mmap(pid, dfd, PAGE, PROT_READ, 0)).toEqual(err('ENODEV'));
  });

  it('mmap: the mapping keeps the file open after close (vm_file holds a reference)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [4]);
    const addr = must(await k.mmap(pid, fd, PAGE, RW, 0));
    const file = k.fileOf(pid, fd)!;
    expect(await k.close(pid, fd)).toEqual({ ok: true, value: 0 });
    expect(file.count).toBe(1);
    expect(await k.load(pid, addr, 2)).toEqual({ ok: true, value: new Uint8Array([4, 4]) });
    expect(await k.munmap(pid, addr, PAGE)).toEqual({ ok: true, value: 0 });
    expect(file.count).toBe(0);
    expect(must(k.lookupPath('/f')).writecount).toBe(0);
  });
});

describe('munmap(2) errors', () => {
  it('munmap: unaligned address → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const addr = must(await k.mmap(pid, fd, PAGE, RW, 0));
    expect(await k.munmap(pid, addr + 1, PAGE)).toEqual(err('EINVAL'));
    // Still mapped.
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([1]) });
  });

  it('munmap: zero length → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const addr = must(await k.mmap(pid, fd, PAGE, RW, 0));
    expect(await k.munmap(pid, addr, 0)).toEqual(err('EINVAL'));
  });

  it('munmap: a range with nothing mapped → 0', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.munmap(pid, 0x1000_0000, PAGE)).toEqual({ ok: true, value: 0 });
  });

  it('munmap: an unaligned length covers the whole last page', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const addr = must(await k.mmap(pid, fd, 3 * PAGE, RW, 0));
    expect(await k.munmap(pid, addr, PAGE + 1)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr + PAGE, 1)).toMatchObject({ ok: false, sig: 'SIGSEGV' });
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([3]) });
  });
});

describe('loads and stores through a DAX mapping', () => {
  it('load/store: a shared mapping sees write(2) and write(2) sees stores, on the same pmem frame', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    const addr = must(await k.mmap(pid, fd, 2 * PAGE, RW, 0));
    expect(await k.store(pid, addr + PAGE + 5, new Uint8Array([9, 9]))).toEqual({ ok: true, value: 2 });
    expect(must(await k.pread(pid, fd, 3, PAGE + 4))).toEqual(new Uint8Array([2, 9, 9]));
    expect(await k.pwrite(pid, fd, new Uint8Array([7]), 0)).toEqual({ ok: true, value: 1 });
    expect(await k.load(pid, addr, 2)).toEqual({ ok: true, value: new Uint8Array([7, 1]) });
    const pfn = k.fileOf(pid, fd)!.inode.extents.lookup(1)!.pblk;
    expect(k.pmem.frame(pfn)[5]).toBe(9);
  });

  it('load: a page wholly past EOF → SIGBUS; the page holding EOF reads zeros past it', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.ftruncate(pid, fd, PAGE + 10)).toEqual({ ok: true, value: 0 });
    const addr = must(await k.mmap(pid, fd, 3 * PAGE, RW, 0));
    expect(await k.load(pid, addr + PAGE + 100, 1)).toEqual({ ok: true, value: new Uint8Array([0]) });
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toEqual({ ok: false, sig: 'SIGBUS', addr: addr + 2 * PAGE });
    expect(await k.store(pid, addr + 2 * PAGE + 8, new Uint8Array([1]))).toEqual({ ok: false, sig: 'SIGBUS', addr: addr + 2 * PAGE + 8 });
  });

  it('load: after truncate shrinks the file under a mapping → SIGBUS', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const addr = must(await k.mmap(pid, fd, 3 * PAGE, RW, 0));
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([3]) });
    expect(await k.ftruncate(pid, fd, PAGE)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toMatchObject({ ok: false, sig: 'SIGBUS' });
    expect(await k.load(pid, addr + PAGE, 1)).toMatchObject({ ok: false, sig: 'SIGBUS' });
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([1]) });
  });

  it('store: to a PROT_READ mapping → SIGSEGV (before any fault-in)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const addr = must(await k.mmap(pid, fd, PAGE, PROT_READ, 0));
    expect(await k.store(pid, addr, new Uint8Array([5]))).toEqual({ ok: false, sig: 'SIGSEGV', addr });
    expect(must(await k.pread(pid, fd, 1, 0))).toEqual(new Uint8Array([1]));
  });

  it('store: to a PROT_READ mapping → SIGSEGV even after a load mapped the page', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const addr = must(await k.mmap(pid, fd, PAGE, PROT_READ, 0));
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([1]) });
    expect(await k.store(pid, addr + 3, new Uint8Array([5]))).toEqual({ ok: false, sig: 'SIGSEGV', addr: addr + 3 });
    expect(must(await k.pread(pid, fd, 4, 0))).toEqual(new Uint8Array([1, 1, 1, 1]));
  });

  it('store: to a PROT_READ mapping of a hole → SIGSEGV, and allocates nothing', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', []);
    expect(await k.ftruncate(pid, fd, PAGE)).toEqual({ ok: true, value: 0 });
    const free0 = k.sb.balloc.freeBlocks;
    const addr = must(await k.mmap(pid, fd, PAGE, PROT_READ, 0));
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([0]) });
    expect(await k.store(pid, addr, new Uint8Array([5]))).toMatchObject({ ok: false, sig: 'SIGSEGV' });
    expect(k.sb.balloc.freeBlocks).toBe(free0);
  });

  it('load/store: after munmap → SIGSEGV', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    const addr = must(await k.mmap(pid, fd, 2 * PAGE, RW, 0));
    expect(await k.store(pid, addr, new Uint8Array([8]))).toEqual({ ok: true, value: 1 });
    expect(await k.munmap(pid, addr, 2 * PAGE)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr, 1)).toEqual({ ok: false, sig: 'SIGSEGV', addr });
    expect(await k.store(pid, addr + PAGE, new Uint8Array([8]))).toEqual({ ok: false, sig: 'SIGSEGV', addr: addr + PAGE });
    expect(must(await k.pread(pid, fd, 1, 0))).toEqual(new Uint8Array([8]));
  });

  it('load/store: after a partial munmap only the unmapped pages → SIGSEGV', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const addr = must(await k.mmap(pid, fd, 3 * PAGE, RW, 0));
    expect((await k.load(pid, addr + PAGE, 1)).ok).toBe(true);
    expect(await k.munmap(pid, addr + PAGE, PAGE)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr + PAGE, 1)).toMatchObject({ ok: false, sig: 'SIGSEGV' });
    expect(await k.store(pid, addr + PAGE, new Uint8Array([1]))).toMatchObject({ ok: false, sig: 'SIGSEGV' });
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([1]) });
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([3]) });
  });

  it('load/store: an address no mapping covers → SIGSEGV', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.load(pid, 0x1000, 1)).toEqual({ ok: false, sig: 'SIGSEGV', addr: 0x1000 });
    expect(await k.store(pid, 0x1000, new Uint8Array([1]))).toEqual({ ok: false, sig: 'SIGSEGV', addr: 0x1000 });
  });

  it('store: into a hole allocates a block (write fault), which write(2) then sees', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', []);
    expect(await k.ftruncate(pid, fd, 2 * PAGE)).toEqual({ ok: true, value: 0 });
    const addr = must(await k.mmap(pid, fd, 2 * PAGE, RW, 0));
    expect(await k.load(pid, addr + PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([0]) });
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.store(pid, addr + PAGE, new Uint8Array([6]))).toEqual({ ok: true, value: 1 });
    expect(k.sb.balloc.freeBlocks).toBe(free0 - 1);
    expect(must(await k.pread(pid, fd, 1, PAGE))).toEqual(new Uint8Array([6]));
  });

  it('load: after PUNCH_HOLE the mapping reads zeros (PTE zapped, block freed)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    const addr = must(await k.mmap(pid, fd, 2 * PAGE, RW, 0));
    expect(await k.load(pid, addr + PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([2]) });
    expect(await k.fallocate(pid, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr + PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([0]) });
  });

  it('load: after COLLAPSE_RANGE the mapping sees the shifted data at the same address', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const addr = must(await k.mmap(pid, fd, 3 * PAGE, RW, 0));
    expect(await k.load(pid, addr + PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([2]) });
    expect(await k.fallocate(pid, fd, FALLOC_FL_COLLAPSE_RANGE, 0, PAGE)).toEqual({ ok: true, value: 0 });
    expect(await k.load(pid, addr, 1)).toEqual({ ok: true, value: new Uint8Array([2]) });
    expect(await k.load(pid, addr + PAGE, 1)).toEqual({ ok: true, value: new Uint8Array([3]) });
    expect(await k.load(pid, addr + 2 * PAGE, 1)).toMatchObject({ ok: false, sig: 'SIGBUS' });
  });
});
