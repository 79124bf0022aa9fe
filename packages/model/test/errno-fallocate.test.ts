/**
 * fallocate(2): one test per errno rule of vfs_fallocate() (fs/open.c) and ext4_fallocate()
 * (fs/ext4/extents.c), in Linux's check order, plus the behaviour of each mode.
 */
import { describe, expect, it } from 'vitest';
import {
  FALLOC_FL_COLLAPSE_RANGE as COLLAPSE,
  FALLOC_FL_INSERT_RANGE as INSERT,
  FALLOC_FL_KEEP_SIZE as KEEP,
  FALLOC_FL_PUNCH_HOLE as PUNCH,
  FALLOC_FL_ZERO_RANGE as ZERO,
  O_RDONLY,
  O_RDWR,
  err,
  flags,
} from '../src/index.js';
import { fallocatePrepare } from '../src/fs/fallocate.js';
import { PAGE, bytes, fileOfPages, fsckAfterEach, mkKernel, must, pageBytes } from './errno-helpers.js';

fsckAfterEach();

const OK = { ok: true, value: 0 };

describe('fallocate: mode rules (vfs_fallocate)', () => {
  it('fallocate: PUNCH_HOLE without KEEP_SIZE → EOPNOTSUPP', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, PUNCH, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
  });

  it('fallocate: PUNCH_HOLE|ZERO_RANGE (even with KEEP_SIZE) → EOPNOTSUPP', async () => {
    for (const check of ['v4', 'v6.12'] as const) {
      const k = mkKernel({ fallocateModeCheck: check });
      const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
      expect(await k.fallocate(pid, fd, PUNCH | ZERO | KEEP, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
      expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
    }
  });

  it('fallocate: unknown mode bits (NO_HIDE_STALE 0x04, 0x80) → EOPNOTSUPP', async () => {
    for (const check of ['v4', 'v6.12'] as const) {
      const k = mkKernel({ fallocateModeCheck: check });
      const { pid, fd } = await fileOfPages(k, '/f', [1]);
      expect(await k.fallocate(pid, fd, flags.FALLOC_FL_NO_HIDE_STALE | PUNCH | KEEP, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
      expect(await k.fallocate(pid, fd, 0x80, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
      expect(await k.fallocate(pid, fd, 0x80 | COLLAPSE, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    }
  });

  it("fallocate: COLLAPSE/INSERT combined with another flag → EINVAL with fallocateModeCheck 'v4'", async () => {
    const k = mkKernel({ fallocateModeCheck: 'v4' });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, COLLAPSE | KEEP, 0, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, INSERT | KEEP, 0, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, INSERT | ZERO, 0, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, COLLAPSE | INSERT, 0, PAGE)).toEqual(err('EINVAL'));
    // The punch checks come first: PUNCH without KEEP_SIZE wins over the exclusivity check.
    expect(await k.fallocate(pid, fd, COLLAPSE | PUNCH, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, fd, COLLAPSE | PUNCH | KEEP, 0, PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it("fallocate: COLLAPSE/INSERT combined with another flag → EOPNOTSUPP with fallocateModeCheck 'v6.12'", async () => {
    const k = mkKernel({ fallocateModeCheck: 'v6.12' });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, COLLAPSE | KEEP, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, fd, INSERT | KEEP, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, fd, INSERT | ZERO, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, fd, COLLAPSE | INSERT, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, fd, COLLAPSE | PUNCH | KEEP, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it('fallocate: UNSHARE_RANGE passes vfs_fallocate but ext4 has no reflink → EOPNOTSUPP (after EBADF)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.fallocate(pid, fd, flags.FALLOC_FL_UNSHARE_RANGE, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.fallocate(pid, ro, flags.FALLOC_FL_UNSHARE_RANGE, 0, PAGE)).toEqual(err('EBADF'));
  });
});

describe('fallocate: argument and fd rules, in vfs_fallocate order', () => {
  it('fallocate: offset < 0 → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.fallocate(pid, fd, 0, -PAGE, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, PUNCH | KEEP, -1, PAGE)).toEqual(err('EINVAL'));
  });

  it('fallocate: len <= 0 → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.fallocate(pid, fd, 0, 0, 0)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, 0, 0, -PAGE)).toEqual(err('EINVAL'));
  });

  it('fallocate: offset/len EINVAL is checked before the mode (EINVAL beats EOPNOTSUPP)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.fallocate(pid, fd, PUNCH, 0, 0)).toEqual(err('EINVAL'));
  });

  it('fallocate: bad fd → EBADF (fdget precedes every argument check)', async () => {
    const k = mkKernel();
    const pid = k.createTask({ uid: 0 }).pid;
    expect(await k.fallocate(pid, 3, 0, 0, PAGE)).toEqual(err('EBADF'));
    expect(await k.fallocate(pid, 42, PUNCH, -1, 0)).toEqual(err('EBADF'));
  });

  it('fallocate: O_RDONLY fd → EBADF', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1, 2]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.fallocate(pid, ro, 0, 0, 4 * PAGE)).toEqual(err('EBADF'));
    expect(await k.fallocate(pid, ro, PUNCH | KEEP, 0, PAGE)).toEqual(err('EBADF'));
    expect(k.lookupPath('/f').ok && must(k.lookupPath('/f')).size).toBe(2 * PAGE);
  });

  it('fallocate: mode is checked before fd access (EOPNOTSUPP beats EBADF on an O_RDONLY fd)', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.fallocate(pid, ro, PUNCH, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
    expect(await k.fallocate(pid, ro, 0x80, 0, PAGE)).toEqual(err('EOPNOTSUPP'));
  });

  it("fallocate: bad mode combination is checked before fd access (v4: EINVAL beats EBADF)", async () => {
    const k = mkKernel({ fallocateModeCheck: 'v4' });
    const { pid } = await fileOfPages(k, '/f', [1]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.fallocate(pid, ro, COLLAPSE | KEEP, 0, PAGE)).toEqual(err('EINVAL'));
  });

  it('fallocate: append-only file, any mode but KEEP_SIZE → EPERM; immutable → EPERM', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    const inode = k.fileOf(pid, fd)!.inode;
    inode.appendOnly = true;
    expect(await k.fallocate(pid, fd, PUNCH | KEEP, 0, PAGE)).toEqual(err('EPERM'));
    expect(await k.fallocate(pid, fd, 0, 0, 3 * PAGE)).toEqual(OK);
    expect(await k.fallocate(pid, fd, KEEP, 0, 4 * PAGE)).toEqual(OK);
    inode.appendOnly = false;
    inode.immutable = true;
    expect(await k.fallocate(pid, fd, KEEP, 0, PAGE)).toEqual(err('EPERM'));
    inode.immutable = false;
  });

  it('fallocate: offset+len > s_maxbytes → EFBIG', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    expect(await k.fallocate(pid, fd, 0, 8 * PAGE, 8 * PAGE + 1)).toEqual(err('EFBIG'));
    expect(await k.fallocate(pid, fd, PUNCH | KEEP, 16 * PAGE, 1)).toEqual(err('EFBIG'));
    // Exactly s_maxbytes is fine.
    expect(await k.fallocate(pid, fd, KEEP, 8 * PAGE, 8 * PAGE)).toEqual(OK);
  });

  it('fallocate: vfs EFBIG is checked before the ext4 alignment EINVAL', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, COLLAPSE, 1, 16 * PAGE)).toEqual(err('EFBIG'));
  });

  it('fallocate: vfs EBADF is checked before the ext4 alignment EINVAL', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1, 2]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    expect(await k.fallocate(pid, ro, COLLAPSE, 1, PAGE)).toEqual(err('EBADF'));
  });
});

