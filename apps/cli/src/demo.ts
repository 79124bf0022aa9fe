/**
 * `leasebreak demo`: a short, real walk through the kernel model, showing the two facts every
 * seed race depends on: a block freed by truncate goes straight to the next file that asks (its
 * struct page changes owner and generation), and INSERT_RANGE moves a block to another offset of
 * the same file. No race runs here; it is the model on one thread.
 */
import {
  FALLOC_FL_INSERT_RANGE,
  Kernel,
  O_CREAT,
  O_RDWR,
  PAGE_SIZE,
  type SysResult,
  fsck,
} from '@leasebreak/model';

export interface DemoStep {
  readonly who: string;
  readonly call: string;
  readonly ret: string;
  readonly note: string;
}

export interface DemoReport {
  readonly demo: true;
  readonly note: string;
  readonly steps: DemoStep[];
  readonly fsck: string[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function show<T>(r: SysResult<T>): string {
  if (!r.ok) return `-1 ${r.errno}`;
  const v = r.value as unknown;
  if (v instanceof Uint8Array) return JSON.stringify(dec.decode(v).replace(/\0+$/, ''));
  return typeof v === 'number' && v > 0xffff ? `0x${v.toString(16)}` : String(v);
}

export async function runDemo(): Promise<DemoReport> {
  const k = new Kernel({ pmemPages: 16, preferRecentlyFreed: true });
  const app = k.createTask({ uid: 1000, name: 'rdma-app' });
  const admin = k.createTask({ uid: 0, name: 'admin' });
  const steps: DemoStep[] = [];
  const step = <T>(who: string, call: string, r: SysResult<T>, note = ''): SysResult<T> => {
    steps.push({ who, call, ret: show(r), note });
    return r;
  };
  const ownerOf = (pfn: number): string => {
    const o = k.pmem.owner(pfn);
    return o.ino === 0 ? `free (gen ${o.generation})` : `ino ${o.ino} block ${o.index} (gen ${o.generation})`;
  };

  k.createFileAt('/pmem/a', { uid: 1000 });
  const fd = step('rdma-app', 'open("/pmem/a", O_RDWR)', await k.open(app.pid, '/pmem/a', O_RDWR));
  if (!fd.ok) throw new Error('demo: open failed');
  step('rdma-app', 'pwrite(fd, "A".repeat(8192), 0)', await k.pwrite(app.pid, fd.value, enc.encode('A'.repeat(2 * PAGE_SIZE)), 0));
  const addr = step('rdma-app', 'mmap(fd, 8192)', await k.mmap(app.pid, fd.value, 2 * PAGE_SIZE));
  if (!addr.ok) throw new Error('demo: mmap failed');
  const stored = await k.store(app.pid, addr.value, enc.encode('via-mmap'));
  const pfn = k.sb.inodes.get(k.fileOf(app.pid, fd.value)!.inode.ino)!.extents.lookup(0)!.pblk;
  steps.push({ who: 'rdma-app', call: 'store(addr, "via-mmap")', ret: stored.ok ? '0' : stored.sig, note: `file block 0 is pfn ${pfn}: ${ownerOf(pfn)}` });

  step('admin', 'truncate("/pmem/a", 0)', await k.truncate(admin.pid, '/pmem/a', 0), `pfn ${pfn} is now ${ownerOf(pfn)}; the mapping was zapped`);
  const fdb = step('admin', 'open("/pmem/b", O_CREAT|O_RDWR)', await k.open(admin.pid, '/pmem/b', O_CREAT | O_RDWR));
  if (!fdb.ok) throw new Error('demo: open b failed');
  step('admin', 'pwrite(fdb, "secret of b", 0)', await k.pwrite(admin.pid, fdb.value, enc.encode('secret of b'), 0), `pfn ${pfn} reused: ${ownerOf(pfn)} — a DMA still aimed at /pmem/a would land here`);
  const loaded = await k.load(app.pid, addr.value, 8);
  steps.push({ who: 'rdma-app', call: 'load(addr, 8)', ret: loaded.ok ? JSON.stringify(dec.decode(loaded.value)) : loaded.sig, note: '/pmem/a is empty now: its pages lie past EOF' });

  step('rdma-app', 'pwrite(fd, "0123456789", 0)', await k.pwrite(app.pid, fd.value, enc.encode('0123456789'), 0));
  step('rdma-app', 'ftruncate(fd, 8192)', await k.ftruncate(app.pid, fd.value, 2 * PAGE_SIZE));
  const a = k.fileOf(app.pid, fd.value)!.inode;
  const moved = a.extents.lookup(0)!.pblk;
  step('rdma-app', 'fallocate(fd, INSERT_RANGE, 0, 4096)', await k.fallocate(app.pid, fd.value, FALLOC_FL_INSERT_RANGE, 0, PAGE_SIZE), `pfn ${moved} now holds ${ownerOf(moved)}: data aimed at offset 0 now sits at 4096`);
  step('rdma-app', 'pread(fd, 10, 4096)', await k.pread(app.pid, fd.value, 10, PAGE_SIZE));
  step('rdma-app', 'fallocate(fd, PUNCH_HOLE, 0, 4096)', await k.fallocate(app.pid, fd.value, 0x02, 0, PAGE_SIZE), 'PUNCH_HOLE without KEEP_SIZE');
  k.exitTask(app.pid);
  k.exitTask(admin.pid);
  return {
    demo: true,
    note: 'the race matrix is not built yet (issue: seed races); this is the kernel model on one thread',
    steps,
    fsck: fsck(k),
  };
}

export function formatDemo(r: DemoReport): string {
  const lines = [`leasebreak demo — ${r.note}`, ''];
  const w = Math.max(...r.steps.map((s) => s.call.length));
  for (const s of r.steps) {
    lines.push(`${s.who.padEnd(9)} ${s.call.padEnd(w)} = ${s.ret}`);
    if (s.note !== '') lines.push(`${' '.repeat(10 + w)}   ↳ ${s.note}`);
  }
  lines.push('', r.fsck.length === 0 ? 'fsck: clean (no block owned twice; owners, generations, refcounts consistent)' : `fsck: ${r.fsck.join('; ')}`);
  return lines.join('\n');
}
