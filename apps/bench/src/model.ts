/**
 * Kernel-model benchmarks on a 1 Mi-page (4 GiB) device: creating it, metadata per page, and
 * ops/s of write, truncate, punch and insert, each beside the floor of a raw 4 KiB page copy
 * into a SharedArrayBuffer measured in the same run.
 */
import {
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  Kernel,
  O_CREAT,
  O_RDWR,
  PAGE_SIZE,
  STRUCT_PAGE_BYTES,
} from '@leasebreak/model';
import { type Row, fmtNs, fmtRate, measure } from './harness.js';

const PAGES = 1 << 20;

async function openFile(k: Kernel, pid: number, path: string): Promise<number> {
  const r = await k.open(pid, path, O_CREAT | O_RDWR);
  if (!r.ok) throw new Error(`bench: open ${path}: ${r.errno}`);
  return r.value;
}

async function fill(k: Kernel, pid: number, fd: number, blocks: number): Promise<void> {
  const chunk = new Uint8Array(256 * PAGE_SIZE).fill(0x5a);
  for (let b = 0; b < blocks; b += 256) {
    const r = await k.pwrite(pid, fd, chunk.subarray(0, Math.min(256, blocks - b) * PAGE_SIZE), b * PAGE_SIZE);
    if (!r.ok) throw new Error(`bench: fill: ${r.errno}`);
  }
}

export async function modelBench(budgetMs: number): Promise<Row[]> {
  const rows: Row[] = [];

  // Device creation: the whole 4 GiB is reserved lazily; nothing per page is initialised.
  const creates: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = process.hrtime.bigint();
    const k = new Kernel({ pmemPages: PAGES });
    creates.push(Number(process.hrtime.bigint() - t0));
    if (k.pmem.nrPages !== PAGES) throw new Error('bench: device size');
  }
  creates.sort((a, b) => a - b);
  const createNs = creates[2]!;
  rows.push({ bench: 'create 1 Mi-page device (median of 5)', value: fmtNs(createNs), floor: '-', ratio: '-', target: '< 1 s', met: createNs < 1e9 });

  const k = new Kernel({ pmemPages: PAGES });
  const perPage = k.pmem.pages.byteLength / PAGES;
  rows.push({ bench: 'metadata per page (struct page; allocator keeps none)', value: `${perPage} B`, floor: `${STRUCT_PAGE_BYTES} B`, ratio: (perPage / STRUCT_PAGE_BYTES).toFixed(2), target: '≤ 16 B/page', met: perPage <= 16 });

  // Floor: copying one 4 KiB page into a SharedArrayBuffer, nothing else.
  const src = new Uint8Array(PAGE_SIZE).fill(1);
  const raw = new Uint8Array(new SharedArrayBuffer(4096 * PAGE_SIZE));
  const floor = await measure('raw page copy', (i) => raw.set(src, (i % 4096) * PAGE_SIZE), { budgetMs, batch: 256 });
  rows.push({ bench: 'floor: raw 4 KiB copy into a SAB', value: fmtRate(floor.opsPerSec), floor: '-', ratio: '1.00', target: '-', met: null });
  const vsFloor = (name: string, m: { opsPerSec: number }, note = ''): void => {
    rows.push({ bench: name, value: fmtRate(m.opsPerSec), floor: fmtRate(floor.opsPerSec), ratio: `${(floor.opsPerSec / m.opsPerSec).toFixed(1)}× slower`, target: note || '-', met: null });
  };

  const t = k.createTask({ uid: 0 });
  // write: 4 KiB pwrite, allocating a new block each time (file restarted every 64 Ki blocks).
  const wfd = await openFile(k, t.pid, '/w');
  const page = new Uint8Array(PAGE_SIZE).fill(7);
  const w = await measure('pwrite 4 KiB (allocating)', async (i) => {
    const b = i % 65536;
    if (b === 0 && i > 0) await k.ftruncate(t.pid, wfd, 0);
    const r = await k.pwrite(t.pid, wfd, page, b * PAGE_SIZE);
    if (!r.ok) throw new Error(r.errno);
  }, { budgetMs });
  vsFloor('pwrite 4 KiB, allocating', w);
  await k.ftruncate(t.pid, wfd, 0);
  const ow = await measure('pwrite 4 KiB (overwrite)', async (i) => {
    const r = await k.pwrite(t.pid, wfd, page, (i % 64) * PAGE_SIZE);
    if (!r.ok) throw new Error(r.errno);
  }, { budgetMs });
  vsFloor('pwrite 4 KiB, overwrite', ow);

  // truncate: shrink a 64 Ki-block file one block at a time (each frees one block).
  const tfd = await openFile(k, t.pid, '/t');
  const TBLOCKS = 65536;
  await fill(k, t.pid, tfd, TBLOCKS);
  const tr = await measure('ftruncate -1 block', async (i) => {
    const r = await k.ftruncate(t.pid, tfd, (TBLOCKS - 1 - i) * PAGE_SIZE);
    if (!r.ok) throw new Error(r.errno);
  }, { budgetMs, maxOps: TBLOCKS - 64 });
  vsFloor('ftruncate down by 1 block', tr);

  // punch: one block at a pseudo-random offset of a 64 Ki-block file (splits extents).
  const pfd = await openFile(k, t.pid, '/p');
  await fill(k, t.pid, pfd, TBLOCKS);
  let x = 12345;
  const pu = await measure('punch 1 block', async () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const r = await k.fallocate(t.pid, pfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (x % TBLOCKS) * PAGE_SIZE, PAGE_SIZE);
    if (!r.ok) throw new Error(r.errno);
  }, { budgetMs, maxOps: 32768 });
  vsFloor(`punch 1 block (file of ${TBLOCKS} blocks, ends with ${k.fileOf(t.pid, pfd)!.inode.extents.count} extents)`, pu);

  // insert: one block at a pseudo-random offset of a 4 Ki-block file (shifts the tail).
  const ifd = await openFile(k, t.pid, '/i');
  await fill(k, t.pid, ifd, 4096);
  const ins = await measure('insert 1 block', async () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const r = await k.fallocate(t.pid, ifd, FALLOC_FL_INSERT_RANGE, (x % 4096) * PAGE_SIZE, PAGE_SIZE);
    if (!r.ok) throw new Error(r.errno);
  }, { budgetMs, maxOps: 16384 });
  vsFloor(`insert 1 block (file of 4096+ blocks, ends with ${k.fileOf(t.pid, ifd)!.inode.extents.count} extents)`, ins);
  return rows;
}
