/**
 * Per-inode extent map (the model's fs/ext4/extents.c): logical file block -> physical block,
 * as a sorted array of non-overlapping extents. Unwritten extents (preallocated, or zeroed by
 * ZERO_RANGE) read as zeros. Holes are simply absent.
 *
 * The map only records placement; allocating and freeing the blocks is the caller's job (it gets
 * back the runs it must free, and the runs it must re-own after a shift).
 */
import { BUG_ON } from '../kernel/errno.js';

export interface Extent {
  /** First logical (file) block. */
  lblk: number;
  /** First physical block (pfn). */
  pblk: number;
  len: number;
  /** Allocated but reads as zeros (EXT4_EXT_UNWRITTEN / XFS_EXT_UNWRITTEN). */
  unwritten: boolean;
}

/** A piece of a logical range: either mapped (pblk >= 0) or a hole (pblk = -1). */
export interface Segment {
  readonly lblk: number;
  readonly len: number;
  readonly pblk: number;
  readonly unwritten: boolean;
}

export class ExtentMap {
  private readonly ext: Extent[] = [];

  /** Number of extents (fragmentation). */
  get count(): number {
    return this.ext.length;
  }

  /** Total mapped blocks. */
  get blocks(): number {
    let n = 0;
    for (const e of this.ext) n += e.len;
    return n;
  }

  /** All extents, in order (read-only view for fsck and tests). */
  extents(): readonly Readonly<Extent>[] {
    return this.ext;
  }

