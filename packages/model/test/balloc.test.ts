/**
 * The block allocator and the pmem device under it: contiguity, reuse order, ENOSPC, the free
 * list threaded through the struct pages, stale refcounts on reallocated blocks (the
 * use-after-free the races rely on), generations, and attaching from the shared buffers.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockAllocator, PAGE_SIZE, Pmem, isSimError } from '../src/index.js';

function setup(pages: number, opts: { preferRecentlyFreed?: boolean; idleRefcount?: 0 | 1 } = {}): { pmem: Pmem; ba: BlockAllocator } {
  const pmem = Pmem.create(pages, opts.idleRefcount === undefined ? {} : { idleRefcount: opts.idleRefcount });
  return { pmem, ba: new BlockAllocator(pmem, { preferRecentlyFreed: opts.preferRecentlyFreed ?? false }) };
}

/** Allocate single blocks until ENOSPC; return them in order. */
function drain(ba: BlockAllocator, ino: number): number[] {
  const out: number[] = [];
  for (let r = ba.allocRun(ino, 0, 1); r !== null; r = ba.allocRun(ino, 0, 1)) out.push(r.pblk);
  return out;
}

/** The allocator's own accounting against the struct pages: free + used = total, list = free blocks. */
function expectConsistent(pmem: Pmem, ba: BlockAllocator): void {
  let owned = 0;
  for (let b = 0; b < pmem.nrPages; b++) if (!ba.isFree(b)) owned++;
  expect(ba.usedBlocks).toBe(owned);
  expect(ba.freeBlocks + ba.usedBlocks).toBe(pmem.nrPages);
  const listed = [...ba.freeList()];
  expect(new Set(listed).size).toBe(listed.length);
  const freeBelow: number[] = [];
  for (let b = 0; b < ba.neverUsedFrom; b++) if (ba.isFree(b)) freeBelow.push(b);
  expect([...listed].sort((a, b) => a - b)).toEqual(freeBelow);
  expect(listed.length + (pmem.nrPages - ba.neverUsedFrom)).toBe(ba.freeBlocks);
}

describe('BlockAllocator: contiguity and ENOSPC', () => {
  it('hands out contiguous runs on a fresh device and owns each block', () => {
    const { pmem, ba } = setup(16);
    expect(ba.allocRun(7, 0, 5)).toEqual({ pblk: 0, len: 5 });
    expect(ba.allocRun(8, 10, 3)).toEqual({ pblk: 5, len: 3 });
    for (let i = 0; i < 5; i++) expect(pmem.owner(i)).toMatchObject({ ino: 7, index: i });
    for (let i = 0; i < 3; i++) expect(pmem.owner(5 + i)).toMatchObject({ ino: 8, index: 10 + i });
    expect(ba.freeBlocks).toBe(8);
    expect(ba.usedBlocks).toBe(8);
    expectConsistent(pmem, ba);
  });

  it('gives a shorter run at the end of the device, then null (ENOSPC)', () => {
    const { pmem, ba } = setup(8);
    expect(ba.allocRun(3, 0, 6)).toEqual({ pblk: 0, len: 6 });
    expect(ba.allocRun(3, 6, 10)).toEqual({ pblk: 6, len: 2 });
    expect(ba.freeBlocks).toBe(0);
    expect(ba.allocRun(3, 8, 1)).toBeNull();
    expect(ba.allocRun(4, 0, 5)).toBeNull();
    expectConsistent(pmem, ba);
  });

  it('extends a run taken from the free list with the free blocks after it', () => {
    const { pmem, ba } = setup(16, { preferRecentlyFreed: true });
    expect(ba.allocRun(3, 0, 8)).toEqual({ pblk: 0, len: 8 });
    ba.freeRun(2, 4); // 2..5 go back, 2 at the head
    expect(ba.freeListHead).toBe(2);
    expect(ba.allocRun(4, 0, 10)).toEqual({ pblk: 2, len: 4 }); // stops at the owned block 6
    expectConsistent(pmem, ba);
  });

  it('extends a run from the free list into never-used blocks', () => {
    const { pmem, ba } = setup(16, { preferRecentlyFreed: true });
    expect(ba.allocRun(3, 0, 4)).toEqual({ pblk: 0, len: 4 });
    ba.freeRun(3, 1);
    expect(ba.allocRun(4, 0, 3)).toEqual({ pblk: 3, len: 3 }); // 3 (freed), 4 and 5 (never used)
    expect(ba.neverUsedFrom).toBe(6);
    expectConsistent(pmem, ba);
  });

  it('rejects a double free and a reassign of a free block (BUG_ON)', () => {
    const { ba } = setup(4);
    ba.allocRun(3, 0, 2);
    ba.freeRun(1, 1);
    for (const bad of [() => ba.freeRun(1, 1), () => ba.reassign(1, 3, 0), () => ba.freeRun(3, 1)]) {
      let thrown: unknown;
      try {
        bad();
      } catch (e) {
        thrown = e;
      }
      expect(isSimError(thrown)).toBe(true);
    }
  });
});

