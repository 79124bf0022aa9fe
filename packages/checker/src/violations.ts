/**
 * Violations with their evidence (architecture §6, §8): from the kernel's `dma.write` events
 * (direct-I/O DMA) and the NIC's own online records, each classified by classifyDma and named
 * with paths, offsets, the writing process and MR, the policy and the seed.
 */
import { PAGE_SIZE } from '@leasebreak/model';
import type { SimEvent } from '@leasebreak/trace';
import { type BlockRef, type DmaClass, classifyDma } from './classify.js';

export interface Violation {
  readonly class: Exclude<DmaClass, 'ok'>;
  readonly atUs: number;
  readonly pfn: number;
  readonly victim: { readonly path: string; readonly offset: number };
  readonly writer: { readonly process: string; readonly mr: number | null };
  readonly intended: { readonly path: string; readonly offset: number };
  readonly policy: string;
  readonly seed: number;
  /** What did the writing: the NIC (RDMA) or a disk's DMA (direct I/O). */
  readonly via: 'rdma' | 'dio';
}

/** One DMA access as a device saw it. */
export interface DmaRecord {
  readonly atNs: number;
  readonly pfn: number;
  readonly intended: BlockRef;
  readonly owner: BlockRef;
  readonly op: 'write' | 'read';
  readonly writerPid: number;
  readonly mr: number | null;
  readonly via: 'rdma' | 'dio';
}

export interface Names {
  readonly paths: Readonly<Record<number, string>>;
  readonly processes: Readonly<Record<number, string>>;
  readonly policy: string;
  readonly seed: number;
}

const pathOf = (n: Names, ino: number): string => (ino <= 0 ? '(free block)' : (n.paths[ino] ?? `ino ${ino}`));

export function toViolation(r: DmaRecord, n: Names): Violation | null {
  const cls = classifyDma(r.intended, r.owner, r.op);
  if (cls === 'ok') return null;
  return {
    class: cls,
    atUs: Math.round(r.atNs / 1000),
    pfn: r.pfn,
    victim: { path: pathOf(n, r.owner.ino), offset: r.owner.ino <= 0 ? 0 : r.owner.index * PAGE_SIZE },
    writer: { process: n.processes[r.writerPid] ?? `pid ${r.writerPid}`, mr: r.mr },
    intended: { path: pathOf(n, r.intended.ino), offset: r.intended.index * PAGE_SIZE },
    policy: n.policy,
    seed: n.seed,
    via: r.via,
  };
}

/** The kernel-side DMA records of a run (direct I/O completing into frames it had pinned). */
export function dmaRecordsFromEvents(events: readonly SimEvent[]): DmaRecord[] {
  const out: DmaRecord[] = [];
  for (const e of events) {
    if (e.kind !== 'dma.write') continue;
    out.push({ atNs: e.t, pfn: e.pfn, intended: e.intended, owner: e.owner, op: e.op, writerPid: e.writer, mr: e.source >= 0x10000 ? null : e.source, via: e.source >= 0x10000 ? 'dio' : 'rdma' });
  }
  return out;
}

export type OutcomeCounts = Record<Exclude<DmaClass, 'ok'>, number>;

export function countClasses(vs: readonly Violation[]): OutcomeCounts {
  const c: OutcomeCounts = { corruption: 0, dataLeak: 0, staleOffset: 0, lostWrite: 0 };
  for (const v of vs) c[v.class]++;
  return c;
}