describe('fallocate: COLLAPSE_RANGE / INSERT_RANGE rules (ext4_collapse_range, ext4_insert_range)', () => {
  it('fallocate: unaligned COLLAPSE_RANGE (offset or len) → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, COLLAPSE, 1, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, COLLAPSE, PAGE, PAGE - 1)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, COLLAPSE, PAGE, PAGE + 512)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it('fallocate: unaligned INSERT_RANGE (offset or len) → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, INSERT, 100, PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, INSERT, PAGE, 1)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it('fallocate: COLLAPSE_RANGE reaching EOF (offset+len == i_size) → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, COLLAPSE, 2 * PAGE, 2 * PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it('fallocate: COLLAPSE_RANGE passing EOF (offset+len > i_size) → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    expect(await k.fallocate(pid, fd, COLLAPSE, 2 * PAGE, 3 * PAGE)).toEqual(err('EINVAL'));
    expect(await k.fallocate(pid, fd, COLLAPSE, 8 * PAGE, PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2, 3, 4]);
  });

  it('fallocate: COLLAPSE_RANGE alignment is checked before the EOF test (unaligned past EOF → EINVAL)', async () => {
    // Both are EINVAL; what must not happen is anything else (e.g. a silent truncate).
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, COLLAPSE, PAGE + 1, 4 * PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
  });

  it('fallocate: INSERT_RANGE at EOF → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, INSERT, 2 * PAGE, PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
  });

  it('fallocate: INSERT_RANGE past EOF → EINVAL', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, INSERT, 5 * PAGE, PAGE)).toEqual(err('EINVAL'));
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
  });

  it('fallocate: INSERT_RANGE making i_size > s_maxbytes → EFBIG', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // offset+len = 8 pages passes the vfs limit; i_size + len = 20 pages does not.
    expect(await k.fallocate(pid, fd, INSERT, 0, 8 * PAGE)).toEqual(err('EFBIG'));
    // i_size + len == s_maxbytes is fine.
    expect(await k.fallocate(pid, fd, INSERT, 0, 4 * PAGE)).toEqual(OK);
    expect(must(await k.pread(pid, fd, 1, 16 * PAGE - 1))).toEqual(new Uint8Array([12]));
  });

  it('fallocate: INSERT_RANGE EFBIG is checked before the EOF test (ext4_insert_range order)', async () => {
    const k = mkKernel({ maxBytes: 16 * PAGE });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const inode = k.fileOf(pid, fd)!.inode;
    // Through the syscall, offset >= EOF with i_size+len too big is already EFBIG in vfs_fallocate.
    expect(await k.fallocate(pid, fd, INSERT, 12 * PAGE, 8 * PAGE)).toEqual(err('EFBIG'));
    // ext4's own order: EFBIG (i_size + len > s_maxbytes) before EINVAL (offset >= i_size).
    expect(fallocatePrepare(k.sb, inode, INSERT, 12 * PAGE, 8 * PAGE)).toEqual(err('EFBIG'));
    expect(fallocatePrepare(k.sb, inode, INSERT, 12 * PAGE, 4 * PAGE)).toEqual(err('EINVAL'));
  });
});

