/**
 * truncate(2) and ftruncate(2): do_sys_truncate / vfs_truncate and do_sys_ftruncate /
 * do_ftruncate (fs/open.c), do_truncate → notify_change → inode_newsize_ok (fs/attr.c), in
 * Linux's check order, plus what a size change does to blocks.
 */
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, err } from '../src/index.js';
import { PAGE, bytes, fileOfPages, fsckAfterEach, mkKernel, must, pageBytes } from './errno-helpers.js';

fsckAfterEach();

const OK = { ok: true, value: 0 };

describe('truncate(2)', () => {
  it('truncate: negative length → EINVAL', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.truncate(pid, '/f', -1)).toEqual(err('EINVAL'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
  });

  it('truncate: negative length is checked before the lookup (EINVAL beats ENOENT)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.truncate(pid, '/missing', -1)).toEqual(err('EINVAL'));
  });

  it('truncate: missing file → ENOENT; component not a directory → ENOTDIR', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.truncate(pid, '/missing', 0)).toEqual(err('ENOENT'));
    expect(await k.truncate(pid, '/f/x', 0)).toEqual(err('ENOTDIR'));
  });

  it('truncate: a trailing slash on a regular file → ENOTDIR', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.truncate(pid, '/f/', 0)).toEqual(err('ENOTDIR'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
  });

  it('truncate: directory → EISDIR', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    must(k.createFileAt('/d/f'));
    expect(await k.truncate(pid, '/d', 0)).toEqual(err('EISDIR'));
    expect(await k.truncate(pid, '/', 0)).toEqual(err('EISDIR'));
  });

  it('truncate: directory is checked before permission (EISDIR beats EACCES for uid 1000)', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    must(k.lookupPath('/d')).mode = (must(k.lookupPath('/d')).mode & ~0o777) | 0o755;
    const user = k.createTask({ uid: 1000 }).pid;
    expect(await k.truncate(user, '/d', 0)).toEqual(err('EISDIR'));
  });

  it('truncate: no write permission (uid 1000, root-owned 0644 file) → EACCES', async () => {
    const k = mkKernel();
    must(k.createFileAt('/f', { size: 3 * PAGE, uid: 0, mode: 0o644 }));
    const user = k.createTask({ uid: 1000 }).pid;
    expect(await k.truncate(user, '/f', 0)).toEqual(err('EACCES'));
    expect(must(k.lookupPath('/f')).size).toBe(3 * PAGE);
    // The owner, and root, may.
    must(k.createFileAt('/g', { size: PAGE, uid: 1000, mode: 0o644 }));
    expect(await k.truncate(user, '/g', 0)).toEqual(OK);
    expect(await k.truncate(k.createTask({ uid: 0 }).pid, '/f', 0)).toEqual(OK);
  });

  it('truncate: append-only → EPERM', async () => {
    const k = mkKernel();
    const inode = must(k.createFileAt('/f', { size: PAGE }));
    inode.appendOnly = true;
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.truncate(pid, '/f', 0)).toEqual(err('EPERM'));
    expect(inode.size).toBe(PAGE);
  });

  it('truncate: immutable → EPERM, even for a user without write permission (inode_permission checks IS_IMMUTABLE first)', async () => {
    const k = mkKernel();
    const inode = must(k.createFileAt('/f', { size: PAGE, mode: 0o644 }));
    inode.immutable = true;
    expect(await k.truncate(k.createTask({ uid: 0 }).pid, '/f', 0)).toEqual(err('EPERM'));
    expect(await k.truncate(k.createTask({ uid: 1000 }).pid, '/f', 0)).toEqual(err('EPERM'));
    expect(inode.size).toBe(PAGE);
  });

  it('truncate: length > s_maxbytes → EFBIG; exactly s_maxbytes is fine', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.truncate(pid, '/f', 16 * PAGE + 1)).toEqual(err('EFBIG'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
    expect(await k.truncate(pid, '/f', 16 * PAGE)).toEqual(OK);
    expect(must(k.lookupPath('/f')).size).toBe(16 * PAGE);
  });

  it('truncate: permission is checked before the size limit (EACCES beats EFBIG)', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    must(k.createFileAt('/f', { size: PAGE, mode: 0o644 }));
    expect(await k.truncate(k.createTask({ uid: 1000 }).pid, '/f', 32 * PAGE)).toEqual(err('EACCES'));
  });

  it('truncate: shrinking frees the blocks past the new size (balloc.freeBlocks) and zeroes the tail', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    const inode = k.fileOf(pid, fd)!.inode;
    const pfn2 = inode.extents.lookup(2)!.pblk;
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.truncate(pid, '/f', PAGE + 10)).toEqual(OK);
    expect(inode.size).toBe(PAGE + 10);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 2);
    expect(inode.extents.lookup(2)).toBeNull();
    expect(k.pmem.owner(pfn2).ino).toBe(0);
    // Growing again shows zeros past the old cut, not the old bytes.
    expect(await k.truncate(pid, '/f', 4 * PAGE)).toEqual(OK);
    const data = must(await k.pread(pid, fd, 4 * PAGE, 0));
    expect(data.subarray(PAGE, PAGE + 10).every((b) => b === 2)).toBe(true);
    expect(data.subarray(PAGE + 10).every((b) => b === 0)).toBe(true);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 2);
  });

  it('truncate: growing allocates nothing and reads zeros', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [7]);
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.truncate(pid, '/f', 3 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0);
    expect(await pageBytes(k, pid, fd)).toEqual([7, 0, 0]);
  });
});