describe('BlockAllocator: reuse order', () => {
  it('preferRecentlyFreed: the most recently freed block comes back first', () => {
    const { pmem, ba } = setup(16, { preferRecentlyFreed: true });
    ba.allocRun(3, 0, 8);
    ba.freeRun(2, 1);
    ba.freeRun(6, 1);
    ba.freeRun(4, 1);
    expect(ba.allocRun(9, 0, 1)).toEqual({ pblk: 4, len: 1 });
    expect(ba.allocRun(9, 1, 1)).toEqual({ pblk: 6, len: 1 });
    expect(ba.allocRun(9, 2, 1)).toEqual({ pblk: 2, len: 1 });
    expect(ba.allocRun(9, 3, 1)).toEqual({ pblk: 8, len: 1 }); // list empty: never-used blocks
    expectConsistent(pmem, ba);
  });

  it('without it: never-used blocks first until the device is full, then freed ones', () => {
    const { pmem, ba } = setup(12);
    ba.allocRun(3, 0, 6);
    ba.freeRun(1, 1);
    ba.freeRun(4, 1);
    expect(drain(ba, 5).slice(0, 6)).toEqual([6, 7, 8, 9, 10, 11]);
    expectConsistent(pmem, ba);
    const { pmem: pmem2, ba: ba2 } = setup(12);
    ba2.allocRun(3, 0, 6);
    ba2.freeRun(1, 1);
    ba2.freeRun(4, 1);
    expect(drain(ba2, 5)).toEqual([6, 7, 8, 9, 10, 11, 4, 1]);
    expect(ba2.freeBlocks).toBe(0);
    expectConsistent(pmem2, ba2);
  });

  it('freed blocks are zeroed when handed out again', () => {
    const { pmem, ba } = setup(4, { preferRecentlyFreed: true });
    const r = ba.allocRun(3, 0, 1)!;
    pmem.frame(r.pblk).fill(0xab);
    ba.freeRun(r.pblk, 1);
    expect(ba.allocRun(4, 0, 1)).toEqual(r);
    expect(pmem.frame(r.pblk).every((b) => b === 0)).toBe(true);
  });
});

describe('BlockAllocator: refcounts and generations', () => {
  for (const idle of [0, 1] as const) {
    it(`a reallocated block keeps a stale pin's reference (idle refcount ${idle})`, () => {
      const { pmem, ba } = setup(8, { preferRecentlyFreed: true, idleRefcount: idle });
      const r = ba.allocRun(3, 0, 1)!;
      expect(pmem.refcount(r.pblk)).toBe(idle);
      expect(pmem.isBusy(r.pblk)).toBe(false);
      pmem.getPage(r.pblk); // a long-term pin (RDMA registration) on file 3's block
      ba.freeRun(r.pblk, 1); // truncate frees it under the pin
      expect(pmem.refcount(r.pblk)).toBe(idle + 1);
      const again = ba.allocRun(4, 0, 1)!; // ...and file 4 gets it
      expect(again.pblk).toBe(r.pblk);
      expect(pmem.owner(r.pblk)).toMatchObject({ ino: 4, index: 0 });
      expect(pmem.refcount(r.pblk)).toBe(idle + 1);
      expect(pmem.isBusy(r.pblk)).toBe(true);
      expect(pmem.putPage(r.pblk)).toBe(idle);
    });
  }

  it('never-used blocks start at the idle refcount and clear struct pages', () => {
    const { pmem, ba } = setup(4, { idleRefcount: 1 });
    expect(pmem.refcount(2)).toBe(0); // untouched frame
    expect(pmem.generation(2)).toBe(0);
    ba.allocRun(3, 0, 3);
    expect(pmem.refcount(2)).toBe(1);
  });

  it('the generation moves by 2 on every owner change, and only then', () => {
    const { pmem, ba } = setup(8, { preferRecentlyFreed: true });
    const gens = (): number[] => Array.from({ length: 8 }, (_, b) => pmem.generation(b));
    ba.allocRun(3, 0, 4);
    expect(gens()).toEqual([2, 2, 2, 2, 0, 0, 0, 0]);
    ba.reassign(1, 3, 9); // collapse/insert moved it
    expect(pmem.owner(1)).toEqual({ ino: 3, index: 9, generation: 4 });
    ba.freeRun(2, 1);
    expect(pmem.owner(2)).toEqual({ ino: 0, index: 0, generation: 4 });
    // Freeing 0 relinks 2 (a free-list link update, not an owner change): 2 keeps its generation.
    ba.freeRun(0, 1);
    expect(gens()).toEqual([4, 4, 4, 2, 0, 0, 0, 0]);
    ba.allocRun(5, 0, 1); // takes 0 back
    expect(gens()).toEqual([6, 4, 4, 2, 0, 0, 0, 0]);
    for (let b = 0; b < 8; b++) expect(pmem.generation(b) % 2).toBe(0);
  });
});

