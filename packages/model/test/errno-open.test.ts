/**
 * open(2): path_openat → open_last_lookups / do_open → may_open → do_dentry_open →
 * handle_truncate (fs/namei.c, fs/open.c), in Linux's check order.
 */
import { describe, expect, it } from 'vitest';
import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, err } from '../src/index.js';
import { PAGE, bytes, fileOfPages, fsckAfterEach, mkKernel, must } from './errno-helpers.js';

fsckAfterEach();

describe('open(2): lookup errors', () => {
  it('open: missing file without O_CREAT → ENOENT', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/missing', O_RDONLY)).toEqual(err('ENOENT'));
    expect(await k.open(pid, '/missing', O_RDWR | O_TRUNC)).toEqual(err('ENOENT'));
    expect(k.lookupPath('/missing')).toEqual(err('ENOENT'));
  });

  it('open: O_CREAT in a missing directory → ENOENT', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/nodir/f', O_CREAT | O_RDWR)).toEqual(err('ENOENT'));
  });

  it('open: a path component that is not a directory → ENOTDIR (with or without O_CREAT)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.open(pid, '/f/x', O_RDONLY)).toEqual(err('ENOTDIR'));
    expect(await k.open(pid, '/f/x', O_CREAT | O_RDWR)).toEqual(err('ENOTDIR'));
    expect(await k.open(pid, '/f/x/y', O_CREAT | O_RDWR)).toEqual(err('ENOTDIR'));
  });

  it('open: a trailing slash on a regular file → ENOTDIR (LOOKUP_DIRECTORY)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.open(pid, '/f/', O_RDONLY)).toEqual(err('ENOTDIR'));
  });

  it('open: O_CREAT with a trailing slash → EISDIR (open_last_lookups)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/new/', O_CREAT | O_RDWR)).toEqual(err('EISDIR'));
    expect(k.lookupPath('/new')).toEqual(err('ENOENT'));
  });
});

describe('open(2): O_CREAT', () => {
  it('open: O_CREAT|O_EXCL on an existing file → EEXIST', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    expect(await k.open(pid, '/f', O_CREAT | O_EXCL | O_RDWR)).toEqual(err('EEXIST'));
    // O_EXCL drops O_TRUNC's effect: the data is intact.
    expect(await k.open(pid, '/f', O_CREAT | O_EXCL | O_TRUNC | O_RDWR)).toEqual(err('EEXIST'));
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
  });

  it('open: O_CREAT|O_EXCL on an existing directory → EEXIST (before EISDIR)', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/d', O_CREAT | O_EXCL | O_RDONLY)).toEqual(err('EEXIST'));
  });

  it('open: O_CREAT on an existing directory → EISDIR even read-only (do_open)', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/d', O_CREAT | O_RDONLY)).toEqual(err('EISDIR'));
  });

  it('open: O_CREAT in a directory without write permission → EACCES', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const d = must(k.lookupPath('/d'));
    d.mode = (d.mode & ~0o777) | 0o755;
    const user = k.createTask({ uid: 1000 }).pid;
    expect(await k.open(user, '/d/new', O_CREAT | O_WRONLY)).toEqual(err('EACCES'));
    expect(k.lookupPath('/d/new')).toEqual(err('ENOENT'));
  });

  it('open: O_CREAT of a new file skips the permission check of its own mode (FMODE_CREATED: 0444 file opened O_WRONLY)', async () => {
    const k = mkKernel();
    const user = k.createTask({ uid: 1000 }).pid;
    const fd = must(await k.open(user, '/ro', O_CREAT | O_WRONLY, 0o444));
    expect(await k.write(user, fd, bytes(10, 1))).toEqual({ ok: true, value: 10 });
    expect(must(k.lookupPath('/ro')).uid).toBe(1000);
    // Opening it again for write is refused.
    expect(await k.open(user, '/ro', O_CREAT | O_WRONLY, 0o444)).toEqual(err('EACCES'));
  });

  it('open: O_CREAT on an existing file opens it, mode argument ignored', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const fd = must(await k.open(pid, '/f', O_CREAT | O_RDWR, 0o600));
    expect(k.fileOf(pid, fd)!.inode.mode & 0o777).toBe(0o644);
    expect(must(k.lookupPath('/f')).size).toBe(PAGE);
  });
});

