/**
 * read/write/pread/pwrite/close/dup: ksys_read, ksys_write, ksys_pread64, ksys_pwrite64,
 * vfs_read, vfs_write, generic_write_checks (fs/read_write.c, mm/filemap.c), close_fd and dup
 * (fs/file.c), in Linux's check order.
 */
import { describe, expect, it } from 'vitest';
import { O_APPEND, O_CREAT, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, err } from '../src/index.js';
import { PAGE, bytes, fileOfPages, fsckAfterEach, mkKernel, must } from './errno-helpers.js';

fsckAfterEach();

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('read(2) / write(2)', () => {
  it('read: bad fd → EBADF', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.read(pid, 3, 10)).toEqual(err('EBADF'));
    expect(await k.read(pid, -1, 10)).toEqual(err('EBADF'));
  });

  it('read: fd open O_WRONLY → EBADF', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const wo = must(await k.open(pid, '/f', O_WRONLY));
    expect(await k.read(pid, wo, 10)).toEqual(err('EBADF'));
    expect(await k.pread(pid, wo, 10, 0)).toEqual(err('EBADF'));
  });

  it('write: fd open O_RDONLY → EBADF', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.write(pid, ro, enc('x'))).toEqual(err('EBADF'));
    expect(await k.pwrite(pid, ro, enc('x'), 0)).toEqual(err('EBADF'));
    expect(must(await k.pread(pid, ro, 1, 0))).toEqual(new Uint8Array([1]));
  });

  it('write: bad fd → EBADF', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.write(pid, 9, enc('x'))).toEqual(err('EBADF'));
  });

  it('read: directory fd → EISDIR', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    const dfd = must(await k.open(pid, '/d', O_RDONLY));
    expect(await k.read(pid, dfd, 10)).toEqual(err('EISDIR'));
  });

  it('read: at or past EOF returns 0 bytes; a read advances the offset by what it returned', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR));
    expect(await k.write(pid, fd, enc('hello'))).toEqual({ ok: true, value: 5 });
    expect(must(await k.read(pid, fd, 10)).length).toBe(0);
    expect(k.fileOf(pid, fd)!.pos).toBe(5);
    const rd = must(await k.open(pid, '/f', O_RDONLY));
    expect(dec(must(await k.read(pid, rd, 3)))).toBe('hel');
    expect(dec(must(await k.read(pid, rd, 10)))).toBe('lo');
    expect(k.fileOf(pid, rd)!.pos).toBe(5);
  });

  it('write: O_APPEND writes at EOF and moves the offset there', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', []);
    const fd = must(await k.open(pid, '/f', O_WRONLY | O_APPEND));
    const other = must(await k.open(pid, '/f', O_RDWR));
    expect(await k.write(pid, other, enc('abc'))).toEqual({ ok: true, value: 3 });
    expect(await k.write(pid, fd, enc('de'))).toEqual({ ok: true, value: 2 });
    expect(k.fileOf(pid, fd)!.pos).toBe(5);
    expect(dec(must(await k.pread(pid, other, 10, 0)))).toBe('abcde');
  });

  it('write: at or past s_maxbytes → EFBIG; a write crossing it is cut short', async () => {
    const k = mkKernel({ maxBytes: 4 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', []);
    expect(await k.pwrite(pid, fd, enc('x'), 4 * PAGE)).toEqual(err('EFBIG'));
    expect(await k.pwrite(pid, fd, bytes(100, 1), 4 * PAGE - 10)).toEqual({ ok: true, value: 10 });
    expect(k.fileOf(pid, fd)!.inode.size).toBe(4 * PAGE);
    // A zero-length write returns 0 before the limit check (generic_write_checks).
    expect(await k.pwrite(pid, fd, new Uint8Array(0), 8 * PAGE)).toEqual({ ok: true, value: 0 });
  });

  it('write: full device → short write when partly possible, then ENOSPC', async () => {
    const k = mkKernel({ pmemPages: 16 });
    const { pid, fd } = await fileOfPages(k, '/f', []);
    expect(await k.write(pid, fd, bytes(20 * PAGE, 7))).toEqual({ ok: true, value: 16 * PAGE });
    expect(k.sb.balloc.freeBlocks).toBe(0);
    expect(k.fileOf(pid, fd)!.pos).toBe(16 * PAGE);
    expect(await k.write(pid, fd, bytes(1, 7))).toEqual(err('ENOSPC'));
    expect(k.fileOf(pid, fd)!.inode.size).toBe(16 * PAGE);
    // Overwriting allocated blocks still works on a full device.
    expect(await k.pwrite(pid, fd, bytes(PAGE, 8), 0)).toEqual({ ok: true, value: PAGE });
  });

  it('write: a short write on a full device stops at the last block it could allocate (unaligned start)', async () => {
    const k = mkKernel({ pmemPages: 16 });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    // One block left: a write from the middle of block 14 gets the rest of block 14 and block 15.
    expect(await k.pwrite(pid, fd, bytes(3 * PAGE, 9), 14 * PAGE + 100)).toEqual({ ok: true, value: 2 * PAGE - 100 });
    expect(k.fileOf(pid, fd)!.inode.size).toBe(16 * PAGE);
  });
});

