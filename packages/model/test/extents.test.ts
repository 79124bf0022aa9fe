/**
 * ExtentMap: unit tests for merging and splitting, and a property against a plain per-block
 * model (logical block -> { pblk, unwritten }).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExtentMap, isSimError } from '../src/index.js';

type Ext = { lblk: number; pblk: number; len: number; unwritten: boolean };

const plain = (m: ExtentMap): Ext[] => m.extents().map((e) => ({ lblk: e.lblk, pblk: e.pblk, len: e.len, unwritten: e.unwritten }));

function expectSimError(fn: () => unknown, text: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isSimError(thrown), `expected a SimError, got ${String(thrown)}`).toBe(true);
  expect((thrown as Error).message).toMatch(text);
}

describe('ExtentMap: insert and merging', () => {
  it('merges with the previous extent when logically and physically contiguous', () => {
    const m = new ExtentMap();
    m.insert(0, 100, 2, false);
    m.insert(2, 102, 3, false);
    expect(plain(m)).toEqual([{ lblk: 0, pblk: 100, len: 5, unwritten: false }]);
  });

  it('merges with the next extent', () => {
    const m = new ExtentMap();
    m.insert(5, 105, 2, true);
    m.insert(3, 103, 2, true);
    expect(plain(m)).toEqual([{ lblk: 3, pblk: 103, len: 4, unwritten: true }]);
  });

  it('merges both neighbours into one when filling the gap between them', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 2, false);
    m.insert(4, 14, 2, false);
    expect(m.count).toBe(2);
    m.insert(2, 12, 2, false);
    expect(plain(m)).toEqual([{ lblk: 0, pblk: 10, len: 6, unwritten: false }]);
    expect(m.blocks).toBe(6);
    expect(m.endBlock).toBe(6);
  });

  it('does not merge physically discontiguous or differently written neighbours', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 2, false);
    m.insert(2, 20, 2, false); // logical neighbour, physical jump
    m.insert(4, 22, 2, true); // physical neighbour, but unwritten
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 10, len: 2, unwritten: false },
      { lblk: 2, pblk: 20, len: 2, unwritten: false },
      { lblk: 4, pblk: 22, len: 2, unwritten: true },
    ]);
  });

  it('refuses to map over a mapped block (BUG_ON)', () => {
    const m = new ExtentMap();
    m.insert(4, 40, 4, false);
    expectSimError(() => m.insert(7, 90, 1, false), /insert over a mapped range/);
    expectSimError(() => m.insert(2, 90, 3, false), /insert over a mapped range/);
    expectSimError(() => m.insert(0, 90, 0, false), /empty insert/);
    expect(plain(m)).toEqual([{ lblk: 4, pblk: 40, len: 4, unwritten: false }]);
  });
});

describe('ExtentMap: lookup and segments', () => {
  it('looks blocks up with the contiguous run left in the extent', () => {
    const m = new ExtentMap();
    m.insert(2, 50, 4, true);
    expect(m.lookup(1)).toBeNull();
    expect(m.lookup(2)).toEqual({ pblk: 50, unwritten: true, contiguous: 4 });
    expect(m.lookup(4)).toEqual({ pblk: 52, unwritten: true, contiguous: 2 });
    expect(m.lookup(6)).toBeNull();
  });

  it('covers a range with holes and mapped pieces, clipped to the range', () => {
    const m = new ExtentMap();
    m.insert(2, 50, 3, false);
    m.insert(8, 70, 2, true);
    expect(m.segments(0, 12)).toEqual([
      { lblk: 0, len: 2, pblk: -1, unwritten: false },
      { lblk: 2, len: 3, pblk: 50, unwritten: false },
      { lblk: 5, len: 3, pblk: -1, unwritten: false },
      { lblk: 8, len: 2, pblk: 70, unwritten: true },
      { lblk: 10, len: 2, pblk: -1, unwritten: false },
    ]);
    expect(m.segments(3, 6)).toEqual([
      { lblk: 3, len: 2, pblk: 51, unwritten: false },
      { lblk: 5, len: 3, pblk: -1, unwritten: false },
      { lblk: 8, len: 1, pblk: 70, unwritten: true },
    ]);
    expect(m.segments(20, 3)).toEqual([{ lblk: 20, len: 3, pblk: -1, unwritten: false }]);
  });
});

describe('ExtentMap: remove and splitting', () => {
  it('punches a hole in the middle of an extent, splitting it, and returns the freed run', () => {
    const m = new ExtentMap();
    m.insert(0, 100, 10, false);
    expect(m.remove(3, 4)).toEqual([{ pblk: 103, len: 4, lblk: 3 }]);
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 100, len: 3, unwritten: false },
      { lblk: 7, pblk: 107, len: 3, unwritten: false },
    ]);
  });

  it('removes across several extents and holes; to the end with Infinity', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 3, false);
    m.insert(5, 30, 3, true);
    m.insert(10, 50, 3, false);
    expect(m.remove(2, 10)).toEqual([
      { pblk: 12, len: 1, lblk: 2 },
      { pblk: 30, len: 3, lblk: 5 },
      { pblk: 50, len: 2, lblk: 10 },
    ]);
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 10, len: 2, unwritten: false },
      { lblk: 12, pblk: 52, len: 1, unwritten: false },
    ]);
    expect(m.remove(1, Infinity)).toEqual([
      { pblk: 11, len: 1, lblk: 1 },
      { pblk: 52, len: 1, lblk: 12 },
    ]);
    expect(plain(m)).toEqual([{ lblk: 0, pblk: 10, len: 1, unwritten: false }]);
    expect(m.remove(5, 0)).toEqual([]);
  });
});

describe('ExtentMap: setUnwritten', () => {
  it('splits an extent in three and merges it back', () => {
    const m = new ExtentMap();
    m.insert(0, 100, 8, false);
    m.setUnwritten(2, 3, true);
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 100, len: 2, unwritten: false },
      { lblk: 2, pblk: 102, len: 3, unwritten: true },
      { lblk: 5, pblk: 105, len: 3, unwritten: false },
    ]);
    m.setUnwritten(2, 3, false);
    expect(plain(m)).toEqual([{ lblk: 0, pblk: 100, len: 8, unwritten: false }]);
  });

  it('leaves holes alone and merges across the extents it converts', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 2, true);
    m.insert(2, 12, 2, false);
    m.insert(6, 16, 2, true);
    m.setUnwritten(0, 10, false);
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 10, len: 4, unwritten: false },
      { lblk: 6, pblk: 16, len: 2, unwritten: false },
    ]);
  });
});

describe('ExtentMap: shift (collapse and insert range)', () => {
  it('shifts the tail down and merges with a physically contiguous head', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 2, false);
    m.insert(4, 12, 3, false); // [2,4) is a hole, as after a collapse removed it
    expect(m.shift(4, -2)).toEqual([{ lblk: 2, pblk: 12, len: 3 }]);
    expect(plain(m)).toEqual([{ lblk: 0, pblk: 10, len: 5, unwritten: false }]);
  });

  it('shifts up from inside an extent, splitting it', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 6, false);
    expect(m.shift(2, 3)).toEqual([{ lblk: 5, pblk: 12, len: 4 }]);
    expect(plain(m)).toEqual([
      { lblk: 0, pblk: 10, len: 2, unwritten: false },
      { lblk: 5, pblk: 12, len: 4, unwritten: false },
    ]);
  });

  it('refuses to shift onto mapped blocks or below block 0 (BUG_ON)', () => {
    const m = new ExtentMap();
    m.insert(0, 10, 3, false);
    m.insert(4, 20, 1, false);
    expectSimError(() => m.shift(4, -2), /collapse shift onto mapped blocks/);
    const n = new ExtentMap();
    n.insert(1, 10, 1, false);
    expectSimError(() => n.shift(1, -2), /below block 0/);
  });
});

// ---- property: ExtentMap against a per-block array ------------------------------------------

type Op =
  | { op: 'insert'; lblk: number; len: number; unwritten: boolean; contiguous: boolean }
  | { op: 'remove'; lblk: number; len: number }
  | { op: 'setUnwritten'; lblk: number; len: number; unwritten: boolean }
  | { op: 'shift'; from: number; delta: number }
  | { op: 'segments'; lblk: number; len: number };

const SPAN = 40;
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), lblk: fc.nat(SPAN), len: fc.integer({ min: 1, max: 6 }), unwritten: fc.boolean(), contiguous: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), lblk: fc.nat(SPAN), len: fc.oneof(fc.integer({ min: 0, max: 10 }), fc.constant(Infinity)) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('setUnwritten' as const), lblk: fc.nat(SPAN), len: fc.integer({ min: 0, max: 10 }), unwritten: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('shift' as const), from: fc.nat(SPAN), delta: fc.integer({ min: -6, max: 6 }).filter((d) => d !== 0) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('segments' as const), lblk: fc.nat(SPAN + 10), len: fc.integer({ min: 1, max: 20 }) }) },
);

type Blk = { pblk: number; unwritten: boolean };

function checkAgainst(m: ExtentMap, model: Map<number, Blk>): void {
  const ext = m.extents();
  let mapped = 0;
  for (let i = 0; i < ext.length; i++) {
    const e = ext[i]!;
    expect(e.len).toBeGreaterThan(0);
    if (i > 0) {
      const p = ext[i - 1]!;
      expect(p.lblk + p.len, 'sorted, non-overlapping').toBeLessThanOrEqual(e.lblk);
      // Canonical: no two neighbours that one extent could describe.
      const mergeable = p.lblk + p.len === e.lblk && p.pblk + p.len === e.pblk && p.unwritten === e.unwritten;
      expect(mergeable, `extents ${i - 1} and ${i} should have been merged: ${JSON.stringify([p, e])}`).toBe(false);
    }
    for (let j = 0; j < e.len; j++) {
      expect(model.get(e.lblk + j), `block ${e.lblk + j}`).toEqual({ pblk: e.pblk + j, unwritten: e.unwritten });
    }
    mapped += e.len;
  }
  expect(mapped).toBe(model.size);
  expect(m.blocks).toBe(model.size);
  expect(m.endBlock).toBe(model.size === 0 ? 0 : Math.max(...model.keys()) + 1);
  for (let b = 0; b < SPAN + 20; b++) {
    const want = model.get(b);
    const got = m.lookup(b);
    expect(got === null ? undefined : { pblk: got.pblk, unwritten: got.unwritten }, `lookup(${b})`).toEqual(want);
  }
}

describe('ExtentMap property', () => {
  it('matches a per-block model under insert/remove/setUnwritten/shift', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const m = new ExtentMap();
        const model = new Map<number, Blk>();
        let nextPblk = 1000;
        let lastEnd = -1; // physical end of the last insert, to make contiguous runs likely
        for (const o of ops) {
          switch (o.op) {
            case 'insert': {
              // Clip to the hole starting at lblk.
              if (model.has(o.lblk)) break;
              let len = 0;
              while (len < o.len && !model.has(o.lblk + len)) len++;
              // Physically contiguous with the logical predecessor, when asked and possible.
              const prev = model.get(o.lblk - 1);
              let pblk = o.contiguous && prev !== undefined ? prev.pblk + 1 : o.contiguous && lastEnd >= 0 ? lastEnd : nextPblk;
              const used = new Set([...model.values()].map((b) => b.pblk));
              for (let i = 0; i < len; i++) if (used.has(pblk + i)) pblk = nextPblk;
              m.insert(o.lblk, pblk, len, o.unwritten);
              for (let i = 0; i < len; i++) model.set(o.lblk + i, { pblk: pblk + i, unwritten: o.unwritten });
              nextPblk = Math.max(nextPblk, pblk + len) + 3;
              lastEnd = pblk + len;
              break;
            }
            case 'remove': {
              const freed = m.remove(o.lblk, o.len);
              const want: number[] = [];
              for (const [b, v] of [...model].sort((x, y) => x[0] - y[0])) {
                if (b >= o.lblk && b < o.lblk + o.len) {
                  want.push(b, v.pblk);
                  model.delete(b);
                }
              }
              const got: number[] = [];
              for (const r of freed) for (let i = 0; i < r.len; i++) got.push(r.lblk + i, r.pblk + i);
              expect(got).toEqual(want);
              break;
            }
            case 'setUnwritten': {
              m.setUnwritten(o.lblk, o.len, o.unwritten);
              for (let b = o.lblk; b < o.lblk + o.len; b++) {
                const v = model.get(b);
                if (v !== undefined) v.unwritten = o.unwritten;
              }
              break;
            }
            case 'shift': {
              // Preconditions the callers guarantee: a down-shift lands in a hole, above block 0.
              if (o.delta < 0) {
                if (o.from + o.delta < 0) break;
                let clear = true;
                for (let b = o.from + o.delta; b < o.from; b++) if (model.has(b)) clear = false;
                if (!clear) break;
              }
              const moved = m.shift(o.from, o.delta);
              const entries = [...model].filter(([b]) => b >= o.from);
              for (const [b] of entries) model.delete(b);
              for (const [b, v] of entries) model.set(b + o.delta, v);
              const got: number[] = [];
              for (const r of moved) for (let i = 0; i < r.len; i++) got.push(r.lblk + i, r.pblk + i);
              const want = entries.sort((x, y) => x[0] - y[0]).flatMap(([b, v]) => [b + o.delta, v.pblk]);
              expect(got).toEqual(want);
              break;
            }
            case 'segments': {
              const segs = m.segments(o.lblk, o.len);
              let pos = o.lblk;
              for (const s of segs) {
                expect(s.lblk).toBe(pos);
                expect(s.len).toBeGreaterThan(0);
                for (let i = 0; i < s.len; i++) {
                  const v = model.get(s.lblk + i);
                  if (s.pblk < 0) expect(v, `block ${s.lblk + i} in a hole segment`).toBeUndefined();
                  else expect(v).toEqual({ pblk: s.pblk + i, unwritten: s.unwritten });
                }
                pos += s.len;
              }
              expect(pos).toBe(o.lblk + o.len);
              // Holes are maximal: two hole segments never follow each other.
              for (let i = 1; i < segs.length; i++) expect(segs[i - 1]!.pblk < 0 && segs[i]!.pblk < 0).toBe(false);
              break;
            }
          }
          checkAgainst(m, model);
        }
      }),
      { numRuns: 300 },
    );
  });
});