describe('open(2): may_open', () => {
  it('open: directory opened for write → EISDIR', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/d', O_WRONLY)).toEqual(err('EISDIR'));
    expect(await k.open(pid, '/d', O_RDWR)).toEqual(err('EISDIR'));
    expect(await k.open(pid, '/d', O_RDONLY | O_TRUNC)).toEqual(err('EISDIR'));
    expect((await k.open(pid, '/d', O_RDONLY)).ok).toBe(true);
  });

  it('open: directory for write is EISDIR before the permission check (uid 1000)', async () => {
    const k = mkKernel();
    must(k.createFileAt('/d/f'));
    const d = must(k.lookupPath('/d'));
    d.mode = (d.mode & ~0o777) | 0o700;
    expect(await k.open(k.createTask({ uid: 1000 }).pid, '/d', O_WRONLY)).toEqual(err('EISDIR'));
  });

  it('open: no permission → EACCES (uid 1000 on a root-owned 0644 file: write refused, read allowed)', async () => {
    const k = mkKernel();
    must(k.createFileAt('/f', { size: PAGE, uid: 0, mode: 0o644 }));
    const user = k.createTask({ uid: 1000 }).pid;
    expect(await k.open(user, '/f', O_WRONLY)).toEqual(err('EACCES'));
    expect(await k.open(user, '/f', O_RDWR)).toEqual(err('EACCES'));
    expect((await k.open(user, '/f', O_RDONLY)).ok).toBe(true);
    must(k.createFileAt('/secret', { size: PAGE, uid: 0, mode: 0o600 }));
    expect(await k.open(user, '/secret', O_RDONLY)).toEqual(err('EACCES'));
  });

  it('open: O_RDONLY|O_TRUNC truncates the file', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1, 2, 3]);
    const free0 = k.sb.balloc.freeBlocks;
    const fd = must(await k.open(pid, '/f', O_RDONLY | O_TRUNC));
    expect(must(k.lookupPath('/f')).size).toBe(0);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 3);
    // The description is still read-only.
    expect(await k.write(pid, fd, bytes(1, 1))).toEqual(err('EBADF'));
  });

  it('open: O_RDONLY|O_TRUNC needs write permission → EACCES without', async () => {
    const k = mkKernel();
    must(k.createFileAt('/f', { size: 2 * PAGE, uid: 0, mode: 0o644 }));
    const user = k.createTask({ uid: 1000 }).pid;
    expect(await k.open(user, '/f', O_RDONLY | O_TRUNC)).toEqual(err('EACCES'));
    expect(must(k.lookupPath('/f')).size).toBe(2 * PAGE);
  });

  it('open: append-only file opened for write without O_APPEND, or with O_TRUNC → EPERM', async () => {
    const k = mkKernel();
    const inode = must(k.createFileAt('/f', { size: PAGE }));
    inode.appendOnly = true;
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/f', O_WRONLY)).toEqual(err('EPERM'));
    expect(await k.open(pid, '/f', O_RDWR | O_APPEND | O_TRUNC)).toEqual(err('EPERM'));
    expect(await k.open(pid, '/f', O_RDONLY | O_TRUNC)).toEqual(err('EPERM'));
    expect((await k.open(pid, '/f', O_WRONLY | O_APPEND)).ok).toBe(true);
    expect((await k.open(pid, '/f', O_RDONLY)).ok).toBe(true);
    expect(inode.size).toBe(PAGE);
  });

  it('open: immutable file opened for write → EPERM, before the permission check (EPERM beats EACCES)', async () => {
    const k = mkKernel();
    const inode = must(k.createFileAt('/f', { size: PAGE, uid: 0, mode: 0o644 }));
    inode.immutable = true;
    expect(await k.open(k.createTask({ uid: 0 }).pid, '/f', O_WRONLY)).toEqual(err('EPERM'));
    expect(await k.open(k.createTask({ uid: 1000 }).pid, '/f', O_WRONLY)).toEqual(err('EPERM'));
    expect((await k.open(k.createTask({ uid: 1000 }).pid, '/f', O_RDONLY)).ok).toBe(true);
  });
});

describe('open(2): fd numbers', () => {
  it('open: the first fd is 3, then the lowest free fd is reused after close', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.open(pid, '/a', O_CREAT | O_RDWR)).toEqual({ ok: true, value: 3 });
    expect(await k.open(pid, '/b', O_CREAT | O_RDWR)).toEqual({ ok: true, value: 4 });
    expect(await k.open(pid, '/c', O_CREAT | O_RDWR)).toEqual({ ok: true, value: 5 });
    expect(await k.close(pid, 4)).toEqual({ ok: true, value: 0 });
    expect(await k.close(pid, 3)).toEqual({ ok: true, value: 0 });
    expect(await k.open(pid, '/a', O_RDONLY)).toEqual({ ok: true, value: 3 });
    expect(await k.open(pid, '/b', O_RDONLY)).toEqual({ ok: true, value: 4 });
    expect(await k.open(pid, '/c', O_RDONLY)).toEqual({ ok: true, value: 6 });
  });

  it('open: fd tables are per process (each task starts at 3)', async () => {
    const k = mkKernel();
    const a = k.createTask({ uid: 0 }).pid;
    const b = k.createTask({ uid: 0 }).pid;
    expect(await k.open(a, '/f', O_CREAT | O_RDWR)).toEqual({ ok: true, value: 3 });
    expect(await k.open(a, '/f', O_RDWR)).toEqual({ ok: true, value: 4 });
    expect(await k.open(b, '/f', O_RDWR)).toEqual({ ok: true, value: 3 });
  });
});