describe('pread(2) / pwrite(2)', () => {
  it('pread: negative offset → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.pread(pid, fd, 10, -1)).toEqual(err('EINVAL'));
  });

  it('pread: negative offset is checked before the fd (EINVAL beats EBADF)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.pread(pid, 99, 10, -1)).toEqual(err('EINVAL'));
    const wo = must(await k.open(pid, '/f', O_WRONLY));
    expect(await k.pread(pid, wo, 10, -1)).toEqual(err('EINVAL'));
  });

  it('pwrite: negative offset → EINVAL, checked before the fd (EINVAL beats EBADF)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.pwrite(pid, fd, enc('x'), -1)).toEqual(err('EINVAL'));
    expect(await k.pwrite(pid, 99, enc('x'), -1)).toEqual(err('EINVAL'));
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.pwrite(pid, ro, enc('x'), -1)).toEqual(err('EINVAL'));
  });

  it('pread/pwrite: do not move the file offset', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR));
    expect(await k.pwrite(pid, fd, enc('hello'), 100)).toEqual({ ok: true, value: 5 });
    expect(dec(must(await k.pread(pid, fd, 5, 100)))).toBe('hello');
    expect(k.fileOf(pid, fd)!.pos).toBe(0);
    expect(must(await k.read(pid, fd, 2))).toEqual(new Uint8Array([0, 0]));
  });

  it('pwrite: on an O_APPEND fd appends at EOF regardless of offset (Linux bug, pwrite(2) BUGS)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR | O_APPEND));
    expect(await k.write(pid, fd, enc('abc'))).toEqual({ ok: true, value: 3 });
    expect(await k.pwrite(pid, fd, enc('XY'), 0)).toEqual({ ok: true, value: 2 });
    expect(dec(must(await k.pread(pid, fd, 10, 0)))).toBe('abcXY');
  });

  it('pwrite: on an O_APPEND fd still leaves the file offset alone (ksys_pwrite64 passes a local pos)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR | O_APPEND));
    expect(await k.write(pid, fd, enc('abc'))).toEqual({ ok: true, value: 3 });
    expect(k.fileOf(pid, fd)!.pos).toBe(3);
    expect(await k.pwrite(pid, fd, enc('XY'), 0)).toEqual({ ok: true, value: 2 });
    expect(k.fileOf(pid, fd)!.pos).toBe(3);
    expect(dec(must(await k.read(pid, fd, 10)))).toBe('XY');
  });
});

describe('close(2) / dup(2)', () => {
  it('close: bad fd → EBADF; closing twice → EBADF', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.close(pid, 42)).toEqual(err('EBADF'));
    expect(await k.close(pid, fd)).toEqual({ ok: true, value: 0 });
    expect(await k.close(pid, fd)).toEqual(err('EBADF'));
    expect(await k.read(pid, fd, 1)).toEqual(err('EBADF'));
  });

  it('dup: bad fd → EBADF', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.dup(pid, 3)).toEqual(err('EBADF'));
  });

  it('dup: returns the lowest free fd', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const a = must(await k.open(pid, '/a', O_CREAT | O_RDWR));
    must(await k.open(pid, '/b', O_CREAT | O_RDWR));
    must(await k.open(pid, '/c', O_CREAT | O_RDWR));
    expect(await k.close(pid, 4)).toEqual({ ok: true, value: 0 });
    expect(await k.dup(pid, a)).toEqual({ ok: true, value: 4 });
    expect(await k.dup(pid, a)).toEqual({ ok: true, value: 6 });
  });

  it('dup/open: no free fd below RLIMIT_NOFILE (1024) → EMFILE; open checks it before the lookup', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    for (let want = fd + 1; want < 1024; want++) expect(await k.dup(pid, fd)).toEqual({ ok: true, value: want });
    expect(await k.dup(pid, fd)).toEqual(err('EMFILE'));
    expect(await k.open(pid, '/f', O_RDONLY)).toEqual(err('EMFILE'));
    expect(await k.open(pid, '/g', O_CREAT | O_RDWR)).toEqual(err('EMFILE'));
    // The fd is reserved before the lookup: no ENOENT, nothing created, nothing truncated.
    expect(await k.open(pid, '/missing', O_RDONLY)).toEqual(err('EMFILE'));
    expect(k.lookupPath('/g')).toEqual(err('ENOENT'));
    expect(await k.open(pid, '/f', O_RDWR | O_TRUNC)).toEqual(err('EMFILE'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
    expect(k.fileOf(pid, fd)!.count).toBe(1024 - 3);
    expect(await k.close(pid, 500)).toEqual({ ok: true, value: 0 });
    expect(await k.open(pid, '/f', O_RDONLY)).toEqual({ ok: true, value: 500 });
  });

  it('dup: the new fd shares the file offset (one open file description)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR));
    const fd2 = must(await k.dup(pid, fd));
    expect(fd2).toBe(fd + 1);
    expect(await k.write(pid, fd, enc('hello '))).toEqual({ ok: true, value: 6 });
    expect(await k.write(pid, fd2, enc('world'))).toEqual({ ok: true, value: 5 });
    expect(k.fileOf(pid, fd)!.pos).toBe(11);
    expect(k.fileOf(pid, fd)).toBe(k.fileOf(pid, fd2));
    expect(dec(must(await k.pread(pid, fd, 20, 0)))).toBe('hello world');
    // A separate open has its own offset.
    const other = must(await k.open(pid, '/f', O_RDONLY));
    expect(dec(must(await k.read(pid, other, 5)))).toBe('hello');
  });

  it('dup: closing one fd keeps the description open through the other', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [3]);
    const fd2 = must(await k.dup(pid, fd));
    expect(await k.close(pid, fd)).toEqual({ ok: true, value: 0 });
    expect(must(await k.pread(pid, fd2, 1, 0))).toEqual(new Uint8Array([3]));
    expect(k.fileOf(pid, fd2)!.inode.writecount).toBe(1);
    expect(await k.close(pid, fd2)).toEqual({ ok: true, value: 0 });
    expect(must(k.lookupPath('/f')).writecount).toBe(0);
  });
});