describe('ftruncate(2)', () => {
  it('ftruncate: O_RDONLY fd → EINVAL (not EBADF)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.ftruncate(pid, ro, 0)).toEqual(err('EINVAL'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
  });

  it('ftruncate: directory fd → EINVAL', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    const dfd = must(await k.open(pid, '/d', O_RDONLY));
    expect(await k.ftruncate(pid, dfd, 0)).toEqual(err('EINVAL'));
  });

  it('ftruncate: bad fd → EBADF', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.ftruncate(pid, 3, 0)).toEqual(err('EBADF'));
    expect(await k.ftruncate(pid, -1, 0)).toEqual(err('EBADF'));
  });

  it('ftruncate: negative length → EINVAL even with a bad fd (length is checked first)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.ftruncate(pid, 77, -1)).toEqual(err('EINVAL'));
    const { fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.ftruncate(pid, fd, -PAGE)).toEqual(err('EINVAL'));
  });

  it('ftruncate: append-only → EPERM', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    k.fileOf(pid, fd)!.inode.appendOnly = true;
    expect(await k.ftruncate(pid, fd, 0)).toEqual(err('EPERM'));
    k.fileOf(pid, fd)!.inode.appendOnly = false;
  });

  it('ftruncate: length > s_maxbytes → EFBIG', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.ftruncate(pid, fd, 16 * PAGE + 1)).toEqual(err('EFBIG'));
    expect(await k.ftruncate(pid, fd, 16 * PAGE)).toEqual(OK);
  });

  it('ftruncate: works on an fd whose file the caller may no longer write (permission was checked at open)', async () => {
    const k = mkKernel();
    const user = k.createTask({ uid: 1000 }).pid;
    const fd = must(await k.open(user, '/f', O_CREAT | O_WRONLY, 0o644));
    expect(await k.write(user, fd, bytes(PAGE, 5))).toEqual({ ok: true, value: PAGE });
    k.fileOf(user, fd)!.inode.mode &= ~0o222;
    expect(await k.ftruncate(user, fd, 10)).toEqual(OK);
    expect(await k.truncate(user, '/f', 0)).toEqual(err('EACCES'));
  });

  it('ftruncate: shrinking frees blocks (balloc.freeBlocks), growing does not allocate', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4, 5, 6]);
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.ftruncate(pid, fd, 2 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 4);
    expect(await k.ftruncate(pid, fd, 10 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 4);
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Same size again still frees blocks preallocated past EOF (ext4_setattr → ext4_truncate).
    const rw = must(await k.open(pid, '/f', O_RDWR));
    expect(await k.fallocate(pid, rw, 1 /* KEEP_SIZE */, 10 * PAGE, 2 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 2);
    expect(await k.ftruncate(pid, fd, 10 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 4);
  });
});