describe('Pmem.attach', () => {
  it('sees the same frames and struct pages through the shared buffers', () => {
    const { pmem, ba } = setup(8, { idleRefcount: 0 });
    const other = Pmem.attach(pmem.buffers);
    expect(other.nrPages).toBe(8);
    expect(other.idleRefcount).toBe(0);
    const r = ba.allocRun(6, 4, 2)!;
    expect(other.owner(r.pblk + 1)).toEqual(pmem.owner(r.pblk + 1));
    expect(other.owner(r.pblk + 1)).toMatchObject({ ino: 6, index: 5 });
    pmem.frame(r.pblk).set([1, 2, 3], 10);
    expect(Array.from(other.frame(r.pblk).subarray(10, 13))).toEqual([1, 2, 3]);
    other.frames[r.pblk * PAGE_SIZE + 20] = 99; // e.g. the NIC thread doing DMA
    expect(pmem.frame(r.pblk)[20]).toBe(99);
    other.getPage(r.pblk, 2);
    expect(pmem.refcount(r.pblk)).toBe(2);
    pmem.putPage(r.pblk, 2);
    expect(other.refcount(r.pblk)).toBe(0);
    expect(other.refcountCell(3)).toBe(pmem.refcountCell(3));
  });

  it('refuses buffers that do not match nrPages, and bad sizes', () => {
    const { pmem } = setup(4);
    expect(() => Pmem.attach({ ...pmem.buffers, nrPages: 5 })).toThrow(RangeError);
    expect(() => Pmem.create(0)).toThrow(RangeError);
    expect(() => Pmem.create(1.5)).toThrow(RangeError);
  });
});

describe('BlockAllocator property', () => {
  it('stays consistent with a set model under random alloc/free', () => {
    const step = fc.oneof(
      fc.record({ op: fc.constant('alloc' as const), max: fc.integer({ min: 1, max: 6 }) }),
      fc.record({ op: fc.constant('free' as const), pick: fc.nat(), len: fc.integer({ min: 1, max: 4 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.array(step, { maxLength: 80 }), (pages, prefer, steps) => {
        const { pmem, ba } = setup(pages, { preferRecentlyFreed: prefer });
        const owned = new Map<number, { ino: number; index: number }>(); // pblk -> owner
        let ino = 10;
        for (const s of steps) {
          if (s.op === 'alloc') {
            const freeBefore = pages - owned.size;
            const mostRecent = ba.freeListHead;
            const neverUsed = ba.neverUsedFrom;
            const r = ba.allocRun(++ino, 100, s.max);
            if (freeBefore === 0) {
              expect(r).toBeNull();
              continue;
            }
            expect(r).not.toBeNull();
            expect(r!.len).toBeGreaterThanOrEqual(1);
            expect(r!.len).toBeLessThanOrEqual(s.max);
            if (prefer && mostRecent !== -1) expect(r!.pblk).toBe(mostRecent);
            if (!prefer && neverUsed < pages) expect(r!.pblk).toBe(neverUsed);
            if (!prefer && neverUsed === pages) expect(r!.pblk).toBe(mostRecent);
            for (let i = 0; i < r!.len; i++) {
              expect(owned.has(r!.pblk + i), `block ${r!.pblk + i} handed out twice`).toBe(false);
              owned.set(r!.pblk + i, { ino, index: 100 + i });
              expect(pmem.frame(r!.pblk + i).every((b) => b === 0)).toBe(true);
              pmem.frame(r!.pblk + i)[0] = 0xee; // dirty it, so reuse must zero it again
            }
          } else {
            // Free a run of owned blocks that belong together.
            const list = [...owned.keys()].sort((a, b) => a - b);
            if (list.length === 0) continue;
            const start = list[s.pick % list.length]!;
            let len = 0;
            while (len < s.len && owned.has(start + len)) len++;
            ba.freeRun(start, len);
            for (let i = 0; i < len; i++) owned.delete(start + i);
            expect(ba.freeListHead).toBe(start);
          }
          for (const [b, o] of owned) expect(pmem.owner(b)).toMatchObject(o);
          expect(ba.freeBlocks).toBe(pages - owned.size);
          expectConsistent(pmem, ba);
        }
      }),
      { numRuns: 200 },
    );
  });
});
