/**
 * DMA stamps and the struct-page owner read, in the forms the NIC's hot path uses: the aligned
 * Int32 stamp writes the same bytes as the DataView one, and Pmem.ownerInto reads what owner()
 * reads, into a reused object.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MutablePageOwner, PAGE_SIZE, Pmem, STAMP_BYTES, readStamp, writeStamp, writeStampAligned } from '../src/index.js';

const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

describe('writeStampAligned', () => {
  it('writes the bytes writeStamp writes, and readStamp reads them back', () => {
    fc.assert(
      fc.property(int32, int32, int32, int32, int32, fc.integer({ min: 0, max: PAGE_SIZE - 1 }), fc.integer({ min: 0, max: (PAGE_SIZE - STAMP_BYTES) / 4 }), (writer, source, ino, index, seq, offset, word) => {
        const a = new Uint8Array(new SharedArrayBuffer(PAGE_SIZE));
        const b = new Uint8Array(new SharedArrayBuffer(PAGE_SIZE));
        const at = word * 4;
        writeStamp(a, at, { writer, source, ino, index, seq, offset });
        writeStampAligned(new Int32Array(b.buffer), at, writer, source, ino, index, seq, offset);
        expect(b).toEqual(a);
        expect(readStamp(b, at)).toEqual({ writer, source, ino, index, seq, offset });
      }),
      { numRuns: 200 },
    );
  });
});

describe('Pmem.ownerInto', () => {
  it('reads what owner() reads (free pages as ino 0, index 0), into the object it is given', () => {
    const pm = Pmem.create(4);
    pm.setOwner(1, 7, 3);
    pm.setOwner(2, 9, 0xfffffff0); // an index read as unsigned
    pm.setOwner(3, -1, 12); // free, with a free-list link in the index cell
    const out: MutablePageOwner = { ino: -5, index: -5, generation: -5 };
    for (let pfn = 0; pfn < 4; pfn++) {
      expect(pm.ownerInto(pfn, out)).toBe(out);
      expect({ ...out }).toEqual(pm.owner(pfn));
    }
    expect(pm.ownerInto(2, out)).toMatchObject({ ino: 9, index: 0xfffffff0, generation: 2 });
    expect(pm.ownerInto(3, out)).toMatchObject({ ino: 0, index: 0 });
  });
});

describe('Pmem ownership epoch', () => {
  it('every ownership change moves it by 2 (odd while under way), a free-list relink does not; ownerPlainInto reads what ownerInto reads', () => {
    const pm = Pmem.create(4);
    const e0 = pm.ownerEpoch();
    expect(e0 % 2).toBe(0);
    pm.setOwner(1, 7, 3);
    pm.setOwner(2, 9, 0xfffffff0);
    pm.setOwner(3, -1, 12);
    expect(pm.ownerEpoch()).toBe(e0 + 6);
    pm.setFreeLinks(3, -2, 5);
    expect(pm.ownerEpoch()).toBe(e0 + 6);
    const plain: MutablePageOwner = { ino: -5, index: -5, generation: -5 };
    const locked: MutablePageOwner = { ino: -5, index: -5, generation: -5 };
    for (let pfn = 0; pfn < 4; pfn++) expect({ ...pm.ownerPlainInto(pfn, plain) }).toEqual({ ...pm.ownerInto(pfn, locked) });
    // Another thread's view of the same device sees the same epoch.
    expect(Pmem.attach(pm.buffers).ownerEpoch()).toBe(e0 + 6);
  });

  it('attach refuses buffers without the epoch', () => {
    const { epoch: _epoch, ...rest } = Pmem.create(2).buffers;
    expect(() => Pmem.attach(rest as never)).toThrow(/do not match/);
  });
});
