/**
 * The mounted DAX filesystem (struct super_block): the pmem device, its block allocator, the
 * inode table and the root directory, and the per-filesystem limits.
 */
import { S_IFDIR } from '../kernel/flags.js';
import { PAGE_SIZE, type Pmem } from '../mm/pmem.js';
import { BlockAllocator } from './balloc.js';
import { Inode } from './inode.js';

/** ext4 with 4 KiB blocks and extents: s_maxbytes = 16 TiB - 1 block. */
export const EXT4_MAX_BYTES = 2 ** 44 - PAGE_SIZE;

export interface SuperBlockOptions {
  /** s_maxbytes. Default EXT4_MAX_BYTES. */
  readonly maxBytes?: number;
  /** Hand recently freed blocks out first (the races need reuse). */
  readonly preferRecentlyFreed?: boolean;
}

export class SuperBlock {
  readonly pmem: Pmem;
  readonly balloc: BlockAllocator;
  readonly maxBytes: number;
  readonly inodes = new Map<number, Inode>();
  readonly root: Inode;
  /** Page-table entries hold a page reference (v6.15+: idle refcount 0, mappings refcounted). */
  readonly mapHoldsRef: boolean;
  /** Called after every unmap_mapping_range (the MMU notifiers: ODP MR invalidation). */
  onUnmap: ((inode: Inode, first: number, last: number) => void) | null = null;
  private nextIno = 2; // EXT4_ROOT_INO
  private nextFileId = 1;

  constructor(pmem: Pmem, opts: SuperBlockOptions = {}) {
    this.pmem = pmem;
    this.balloc = new BlockAllocator(pmem, { preferRecentlyFreed: opts.preferRecentlyFreed ?? false });
    this.maxBytes = opts.maxBytes ?? EXT4_MAX_BYTES;
    this.mapHoldsRef = pmem.idleRefcount === 0;
    this.root = this.newInode(S_IFDIR | 0o777, 0);
    this.root.path = '/';
  }

  newInode(mode: number, uid: number): Inode {
    const inode = new Inode(this.nextIno++, mode, uid);
    this.inodes.set(inode.ino, inode);
    return inode;
  }

  allocFileId(): number {
    return this.nextFileId++;
  }

  /**
   * unmap_mapping_range(): clear the page-table entries of file pages [first, last] in every VMA
   * that maps the file, so the next access faults. Return: entries that were present.
   */
  unmapMappingRange(inode: Inode, first: number, last = Number.MAX_SAFE_INTEGER): number {
    let n = 0;
    for (const vma of inode.vmas) n += vma.zapFilePages(this.pmem, first, last, this.mapHoldsRef);
    this.onUnmap?.(inode, first, last);
    return n;
  }
}
