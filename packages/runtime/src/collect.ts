/**
 * What a run leaves behind, read from the kernel once every process is done (both runtimes):
 * each file's layout (for the checker's offline pass over the stamps in pmem), the pins still
 * held (the refcount audit: none may outlive its process), and fsck's verdict on the model.
 */
import { type Kernel, fsck } from '@leasebreak/model';

export interface FileDump {
  readonly ino: number;
  readonly path: string;
  readonly size: number;
  readonly extents: readonly { readonly lblk: number; readonly pblk: number; readonly len: number; readonly unwritten: boolean }[];
}

export interface KernelAudit {
  readonly files: readonly FileDump[];
  /** Pages still pinned by pin sets at the end (GUP references nobody dropped). */
  readonly pinsHeld: number;
  /** Broken invariants of the model itself (a simulator bug when not empty). */
  readonly fsck: readonly string[];
  /** Every inode ever created, by number, for reports. */
  readonly paths: Readonly<Record<number, string>>;
}

export function auditKernel(k: Kernel): KernelAudit {
  const files: FileDump[] = [];
  const paths: Record<number, string> = {};
  for (const inode of k.sb.inodes.values()) {
    paths[inode.ino] = inode.path;
    if (!inode.isReg) continue;
    files.push({ ino: inode.ino, path: inode.path, size: inode.size, extents: inode.extents.extents().map((e) => ({ lblk: e.lblk, pblk: e.pblk, len: e.len, unwritten: e.unwritten })) });
  }
  let pinsHeld = 0;
  for (const s of k.pins.sets.values()) pinsHeld += s.pages.length;
  // Only a quiescent kernel can be checked: with tasks still inside syscalls (a hung run), the
  // locks and refcounts are legitimately mid-change.
  const quiet = [...k.tasks.values()].every((t) => t.inSyscall === null);
  return { files, pinsHeld, fsck: quiet ? fsck(k, { extraRefs: (pfn) => k.pins.refsOf(pfn) }) : [], paths };
}
