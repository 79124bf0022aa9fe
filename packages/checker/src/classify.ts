/**
 * The outcome classes of one DMA access (architecture §6), decided from where the access was
 * meant to go (the MR's or DIO's file block at pin time) and who owns the frame when it happens
 * (its struct page, read under the generation seqcount).
 *
 *   owner = intended (ino, block)           → ok
 *   owner free                               → lostWrite (a write into a free block)
 *   owner = intended ino, another block      → staleOffset (insert/collapse moved the block)
 *   owner = another file, write              → corruption
 *   owner = another file, read               → dataLeak (another file's data reaches the peer)
 */

export type DmaClass = 'ok' | 'corruption' | 'dataLeak' | 'staleOffset' | 'lostWrite';

export interface BlockRef {
  readonly ino: number;
  readonly index: number;
}

export function classifyDma(intended: BlockRef, owner: BlockRef, op: 'write' | 'read'): DmaClass {
  if (owner.ino === intended.ino && owner.index === intended.index) return 'ok';
  if (owner.ino <= 0) return op === 'write' ? 'lostWrite' : 'ok';
  if (owner.ino === intended.ino) return 'staleOffset';
  return op === 'write' ? 'corruption' : 'dataLeak';
}