describe('fallocate: behaviour of each mode', () => {
  it('fallocate: PUNCH_HOLE|KEEP_SIZE frees the whole blocks, zeroes partial ones, reads zeros, keeps size', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4]);
    const inode = k.fileOf(pid, fd)!.inode;
    const p1 = inode.extents.lookup(1)!.pblk;
    const free0 = k.sb.balloc.freeBlocks;
    // [PAGE/2, 3*PAGE + 100): whole blocks 1 and 2, the tail of block 0, the head of block 3.
    expect(await k.fallocate(pid, fd, PUNCH | KEEP, PAGE / 2, 2 * PAGE + PAGE / 2 + 100)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 2);
    expect(inode.extents.lookup(1)).toBeNull();
    expect(inode.extents.lookup(2)).toBeNull();
    expect(inode.extents.lookup(0)).not.toBeNull();
    expect(inode.extents.lookup(3)).not.toBeNull();
    expect(k.pmem.owner(p1).ino).toBe(0);
    expect(inode.size).toBe(4 * PAGE);
    const data = must(await k.pread(pid, fd, 4 * PAGE, 0));
    expect(data.subarray(0, PAGE / 2).every((b) => b === 1)).toBe(true);
    expect(data.subarray(PAGE / 2, 3 * PAGE + 100).every((b) => b === 0)).toBe(true);
    expect(data.subarray(3 * PAGE + 100).every((b) => b === 4)).toBe(true);
  });

  it('fallocate: PUNCH_HOLE past EOF is a no-op returning 0', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.fallocate(pid, fd, PUNCH | KEEP, 4 * PAGE, PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(free0);
    expect(await pageBytes(k, pid, fd)).toEqual([1, 2]);
  });

  it('fallocate: COLLAPSE_RANGE shifts the tail down by exactly len and moves block→pfn (owner index, generation)', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3, 4, 5]);
    const inode = k.fileOf(pid, fd)!.inode;
    const pfn = [0, 1, 2, 3, 4].map((i) => inode.extents.lookup(i)!.pblk);
    const gen3 = k.pmem.owner(pfn[3]!).generation;
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.fallocate(pid, fd, COLLAPSE, PAGE, 2 * PAGE)).toEqual(OK);
    expect(inode.size).toBe(3 * PAGE);
    expect(await pageBytes(k, pid, fd)).toEqual([1, 4, 5]);
    expect(k.sb.balloc.freeBlocks).toBe(free0 + 2);
    // File blocks 3 and 4 are now file blocks 1 and 2, on the same frames.
    expect(inode.extents.lookup(0)!.pblk).toBe(pfn[0]);
    expect(inode.extents.lookup(1)!.pblk).toBe(pfn[3]);
    expect(inode.extents.lookup(2)!.pblk).toBe(pfn[4]);
    expect(inode.extents.lookup(3)).toBeNull();
    expect(k.pmem.owner(pfn[3]!)).toMatchObject({ ino: inode.ino, index: 1 });
    expect(k.pmem.owner(pfn[4]!)).toMatchObject({ ino: inode.ino, index: 2 });
    expect(k.pmem.owner(pfn[3]!).generation).toBeGreaterThan(gen3);
    expect(k.pmem.owner(pfn[1]!).ino).toBe(0);
    expect(k.pmem.owner(pfn[2]!).ino).toBe(0);
  });

  it('fallocate: COLLAPSE_RANGE of a file with a partial last block keeps the tail bytes', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    expect(await k.pwrite(pid, fd, bytes(100, 9), 3 * PAGE)).toEqual({ ok: true, value: 100 });
    expect(await k.fallocate(pid, fd, COLLAPSE, 0, PAGE)).toEqual(OK);
    expect(k.fileOf(pid, fd)!.inode.size).toBe(2 * PAGE + 100);
    expect(must(await k.pread(pid, fd, 200, 2 * PAGE - 50))).toEqual(new Uint8Array([...bytes(50, 3), ...bytes(100, 9)]));
  });

  it('fallocate: INSERT_RANGE shifts the tail up by exactly len, leaves a hole, and moves block→pfn', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const inode = k.fileOf(pid, fd)!.inode;
    const pfn = [0, 1, 2].map((i) => inode.extents.lookup(i)!.pblk);
    const gen1 = k.pmem.owner(pfn[1]!).generation;
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.fallocate(pid, fd, INSERT, PAGE, 2 * PAGE)).toEqual(OK);
    expect(inode.size).toBe(5 * PAGE);
    expect(await pageBytes(k, pid, fd)).toEqual([1, 0, 0, 2, 3]);
    expect(k.sb.balloc.freeBlocks).toBe(free0);
    expect(inode.extents.lookup(1)).toBeNull();
    expect(inode.extents.lookup(2)).toBeNull();
    expect(inode.extents.lookup(3)!.pblk).toBe(pfn[1]);
    expect(inode.extents.lookup(4)!.pblk).toBe(pfn[2]);
    expect(k.pmem.owner(pfn[1]!)).toMatchObject({ ino: inode.ino, index: 3 });
    expect(k.pmem.owner(pfn[2]!)).toMatchObject({ ino: inode.ino, index: 4 });
    expect(k.pmem.owner(pfn[1]!).generation).toBeGreaterThan(gen1);
    expect(k.pmem.owner(pfn[0]!)).toMatchObject({ ino: inode.ino, index: 0 });
  });

  it('fallocate: ZERO_RANGE reads zeros over written data and keeps the blocks allocated', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2, 3]);
    const inode = k.fileOf(pid, fd)!.inode;
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.fallocate(pid, fd, ZERO, 100, 2 * PAGE)).toEqual(OK);
    expect(inode.size).toBe(3 * PAGE);
    expect(k.sb.balloc.freeBlocks).toBe(free0);
    expect(inode.extents.lookup(1)!.unwritten).toBe(true);
    const data = must(await k.pread(pid, fd, 3 * PAGE, 0));
    expect(data.subarray(0, 100).every((b) => b === 1)).toBe(true);
    expect(data.subarray(100, 2 * PAGE + 100).every((b) => b === 0)).toBe(true);
    expect(data.subarray(2 * PAGE + 100).every((b) => b === 3)).toBe(true);
  });

  it('fallocate: ZERO_RANGE|KEEP_SIZE past EOF keeps i_size; without KEEP_SIZE it grows i_size', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const inode = k.fileOf(pid, fd)!.inode;
    expect(await k.fallocate(pid, fd, ZERO | KEEP, PAGE / 2, 3 * PAGE)).toEqual(OK);
    expect(inode.size).toBe(PAGE);
    expect(inode.extents.lookup(2)).toMatchObject({ unwritten: true });
    expect(must(await k.pread(pid, fd, PAGE, 0)).subarray(PAGE / 2).every((b) => b === 0)).toBe(true);
    expect(await k.fallocate(pid, fd, ZERO, 0, 5 * PAGE + 10)).toEqual(OK);
    expect(inode.size).toBe(5 * PAGE + 10);
    expect(must(await k.pread(pid, fd, 6 * PAGE, 0)).every((b) => b === 0)).toBe(true);
  });

  it('fallocate: mode 0 allocates unwritten blocks and grows i_size; KEEP_SIZE does not grow it', async () => {
    const k = mkKernel();
    const { pid, fd } = await fileOfPages(k, '/f', [1]);
    const inode = k.fileOf(pid, fd)!.inode;
    const free0 = k.sb.balloc.freeBlocks;
    expect(await k.fallocate(pid, fd, KEEP, 0, 4 * PAGE)).toEqual(OK);
    expect(inode.size).toBe(PAGE);
    expect(k.sb.balloc.freeBlocks).toBe(free0 - 3);
    expect(await k.fallocate(pid, fd, 0, 0, 4 * PAGE + 1)).toEqual(OK);
    expect(inode.size).toBe(4 * PAGE + 1);
    expect(k.sb.balloc.freeBlocks).toBe(free0 - 4);
    expect(await pageBytes(k, pid, fd)).toEqual([1, 0, 0, 0, 0]);
  });

  it('fallocate: allocation beyond the free blocks → ENOSPC', async () => {
    const k = mkKernel({ pmemPages: 16 });
    const { pid, fd } = await fileOfPages(k, '/f', [1, 2]);
    expect(await k.fallocate(pid, fd, 0, 0, 17 * PAGE)).toEqual(err('ENOSPC'));
    expect(await k.fallocate(pid, fd, ZERO, 0, 17 * PAGE)).toEqual(err('ENOSPC'));
    expect(k.fileOf(pid, fd)!.inode.size).toBe(2 * PAGE);
    expect(await k.fallocate(pid, fd, 0, 0, 16 * PAGE)).toEqual(OK);
    expect(k.sb.balloc.freeBlocks).toBe(0);
  });

  it('fallocate: an O_RDWR fd on the same file works where the O_RDONLY one fails', async () => {
    const k = mkKernel();
    const { pid } = await fileOfPages(k, '/f', [1, 2]);
    const ro = must(await k.open(pid, '/f', O_RDONLY));
    const rw = must(await k.open(pid, '/f', O_RDWR));
    expect(await k.fallocate(pid, ro, PUNCH | KEEP, 0, PAGE)).toEqual(err('EBADF'));
    expect(await k.fallocate(pid, rw, PUNCH | KEEP, 0, PAGE)).toEqual(OK);
  });
});
