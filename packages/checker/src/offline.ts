/**
 * The offline pass: after the run, read every file through its extent map and check the stamp
 * at the start of each written block (mm/stamp.ts). A stamp in the wrong place is a DMA that
 * landed where it was not meant to and stayed there: in another file (corruption) or in the same
 * file at another offset (staleOffset). It confirms what the online check saw as it happened.
 */
import { PAGE_SIZE, type Pmem, readStamp } from '@leasebreak/model';
import type { DmaClass } from './classify.js';

export interface FileLayout {
  readonly ino: number;
  readonly path: string;
  readonly extents: readonly { readonly lblk: number; readonly pblk: number; readonly len: number; readonly unwritten: boolean }[];
}

export interface Misplaced {
  readonly class: Extract<DmaClass, 'corruption' | 'staleOffset'>;
  readonly pfn: number;
  /** Where the stamp was found. */
  readonly victim: { readonly ino: number; readonly path: string; readonly offset: number };
  /** Where the stamp says it was meant to go. */
  readonly intended: { readonly ino: number; readonly offset: number };
  readonly writer: number;
  readonly source: number;
}

export interface OfflineResult {
  /** Blocks that carried a stamp. */
  readonly stamped: number;
  readonly misplaced: readonly Misplaced[];
}

export function offlineScan(pmem: Pmem, files: readonly FileLayout[], limit = 200): OfflineResult {
  let stamped = 0;
  const misplaced: Misplaced[] = [];
  for (const f of files) {
    for (const e of f.extents) {
      if (e.unwritten) continue;
      for (let i = 0; i < e.len; i++) {
        const pfn = e.pblk + i;
        const s = readStamp(pmem.frame(pfn), 0);
        if (s === null) continue;
        stamped++;
        const index = e.lblk + i;
        if (s.ino === f.ino && s.index === index) continue;
        if (misplaced.length < limit) {
          misplaced.push({
            class: s.ino === f.ino ? 'staleOffset' : 'corruption',
            pfn,
            victim: { ino: f.ino, path: f.path, offset: index * PAGE_SIZE },
            intended: { ino: s.ino, offset: s.index * PAGE_SIZE },
            writer: s.writer,
            source: s.source,
          });
        }
      }
    }
  }
  return { stamped, misplaced };
}