  /** Index of the first extent whose end is past `lblk` (binary search). */
  private firstEndingAfter(lblk: number): number {
    let lo = 0;
    let hi = this.ext.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.ext[mid]!;
      if (e.lblk + e.len <= lblk) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** ext4_ext_map_blocks() lookup: the physical block behind `lblk`, or null for a hole. */
  lookup(lblk: number): { pblk: number; unwritten: boolean; contiguous: number } | null {
    const i = this.firstEndingAfter(lblk);
    const e = this.ext[i];
    if (e === undefined || e.lblk > lblk) return null;
    const off = lblk - e.lblk;
    return { pblk: e.pblk + off, unwritten: e.unwritten, contiguous: e.len - off };
  }

  /** Cover [lblk, lblk+len) with mapped segments and holes, in order. */
  segments(lblk: number, len: number): Segment[] {
    const out: Segment[] = [];
    const end = lblk + len;
    let pos = lblk;
    for (let i = this.firstEndingAfter(lblk); i < this.ext.length && pos < end; i++) {
      const e = this.ext[i]!;
      if (e.lblk >= end) break;
      if (e.lblk > pos) {
        out.push({ lblk: pos, len: e.lblk - pos, pblk: -1, unwritten: false });
        pos = e.lblk;
      }
      const segEnd = Math.min(end, e.lblk + e.len);
      out.push({ lblk: pos, len: segEnd - pos, pblk: e.pblk + (pos - e.lblk), unwritten: e.unwritten });
      pos = segEnd;
    }
    if (pos < end) out.push({ lblk: pos, len: end - pos, pblk: -1, unwritten: false });
    return out;
  }

  /** Map a hole [lblk, lblk+len) to pblk.. . The range must be a hole. */
  insert(lblk: number, pblk: number, len: number, unwritten: boolean): void {
    BUG_ON(len < 1, 'extents: empty insert');
    const i = this.firstEndingAfter(lblk);
    const next = this.ext[i];
    BUG_ON(next !== undefined && next.lblk < lblk + len, `extents: insert over a mapped range at block ${lblk}`);
    const prev = i > 0 ? this.ext[i - 1] : undefined;
    const mergePrev = prev !== undefined && prev.lblk + prev.len === lblk && prev.pblk + prev.len === pblk && prev.unwritten === unwritten;
    const mergeNext = next !== undefined && next.lblk === lblk + len && next.pblk === pblk + len && next.unwritten === unwritten;
    if (mergePrev && mergeNext) {
      prev.len += len + next.len;
      this.ext.splice(i, 1);
    } else if (mergePrev) {
      prev.len += len;
    } else if (mergeNext) {
      next.lblk = lblk;
      next.pblk = pblk;
      next.len += len;
    } else {
      this.ext.splice(i, 0, { lblk, pblk, len, unwritten });
    }
  }

  /** Split so that an extent boundary falls at `lblk` (no-op inside a hole or at a boundary). */
  private splitAt(lblk: number): void {
    const i = this.firstEndingAfter(lblk);
    const e = this.ext[i];
    if (e === undefined || e.lblk >= lblk) return;
    const off = lblk - e.lblk;
    this.ext.splice(i + 1, 0, { lblk, pblk: e.pblk + off, len: e.len - off, unwritten: e.unwritten });
    e.len = off;
  }

  /** Re-merge neighbours around index i after a change (keeps the map canonical). */
  private mergeAround(i: number): void {
    for (let j = Math.min(i + 1, this.ext.length - 1); j >= Math.max(1, i - 1); j--) {
      const a = this.ext[j - 1]!;
      const b = this.ext[j]!;
      if (a.lblk + a.len === b.lblk && a.pblk + a.len === b.pblk && a.unwritten === b.unwritten) {
        a.len += b.len;
        this.ext.splice(j, 1);
      }
    }
  }

  /**
   * Unmap [lblk, lblk+len) (ext4_ext_remove_space). Return: the physical runs that were mapped
   * there, for the caller to free.
   */
  remove(lblk: number, len: number): { pblk: number; len: number; lblk: number }[] {
    if (len <= 0) return [];
    const end = lblk + len;
    this.splitAt(lblk);
    if (Number.isFinite(end)) this.splitAt(end);
    const from = this.firstEndingAfter(lblk);
    let to = from;
    const freed: { pblk: number; len: number; lblk: number }[] = [];
    while (to < this.ext.length && this.ext[to]!.lblk < end) {
      const e = this.ext[to]!;
      freed.push({ pblk: e.pblk, len: e.len, lblk: e.lblk });
      to++;
    }
    this.ext.splice(from, to - from);
    return freed;
  }

  /** Set or clear the unwritten flag over the mapped parts of [lblk, lblk+len). */
  setUnwritten(lblk: number, len: number, unwritten: boolean): void {
    if (len <= 0) return;
    this.splitAt(lblk);
    this.splitAt(lblk + len);
    const from = this.firstEndingAfter(lblk);
    let i = from;
    for (; i < this.ext.length && this.ext[i]!.lblk < lblk + len; i++) this.ext[i]!.unwritten = unwritten;
    for (let j = i; j >= from; j--) this.mergeAround(j);
  }

  /**
   * Move every extent at or after `from` by `delta` blocks (collapse: negative, insert: positive;
   * ext4_ext_shift_extents). The range a negative shift moves into must already be a hole.
   * Return: the moved extents after the move, for the caller to re-own their blocks.
   */
  shift(from: number, delta: number): { lblk: number; pblk: number; len: number }[] {
    this.splitAt(from);
    const i = this.firstEndingAfter(from);
    if (delta < 0 && i > 0) {
      const prev = this.ext[i - 1]!;
      BUG_ON(prev.lblk + prev.len > from + delta, 'extents: collapse shift onto mapped blocks');
    }
    const moved: { lblk: number; pblk: number; len: number }[] = [];
    for (let j = i; j < this.ext.length; j++) {
      const e = this.ext[j]!;
      e.lblk += delta;
      BUG_ON(e.lblk < 0, 'extents: shift below block 0');
      moved.push({ lblk: e.lblk, pblk: e.pblk, len: e.len });
    }
    this.mergeAround(i);
    return moved;
  }

  /** Last mapped block + 1 (0 when empty). */
  get endBlock(): number {
    const last = this.ext[this.ext.length - 1];
    return last === undefined ? 0 : last.lblk + last.len;
  }
}
